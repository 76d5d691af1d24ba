import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { GraphQLContext } from './context';
import { formatError, logUnexpectedErrors } from './format-error';

export interface ApolloOptions {
  schema: GraphQLSchema;
  /** Answer introspection queries (schema discovery by tools). */
  introspection: boolean;
  plugins?: ApolloServerPlugin<GraphQLContext>[];
}

/** The Apollo server of `/graphql`, with errors masked and never a stack trace. */
export function createApollo(options: ApolloOptions): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.introspection,
    // Apollo includes stack traces unless NODE_ENV is production or test; never send them.
    includeStacktraceInErrorResponses: false,
    formatError,
    plugins: [ApolloServerPluginLandingPageDisabled(), logUnexpectedErrors, ...(options.plugins ?? [])],
  });
}
