import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, OperationTypeNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import Negotiator from 'negotiator';
import { createMemo } from '../memo';
import type { GraphQLContext } from './context';
import { createFormatError, logUnexpected, publicError } from './format-error';
import { refuseCostly, type CostDefaults } from './operation-cost';
import { emptySummary, rootFields } from './request-summary';
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

/**
 * What is done for each request on Apollo's side, in one plugin with two hooks besides its
 * start: the answer's type is set as negotiated; a subscription, or an operation costing more
 * than `maxCost`, is refused before any resolver runs; unexpected errors are logged with their
 * causes; the request's log line gets its summary (operation, root fields, error codes as the
 * response gives them). Apollo runs a round of promises per hook of each plugin on every
 * request: three plugins cost an `image` query about a tenth of its rate.
 */
function requestPlugin(maxCost: number, costDefaults: CostDefaults): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue, request, response }) {
      // Chosen as Apollo would (the route refused what none suits), so Apollo need not negotiate again.
      const type = responseType(request.http?.headers.get('accept'));
      if (type) response.http.headers.set('content-type', type);
      const summary = emptySummary(contextValue.caller);
      contextValue.report(summary);
      const noteOperation = (operation: OperationDefinitionNode | undefined, operationName: string | null | undefined) => {
        if (!operation) return;
        summary.operation = operationName ?? null;
        summary.fields = rootFields(operation);
      };
      return {
        async didResolveOperation({ document, operation, operationName, request: { variables } }) {
          noteOperation(operation, operationName);
          if (!operation) return;
          // graphql 16 validates a subscription against a schema without any, then fails to run it.
          if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
            throw new GraphQLError('Subscriptions are not served: the schema has queries and mutations only.', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } });
          }
          refuseCostly(document, operation, variables ?? {}, maxCost, costDefaults);
        },
        // An operation refused once found (a mutation over GET) reaches no other hook.
        async didEncounterErrors({ errors, operation, operationName }) {
          noteOperation(operation, operationName);
          for (const error of errors) {
            const { code, unexpected } = publicError(error);
            if (!summary.codes.includes(code)) summary.codes.push(code);
            if (unexpected) logUnexpected(error, contextValue.log);
          }
        },
      };
    },
  };
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
      requestPlugin(options.limits.maxCost, options.costDefaults),
      ...(options.plugins ?? []),
    ],
  });
}

/**
 * The query string of a request target as Apollo reads it (what `URL.search` gives, once
 * URLSearchParams decodes it): from the `?` up to any `#`, empty when there is none.
 */
export function searchOf(target: string): string {
  const hash = target.indexOf('#');
  const end = hash < 0 ? target.length : hash;
  const start = target.indexOf('?');
  return start < 0 || start > end ? '' : target.slice(start, end);
}

/**
 * An HTTP request as Apollo takes it. Built here rather than through an integration package,
 * which parsed the whole URL and copied the headers through `Object.entries` on every request.
 */
export function apolloRequest(request: { method: string; url: string; headers: Readonly<Record<string, string | string[] | undefined>>; body: unknown }): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  // Node has lowercased the names already; only set-cookie comes as a list.
  for (const name in request.headers) {
    const value = request.headers[name];
    if (value) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return { method: request.method, headers, search: searchOf(request.url), body: request.body };
}

// What Apollo answers a single result as, in its order of preference.
const RESPONSE_TYPES = ['application/json; charset=utf-8', 'application/graphql-response+json; charset=utf-8', 'application/json; callbackSpec=1.0; charset=utf-8'];
// Clients send a handful of Accept headers; each is negotiated once.
const responseTypes = createMemo<string | null>(100);

/**
 * The type a GraphQL answer is sent as, for a request's Accept header, as Apollo chooses it
 * (JSON when there is none); null when the header accepts none of them. Apollo itself finds
 * that out only after running the operation (a mutation included) and answers 406 then.
 */
export function responseType(accept: string | undefined): string | null {
  if (!accept) return RESPONSE_TYPES[0] as string;
  return responseTypes.remembered(accept, () => new Negotiator({ headers: { accept } }).mediaType(RESPONSE_TYPES) ?? null);
}

/** The code of the first error of an answer Apollo refused (a body it could not read as an operation, say); null for none. */
export function refusalCode(body: string): string | null {
  try {
    const code = (JSON.parse(body) as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors?.[0]?.extensions?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}
