import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { callResolversDirectly } from './direct-resolvers';
import { AdminResolver } from './admin.resolver';
import { FolderResolver, SourceImageResolver } from './browse.resolver';
import { ImageResolver } from './image.resolver';
import { ResponsiveResolver } from './responsive.resolver';

/**
 * The executable schema, built from the type-graphql classes. Result types are declared
 * with `simpleResolvers`: their fields are plain properties that graphql reads itself,
 * without a type-graphql wrapper per field of every result; resolver methods are called
 * directly (direct-resolvers.ts).
 */
export async function buildGraphQLSchema(): Promise<GraphQLSchema> {
  const resolvers = [ImageResolver, ResponsiveResolver, FolderResolver, SourceImageResolver, AdminResolver] as const;
  return callResolversDirectly(await buildSchema({ resolvers, validate: false }), resolvers);
}

/** The text committed as `schema/schema.graphql`, from which client SDKs are generated. */
export async function schemaText(): Promise<string> {
  const header = '# Generated from the code by `npm run schema`. Do not edit: change src/graphql/ instead.\n\n';
  return `${header}${printSchema(await buildGraphQLSchema())}\n`;
}
