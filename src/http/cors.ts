import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors';
import { sendError } from './errors';

export interface CorsOptions {
  /** Origins whose pages may call the API (`https://app.example.com`), or `*` for any. @default ['*'] */
  origins: readonly string[];
  /** Origins whose pages may send an Authorization header (administration from a browser), and so call the API at all. @default [] */
  adminOrigins: readonly string[];
}

// Headers the GraphQL clients people use send: Apollo Client, urql, graphql-request, fetch.
const API_HEADERS = ['content-type', 'accept', 'apollo-require-preflight', 'x-apollo-operation-name', 'apollographql-client-name', 'apollographql-client-version', 'x-request-id'];
const PREFLIGHT_MAX_AGE = '600';
const IMAGE_PREFLIGHT_MAX_AGE = '86400';

/** Whether a request's Origin is the server's own (the playground), as the Host header names it. */
function sameOrigin(origin: string, request: FastifyRequest): boolean {
  return URL.canParse(origin) && new URL(origin).host === request.headers.host;
}

/**
 * Cross-origin access. `/graphql`: public queries from the configured origins (any, by
 * default: the API uses bearer tokens, never cookies, so another site's page gains nothing
 * a script on any machine would not have), the Authorization header only from the origins
 * listed for administration or the server's own pages. `/img`: any origin, since its
 * content is public and signed.
 */
export function registerCors(app: FastifyInstance, graphqlPath: string, imagePrefix: string, options: CorsOptions): void {
  const anyOrigin = options.origins.includes('*');
  const anyAdminOrigin = options.adminOrigins.includes('*');
  // An origin trusted to administer may call the API at all, whether --cors-origins names it or not.
  const allowed = (origin: string) => anyOrigin || anyAdminOrigin || options.origins.includes(origin) || options.adminOrigins.includes(origin);
  const mayAdminister = (origin: string, request: FastifyRequest) => sameOrigin(origin, request) || anyAdminOrigin || options.adminOrigins.includes(origin);

  function allowOrigin(reply: FastifyReply, origin: string): void {
    reply.header('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
  }

  app.addHook('onRequest', async (request, reply) => {
    // The route matched, not the raw URL: `/%67raphql` reaches the API too.
    const path = request.routeOptions.url ?? '';
    if (path.startsWith(imagePrefix)) {
      reply.header('Access-Control-Allow-Origin', '*');
      return;
    }
    if (path !== graphqlPath) return;
    // Every answer depends on the Origin (whether it is allowed, and may send Authorization),
    // including answers to requests without one: a cache that keeps a GET query's answer
    // must not hand it to another origin.
    reply.header('Vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined || sameOrigin(origin, request)) return;
    if (allowed(origin)) {
      allowOrigin(reply, origin);
      reply.header('Access-Control-Expose-Headers', 'X-Request-Id');
    }
    // Listed for queries or not: only the administration origins may send a token.
    if (request.method !== 'OPTIONS' && request.headers.authorization !== undefined && !mayAdminister(origin, request)) {
      return sendError(new AppError('FORBIDDEN', `The Authorization header is accepted only from the origins in --cors-admin-origins; ${origin} is not one.`), request, reply);
    }
  });

  // Preflights: answered here, before Apollo (whose CSRF check would refuse them).
  app.options(graphqlPath, async (request, reply) => {
    const origin = request.headers.origin;
    reply.header('Cache-Control', 'no-store');
    if (origin === undefined || !(allowed(origin) || sameOrigin(origin, request))) return reply.code(204).send();
    const headers = mayAdminister(origin, request) ? [...API_HEADERS, 'authorization'] : API_HEADERS;
    return reply
      .code(204)
      .header('Access-Control-Allow-Methods', 'GET, POST')
      .header('Access-Control-Allow-Headers', headers.join(', '))
      .header('Access-Control-Max-Age', PREFLIGHT_MAX_AGE)
      .send();
  });

  app.options(`${imagePrefix}*`, async (_request, reply) =>
    reply
      .code(204)
      .header('Access-Control-Allow-Methods', 'GET, HEAD')
      .header('Access-Control-Allow-Headers', 'accept, if-none-match, x-request-id')
      .header('Access-Control-Max-Age', IMAGE_PREFLIGHT_MAX_AGE)
      .header('Cache-Control', 'no-store')
      .send(),
  );
}
