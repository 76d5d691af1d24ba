import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { apolloRequest, createApollo, refusalCode, responseType, searchOf, type ApolloOptions } from '../graphql/apollo';
import type { GraphQLContext } from '../graphql/context';
import type { RequestSummary } from '../graphql/request-summary';
import { createOperationGate } from '../graphql/operation-limits';
import { PLAYGROUND_PATH, wantsPlayground } from './playground-route';

export interface GraphQLRouteOptions {
  schema: GraphQLSchema;
  introspection: boolean;
  /** Whether a browser opening GET /graphql is sent to the playground. */
  playground: boolean;
  limits: ApolloOptions['limits'];
  costDefaults: ApolloOptions['costDefaults'];
  context(request: FastifyRequest, report: (summary: RequestSummary) => void): GraphQLContext;
}

export const GRAPHQL_PATH = '/graphql';

/** `GET|POST /graphql`: Apollo on the same fastify server as the bytes route. */
export async function registerGraphQLRoute(app: FastifyInstance, options: GraphQLRouteOptions): Promise<void> {
  const apollo = createApollo({
    schema: options.schema,
    introspection: options.introspection,
    limits: options.limits,
    costDefaults: options.costDefaults,
  });
  await apollo.start();
  const refusal = createOperationGate(options.limits);
  app.route({
    method: ['GET', 'POST'],
    url: GRAPHQL_PATH,
    preHandler: async (request, reply) => {
      if (options.playground && wantsPlayground(request)) return reply.redirect(PLAYGROUND_PATH);
      /** Answers a GraphQL error before Apollo is asked, in the type the request accepts. */
      const refuse = (status: number, code: string, message: string, type: string) => {
        request.errorCode = code;
        return reply.code(status).type(type).send(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
      };
      const type = responseType(request.headers.accept);
      // Before anything runs: Apollo would run the operation, a mutation too, and only then refuse to send its answer.
      if (type === null) return refuse(406, 'BAD_REQUEST', 'The Accept header accepts neither application/json nor application/graphql-response+json, the types a GraphQL answer is sent as.', 'application/json; charset=utf-8');
      // The document as Apollo will read it: a GET's from the URL as URLSearchParams decodes it.
      const refused = refusal(request.method === 'GET' ? new URLSearchParams(searchOf(request.url)).get('query') : (request.body as { query?: unknown } | null)?.query);
      if (refused) return refuse(400, 'GRAPHQL_VALIDATION_FAILED', refused, type);
    },
    async handler(request, reply) {
      const answer = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: apolloRequest(request),
        context: async () =>
          options.context(request, (summary) => {
            request.graphql = summary;
          }),
      });
      for (const [name, value] of answer.headers) void reply.header(name, value);
      // A GET's answer is cacheable, and its type follows the Accept header.
      if (request.method === 'GET') void reply.header('Vary', [reply.getHeader('Vary'), 'Accept'].filter(Boolean).join(', '));
      const status = answer.status ?? 200;
      void reply.code(status);
      // Refused before any operation was read, the answer's code is the request line's.
      if (status >= 400 && request.graphql === undefined && answer.body.kind === 'complete') request.errorCode = refusalCode(answer.body.string) ?? undefined;
      return answer.body.kind === 'complete' ? answer.body.string : reply.send(Readable.from(answer.body.asyncIterator));
    },
  });
}
