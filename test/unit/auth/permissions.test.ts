import { isObjectType, type GraphQLObjectType } from 'graphql';
import { createIdentifier } from '../../../src/auth/identify';
import { permissionTree, protect } from '../../../src/auth/permissions';
import { MemoryRateLimitStore } from '../../../src/auth/rate-limit-store';
import { createWindowCounter } from '../../../src/auth/rate-limits';
import { buildGraphQLSchema } from '../../../src/graphql/schema';

const budget = { max: 10, windowSeconds: 60 };
const PERMISSIONS = permissionTree(createWindowCounter(new MemoryRateLimitStore()), { image: budget, images: budget, admin: budget });

describe('the permission tree', () => {
  it('has an explicit rule for every root field', async () => {
    const schema = await buildGraphQLSchema();
    const tree: Record<string, object> = PERMISSIONS;
    for (const root of [schema.getQueryType(), schema.getMutationType()]) {
      expect(root).toBeDefined();
      const missing = Object.keys(root!.getFields()).filter((field) => !Object.hasOwn(tree[root!.name] ?? {}, field));
      expect({ type: root!.name, missing }).toEqual({ type: root!.name, missing: [] });
    }
  });

  it('guards every root field and a folder page of images, and leaves the other fields of result types as they are', async () => {
    const schema = await buildGraphQLSchema();
    const guarded = protect(schema, PERMISSIONS);
    for (const root of [guarded.getQueryType()!, guarded.getMutationType()!]) {
      const original = schema.getType(root.name) as GraphQLObjectType;
      for (const [name, field] of Object.entries(root.getFields())) expect(field.resolve).not.toBe(original.getFields()[name]!.resolve);
    }
    const resultTypes = Object.values(guarded.getTypeMap()).filter(
      (type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__') && type !== guarded.getQueryType() && type !== guarded.getMutationType(),
    );
    expect(resultTypes.length).toBeGreaterThan(5);
    for (const type of resultTypes) {
      const original = schema.getType(type.name) as GraphQLObjectType;
      for (const [name, field] of Object.entries(type.getFields())) {
        const expected = `${type.name}.${name}` === 'Folder.images' ? expect.not.objectContaining({ resolve: original.getFields()[name]!.resolve }) : { field: `${type.name}.${name}`, resolve: original.getFields()[name]!.resolve };
        expect({ field: `${type.name}.${name}`, resolve: field.resolve }).toEqual(expected);
      }
    }
  });
});

describe('identifying callers', () => {
  const identify = createIdentifier([
    { name: 'alice', token: 'alice-token-0123456789' },
    { name: 'bob', token: 'bob-token-0123456789' },
  ]);

  it.each([
    [undefined, { kind: 'anonymous' }],
    ['', { kind: 'anonymous' }],
    ['Basic YWxpY2U=', { kind: 'anonymous' }],
    ['Bearer', { kind: 'anonymous' }],
    ['Bearer alice-token-0123456789', { kind: 'admin', name: 'alice' }],
    ['bearer   bob-token-0123456789 ', { kind: 'admin', name: 'bob' }],
    ['Bearer alice-token-012345678', { kind: 'unknown-token' }],
    ['Bearer alice-token-0123456789 extra', { kind: 'unknown-token' }],
    ['Bearer ALICE-TOKEN-0123456789', { kind: 'unknown-token' }],
  ])('%j is %j', (header, caller) => {
    expect(identify(header)).toEqual(caller);
  });
});
