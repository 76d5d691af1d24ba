import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { GraphQLContext } from './context';
import { formatError, logUnexpectedErrors } from './format-error';
import { operationLimitsRule, type OperationLimits } from './operation-limits';

export interface ApolloOptions {
  schema: GraphQLSchema;
  /** Answer introspection queries (schema discovery by tools). */
  introspection: boolean;
  limits: OperationLimits & {
    /** Most tokens a document may have before parsing stops. */
    maxTokens: number;
  };
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
    validationRules: [operationLimitsRule(options.limits)],
    parseOptions: { maxTokens: options.limits.maxTokens },
    // Both are Apollo's defaults today; stated so that an upgrade cannot turn them around.
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Cache hints are never set here (POST responses are not HTTP-cacheable), and the plugin
      // would instrument every resolved field to compute them.
      ApolloServerPluginCacheControlDisabled(),
      logUnexpectedErrors,
      ...(options.plugins ?? []),
    ],
  });
}
