import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { GraphQLContext } from './context';
import { createFormatError, logUnexpectedErrors } from './format-error';
import { operationCostPlugin, type CostDefaults } from './operation-cost';
import { requestSummaryPlugin } from './request-summary';
import type { OperationLimits } from './operation-limits';

export interface ApolloOptions {
  schema: GraphQLSchema;
  /** Answer introspection queries (schema discovery by tools). */
  introspection: boolean;
  limits: OperationLimits & {
    /** Most tokens a document may have before parsing stops. */
    maxTokens: number;
    /** Most an operation may cost, in images' worth of work (see operation-cost.ts). */
    maxCost: number;
  };
  /** What a responsive image asking for no widths or formats is costed at. */
  costDefaults: CostDefaults;
  plugins?: ApolloServerPlugin<GraphQLContext>[];
}

/** The Apollo server of `/graphql`, with errors masked and never a stack trace. */
export function createApollo(options: ApolloOptions): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.introspection,
    // Without introspection, "Did you mean …?" in validation errors would still spell the schema out.
    hideSchemaDetailsFromClientErrors: !options.introspection,
    // Apollo includes stack traces unless NODE_ENV is production or test; never send them.
    includeStacktraceInErrorResponses: false,
    formatError: createFormatError({ hideSchema: !options.introspection }),
    parseOptions: { maxTokens: options.limits.maxTokens },
    allowBatchedHttpRequests: false,
    // The process stops the server itself on SIGTERM and SIGINT (main.ts), waiting up to
    // --shutdown-timeout for requests in flight. Apollo's own handlers (on outside tests) would
    // stop it in parallel, and a drain of fastify cuts every connection after 10 s.
    stopOnTerminationSignals: false,
    // Apollo's CSRF check refuses GETs without a preflight header, which urql and CDNs send
    // for queries. Nothing it guards against applies here: the API reads no cookies, a
    // mutation never runs over GET, and a POST is read only as application/json, which no
    // page can send to another origin without a CORS preflight (see http/cors.ts).
    csrfPrevention: false,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Cache hints are never set here (POST responses are not HTTP-cacheable), and the plugin
      // would instrument every resolved field to compute them.
      ApolloServerPluginCacheControlDisabled(),
      logUnexpectedErrors,
      operationCostPlugin<GraphQLContext>(options.limits.maxCost, options.costDefaults),
      requestSummaryPlugin<GraphQLContext>(),
      ...(options.plugins ?? []),
    ],
  });
}
