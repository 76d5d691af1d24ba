import type { GraphQLFieldResolver, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

type Methods = Record<string, (...values: unknown[]) => unknown>;
/** A resolver class as type-graphql's metadata names it. */
type ResolverClass = new () => unknown;
type ParamMetadata = NonNullable<ReturnType<typeof getMetadataStorage>['queries'][number]['params']>[number];
type Take = (root: unknown, args: Record<string, unknown>, context: unknown, info: unknown) => unknown;

/** What one parameter decorator hands its method; null for what this does not do. */
function taking(param: ParamMetadata): Take | null {
  switch (param.kind) {
    case 'args':
      return param.validateSettings === undefined && param.validateFn === undefined ? (_root, args) => args : null;
    case 'arg': {
      const { name } = param;
      return param.validateSettings === undefined && param.validateFn === undefined ? (_root, args) => args[name] : null;
    }
    case 'context': {
      const { propertyName } = param;
      return propertyName === undefined ? (_root, _args, context) => context : (_root, _args, context) => (context as Record<string, unknown>)[propertyName];
    }
    case 'root': {
      const { propertyName } = param;
      return propertyName === undefined ? (root) => root : (root) => (root as Record<string, unknown>)[propertyName];
    }
    case 'info':
      return (_root, _args, _context, info) => info;
    default:
      return null;
  }
}

/**
 * Points each field that a method of `resolvers` answers at that method, called with graphql's
 * own values. type-graphql's wrapper copies the arguments, and a field resolver's parent, into
 * instances of their classes on every call: a tenth of an `image` query. Nothing here needs
 * those instances (the classes declare fields only, without defaults or methods) and
 * validation is off; what else the wrapper would do (middleware, roles, validation, custom
 * parameters) is refused while the schema is built, so it cannot be lost unnoticed.
 */
export function callResolversDirectly(schema: GraphQLSchema, resolvers: readonly ResolverClass[]): GraphQLSchema {
  const storage = getMetadataStorage();
  const instances = new Map<unknown, Methods>();
  const typeNamed = (target: unknown) => storage.objectTypes.find((type) => type.target === target)?.name;
  const rooted: Array<[GraphQLObjectType | null | undefined, typeof storage.queries]> = [
    [schema.getQueryType(), storage.queries],
    [schema.getMutationType(), storage.mutations],
  ];
  const entries = [
    ...rooted.flatMap(([type, list]) => list.map((metadata) => ({ metadata, type }))),
    ...storage.fieldResolvers
      .filter((metadata) => metadata.kind === 'external')
      .map((metadata) => {
        const name = metadata.getObjectType ? typeNamed(metadata.getObjectType()) : undefined;
        return { metadata, type: name ? (schema.getType(name) as GraphQLObjectType | undefined) : undefined };
      }),
  ];
  for (const { metadata, type } of entries) {
    if (!resolvers.some((resolver) => resolver === metadata.target)) continue;
    const where = `${metadata.target.name}.${metadata.methodName}`;
    const field = type?.getFields()[metadata.schemaName];
    if (!field) throw new Error(`${where} answers no field of the schema`);
    if ((metadata.middlewares ?? []).length > 0 || metadata.roles !== undefined) throw new Error(`${where}: middleware and roles are not applied here (see direct-resolvers.ts)`);
    const takes = [...(metadata.params ?? [])].sort((a, b) => a.index - b.index).map((param) => {
      const take = taking(param);
      if (!take) throw new Error(`${where}: its "${param.kind}" parameter is not handed over here (see direct-resolvers.ts)`);
      return take;
    });
    const instance = instances.get(metadata.target) ?? (new (metadata.target as ResolverClass)() as Methods);
    instances.set(metadata.target, instance);
    const method = (instance[metadata.methodName] as Methods[string]).bind(instance);
    const resolve: GraphQLFieldResolver<unknown, unknown, Record<string, unknown>> = (root, args, context, info) => method(...takes.map((take) => take(root, args, context, info)));
    field.resolve = resolve;
  }
  return schema;
}
