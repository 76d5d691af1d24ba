import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../errors';
import type { ImageService, Variant } from '../images/service';

export const IMAGE_PREFIX = '/img/';
const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface ImageRouteOptions {
  service: ImageService;
  /** Answer unsigned URLs in the original's graceful grammar. @default false */
  allowUnsigned: boolean;
}

/** True when an If-None-Match header lists this ETag (weak or strong) or is `*`. */
export function matchesETag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

function describeVariant(reply: FastifyReply, variant: Variant): void {
  reply
    .header('ETag', `"${variant.key}"`)
    .header('Last-Modified', new Date(variant.source.mtimeMs).toUTCString())
    .header('Cache-Control', IMMUTABLE)
    .header('X-Image-Source', variant.source.kind)
    .header('Access-Control-Allow-Origin', '*')
    .header('Access-Control-Expose-Headers', 'ETag, X-Cache-Status, X-Image-Source')
    .header('Cross-Origin-Resource-Policy', 'cross-origin');
}

/**
 * `GET|HEAD /img/{path}/{params...}`. A matching If-None-Match is answered 304 from the
 * source's stat alone; a cache hit reads one file; only a miss renders.
 */
export function registerImageRoute(app: FastifyInstance, options: ImageRouteOptions): void {
  app.get(`${IMAGE_PREFIX}*`, async (request, reply) => {
    const url = request.raw.url ?? '';
    const query = url.indexOf('?');
    const rawPath = (query === -1 ? url : url.slice(0, query)).slice(IMAGE_PREFIX.length);
    if (!options.allowUnsigned) {
      throw new AppError('FORBIDDEN', 'Unsigned image URLs are not accepted; ask the GraphQL API for a signed URL.');
    }
    const variant = await options.service.prepareFromUrl(rawPath);
    describeVariant(reply, variant);
    if (matchesETag(request.headers['if-none-match'], `"${variant.key}"`)) {
      return reply.code(304).send();
    }
    const loaded = await options.service.load(variant, request.log);
    return reply
      .header('Content-Type', variant.contentType)
      .header('Content-Length', loaded.data.length)
      .header('X-Cache-Status', loaded.cacheStatus)
      .send(loaded.data);
  });
}
