import type { FastifyInstance } from 'fastify';
import { addressKey } from '../auth/address-key';
import type { Serve, ServedFacts } from '../images/serve';
import { IMAGE_ROUTE } from './hot-path';

export interface ImageRouteOptions {
  serve: Serve;
  /** Counts a render against the client's budget; throws RATE_LIMITED when it is spent. */
  admitRender(clientId: string): Promise<void>;
}

/** The response headers of a served variant, as the framework sends them (lower case). */
export function headersOf(facts: ServedFacts): Record<string, string> {
  return {
    etag: facts.etag,
    'last-modified': facts.lastModified,
    'cache-control': facts.cacheControl,
    'x-image-source': facts.sourceKind,
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'ETag, X-Cache-Status, X-Image-Source',
    'cross-origin-resource-policy': 'cross-origin',
    ...(facts.negotiated ? { vary: 'Accept' } : {}),
  };
}

/**
 * `GET|HEAD /img/{path}/{params...}`: adapts the domain's `serve` to HTTP. A client that
 * leaves gives up its share of a render that has not started yet.
 */
export function registerImageRoute(app: FastifyInstance, options: ImageRouteOptions): void {
  app.get(IMAGE_ROUTE, async (request, reply) => {
    const left = new AbortController();
    if (request.raw.socket.destroyed) left.abort();
    else reply.raw.once('close', () => !reply.raw.writableFinished && left.abort());
    const served = await options.serve.serve({
      url: request.raw.url as string,
      method: request.method === 'HEAD' ? 'HEAD' : 'GET',
      ifNoneMatch: request.headers['if-none-match'],
      accept: request.headers.accept,
      admitRender: () => options.admitRender(addressKey(request.ip)),
      signal: left.signal,
      log: request.log,
    });
    reply.headers(headersOf(served.facts));
    if (served.status === 304) return reply.code(304).send();
    return reply
      .header('content-type', served.facts.contentType)
      .header('content-length', served.data.length)
      .header('x-cache-status', served.cacheStatus)
      .send(served.data);
  });
}
