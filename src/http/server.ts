import http from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { PrecacheProgress } from '../images/precache';
import { IMAGE_PREFIX } from '../signing/url-signer';
import { AppError, malformedEncoding } from '../errors';
import { answerClientError, sendError } from './errors';
import { GRAPHQL_PATH, registerGraphQLRoute, type GraphQLRouteOptions } from './graphql-route';
import { limitConnections } from './connection-limits';
import { registerJsonBodies } from './json-body';
import { registerCors, type CorsOptions } from './cors';
import { createHotPath } from './hot-path';
import { COMMON_HEADERS, createRequestIds, requestIdOf } from './request-ids';
import { headersOf, registerImageRoute, type ImageRouteOptions } from './image-route';
import type { Metrics } from './metrics';
import { registerPlayground } from './playground-route';

export interface HttpServerOptions {
  logger: Logger;
  /** Processing counts for /health. */
  imageStats(): { imagesProcessed: number; active: number; queued: number };
  imageRoute: ImageRouteOptions;
  graphql: GraphQLRouteOptions;
  /** The folder of the bundled playground, or null when the playground is off. */
  playgroundAssets: string | null;
  version: string;
  /** Proxies whose X-Forwarded-For names the client. */
  trustedProxies: readonly string[];
  cacheStats(): { files: number; bytes: number };
  /** This replica's id, and whether Redis answers (null without --redis-url); /ready never asks. */
  replica: { id: string; redis: (() => 'up' | 'down') | null };
  precacheProgress(): PrecacheProgress;
  /** Whether the pre-cache runs at start-up: until it ends, /ready says not ready. */
  precacheEnabled: boolean;
  /** Served at /metrics; null when metrics are off. */
  metrics: Metrics | null;
  /** Whether requests answered from memory are logged at info (otherwise debug). */
  logHits: boolean;
  cors: CorsOptions;
  connections: {
    /** Seconds a client may take to send a request's headers, idle connections included. */
    headersTimeoutSeconds: number;
    /** Open connections per client address; 0 for no bound. Trusted proxies are not bounded. */
    maxPerClient: number;
  };
}

const KEEP_ALIVE_MS = 72_000;
const CLIENT_CLOSED = 499;
// Beyond the headers: time to send a body of up to the 1 MiB limit over a slow link.
const BODY_MS = 20_000;

/** One fastify server for every route; request ids come from X-Request-Id when sane. */
/**
 * A request's URL for its log line. The query string stays out of GraphQL's (a GET's document
 * and variables) and of requests that matched no route (`/graphql/?query=...` from a client
 * set up with a trailing slash); image URLs keep theirs (the version and the signature).
 */
function loggedUrl(request: FastifyRequest): string {
  const route = request.routeOptions.url;
  return route === undefined || route === GRAPHQL_PATH ? (request.url.split('?')[0] as string) : request.url;
}

export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const startedAt = Date.now();
  const generateId = createRequestIds();
  const hotPath = createHotPath({ serve: options.imageRoute.serve, headersOf, logger: options.logger, metrics: options.metrics, generateId, logHits: options.logHits });
  const app = Fastify({
    // Repeated image hits are answered below the framework (see hot-path.ts).
    serverFactory: (handler) => {
      const headersTimeout = options.connections.headersTimeoutSeconds * 1000;
      const server = http.createServer(
        {
          // A connection that sends its headers slowly, or nothing at all, is closed after this.
          headersTimeout,
          requestTimeout: headersTimeout + BODY_MS,
          // How often those timeouts are checked; Node's default is 30 s.
          connectionsCheckingInterval: Math.min(1000, headersTimeout),
        },
        (request, response) => hotPath.answer(request, response) || handler(request, response),
      );
      // Fastify's own default: longer than the idle timeouts of common proxies and load balancers.
      server.keepAliveTimeout = KEEP_ALIVE_MS;
      limitConnections(server, { maxPerClient: options.connections.maxPerClient, exempt: options.trustedProxies });
      return server;
    },
    // Typed as fastify's logger so that routes and plugins keep fastify's default types.
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    // A malformed URL (bad percent-encoding) is refused by the router before any route runs.
    frameworkErrors: (error, request, reply) => {
      sendError(malformedEncoding(error), request, reply);
    },
    genReqId: (request) => requestIdOf(request, generateId),
    clientErrorHandler: answerClientError,
  });

  registerJsonBodies(app);
  app.decorateRequest('errorCode', undefined);
  app.decorateRequest('startedAt', 0);
  app.decorateRequest('graphql', undefined);
  app.addHook('onRequest', async (request, reply) => {
    request.startedAt = performance.now();
    reply.header('X-Request-Id', request.id).headers(COMMON_HEADERS);
  });
  // One log line per request, after the response is sent.
  app.addHook('onResponse', async (request, reply) => {
    options.metrics?.observeRequest(request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        url: loggedUrl(request),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        cache: reply.getHeader('x-cache-status'),
        code: request.errorCode,
        graphql: request.graphql,
      },
      'request',
    );
  });
  // A client that leaves before its answer still gets its request line, as status 499 (nginx's "client closed request").
  app.addHook('onRequestAbort', async (request) => {
    const ms = performance.now() - request.startedAt;
    options.metrics?.observeRequest(request.routeOptions.url ?? 'unmatched', CLIENT_CLOSED, ms / 1000);
    request.log.info({ method: request.method, url: loggedUrl(request), status: CLIENT_CLOSED, ms: Math.round(ms * 10) / 10, code: request.errorCode }, 'request');
  });
  // Once closing, responses still in flight end their connection, so the server can stop
  // without waiting for clients' keep-alive connections to time out.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    hotPath.stop();
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('Connection', 'close');
  });
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => sendError(new AppError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`), request, reply));

  registerCors(app, GRAPHQL_PATH, IMAGE_PREFIX, options.cors);
  registerImageRoute(app, options.imageRoute);
  await registerGraphQLRoute(app, options.graphql);
  if (options.playgroundAssets) await registerPlayground(app, { assetsDir: options.playgroundAssets, log: options.logger });

  // Someone who opens the server's address finds where everything is.
  app.get('/', async (_request, reply) =>
    reply.header('Cache-Control', 'no-store').send({
      name: 'goimgserver',
      version: options.version,
      graphql: GRAPHQL_PATH,
      playground: options.playgroundAssets ? '/playground' : null,
      health: '/health',
      ready: '/ready',
      metrics: options.metrics ? '/metrics' : null,
      images: `${IMAGE_PREFIX}{path}/… (signed URLs from the GraphQL API)`,
    }),
  );

  app.get('/health', async (_request, reply) => {
    const { imagesProcessed, active, queued } = options.imageStats();
    return reply.header('Cache-Control', 'no-store').send({
      status: 'ok',
      version: options.version,
      replica: options.replica.id,
      redis: options.replica.redis?.() ?? 'off',
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      cache: options.cacheStats(),
      imagesProcessed,
      processing: { active, queued },
      precache: options.precacheProgress(),
    });
  });

  // Ready once started and, when it runs, once the pre-cache has ended: a new instance takes traffic warm.
  app.get('/ready', async (_request, reply) => {
    const precache = options.precacheProgress();
    const ready = !options.precacheEnabled || precache.state === 'done' || precache.state === 'failed';
    if (!ready) reply.code(503).header('Retry-After', '5');
    return reply.header('Cache-Control', 'no-store').send({ ready, precache });
  });

  const { metrics } = options;
  if (metrics) {
    app.get('/metrics', async (_request, reply) => reply.header('Cache-Control', 'no-store').type(metrics.contentType).send(await metrics.text()));
  }

  return app;
}
