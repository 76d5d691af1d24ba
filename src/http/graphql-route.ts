import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { createApollo, type ApolloOptions } from '../graphql/apollo';
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
      // The document as Apollo will read it: a GET's from the URL as URLSearchParams decodes it.
      const search = request.method === 'GET' ? new URL(request.raw.url ?? '/', 'http://server/').search : '';
      const refused = refusal(request.method === 'GET' ? new URLSearchParams(search).get('query') : (request.body as { query?: unknown } | null)?.query);
      if (refused) {
        request.errorCode = 'GRAPHQL_VALIDATION_FAILED';
        return reply.code(400).type('application/json; charset=utf-8').send(JSON.stringify({ errors: [{ message: refused, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }));
      }
    },
    handler: fastifyApolloHandler<GraphQLContext>(apollo, {
      context: async (request) =>
        options.context(request, (summary) => {
          request.graphql = summary;
        }),
    }),
  });
}
