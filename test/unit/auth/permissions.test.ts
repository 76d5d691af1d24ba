import { isObjectType } from 'graphql';
import { createIdentifier } from '../../../src/auth/identify';
import { permissionTree } from '../../../src/auth/permissions';
import { MemoryRateLimitStore } from '../../../src/auth/rate-limit-store';
import { buildGraphQLSchema } from '../../../src/graphql/schema';

const budget = { max: 10, windowSeconds: 60 };
const PERMISSIONS = permissionTree(new MemoryRateLimitStore(), { image: budget, images: budget, admin: budget });

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

  it('names every object type the schema has, so no result type is denied by accident', async () => {
    const schema = await buildGraphQLSchema();
    const objectTypes = Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && !type.name.startsWith('__'))
      .map((type) => type.name)
      .sort();
    expect(Object.keys(PERMISSIONS).sort()).toEqual(objectTypes);
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
