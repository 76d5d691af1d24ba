import { addressKey } from '../auth/address-key';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors';
import { overloaded } from '../images/limiter';
import { chooseFormat } from '../images/negotiate';
import { parseImagePath, parseUrlSegments } from '../images/path';
import type { ResolvedSource } from '../images/resolve';
import { variantOf, type ImageService, type Variant } from '../images/service';
import { parseGrammar, withFormat, type RequestedSpec, type SpecLimits } from '../images/spec';
import { IMAGE_PREFIX, type UrlSigner } from '../signing/url-signer';
import { IMAGE_ROUTE, type HotPath } from './hot-path';

const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface ImageRouteOptions {
  service: ImageService;
  signer: UrlSigner;
  limits: SpecLimits;
  /** Answer unsigned URLs in the original's graceful grammar. @default false */
  allowUnsigned: boolean;
  /** Seconds a URL minted for an older version of its source may be cached. @default 60 */
  staleMaxAge: number;
  /** Counts a render against the client's budget; throws RATE_LIMITED when it is spent. */
  admitRender(clientId: string): Promise<void>;
  /** Told each URL whose bytes were served, so that repeats can be answered from memory. */
  hotPath?: HotPath;
}

/** True when an If-None-Match header lists this ETag (weak or strong) or is `*`. */
export function matchesETag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

interface Answer {
  variant: Variant;
  cacheControl: string;
  negotiated: boolean;
}

function describeVariant({ variant, cacheControl, negotiated }: Answer): Record<string, string> {
  return {
    ETag: `"${variant.key}"`,
    'Last-Modified': new Date(variant.source.mtimeMs).toUTCString(),
    'Cache-Control': cacheControl,
    'X-Image-Source': variant.source.kind,
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'ETag, X-Cache-Status, X-Image-Source',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    ...(negotiated ? { Vary: 'Accept' } : {}),
  };
}

/**
 * `GET|HEAD /img/{path}/{params...}`. Signed URLs are verified before any file is looked at;
 * unsigned ones are answered in the graceful grammar only when allowed. A matching
 * If-None-Match is answered 304 from the source's stat alone; a cache hit reads one file;
 * only a miss renders.
 */
export function registerImageRoute(app: FastifyInstance, options: ImageRouteOptions): void {
  const { service, signer } = options;

  interface Target {
    path: readonly string[];
    spec: RequestedSpec;
    /** The version a signed URL was minted for; null for an unsigned one. */
    version: string | null;
  }

  /** What the URL asks for: verified before any file is looked at when signed. */
  async function target(request: FastifyRequest): Promise<Target> {
    const url = request.raw.url ?? '';
    const queryStart = url.indexOf('?');
    const rawPath = (queryStart === -1 ? url : url.slice(0, queryStart)).slice(IMAGE_PREFIX.length);
    const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
    const segments = parseUrlSegments(rawPath);
    if (query.has('s') || query.has('v')) {
      const signed = signer.verify(segments, query);
      if (service.saturated()) refuseUnlessKnownCached(signed.path, signed.spec, request.headers.accept);
      return { path: signed.path, spec: signed.spec, version: signed.version };
    }
    if (!options.allowUnsigned) throw new AppError('FORBIDDEN', 'Unsigned image URLs are not accepted; ask the GraphQL API for a signed URL.');
    // Telling the path from the parameters looks at the files: not while renders are refused anyway.
    if (service.saturated()) throw overloaded();
    const split = await service.splitRoute(segments);
    // The image path within the same bounds as the API's (segments, bytes); the parameters come on top.
    return { path: parseImagePath(split.path.join('/')), spec: parseGrammar(split.params, options.limits), version: null };
  }

  /**
   * While every render slot is busy and the queue is full, only a request that memory alone
   * shows to be a hit goes on: a miss is refused before it costs any file-system work.
   */
  function refuseUnlessKnownCached(path: readonly string[], spec: RequestedSpec, accept: string | undefined): void {
    const source = service.current(path.join('/'));
    const formats = spec.format === 'auto' ? [chooseFormat(accept, false), chooseFormat(accept, true)] : [spec.format];
    if (!source || !formats.some((format) => service.knownCached(variantOf(source, withFormat(spec, format))))) throw overloaded();
  }

  async function answer(request: FastifyRequest, source: ResolvedSource, { spec, version }: Target): Promise<Answer> {
    // An older URL of a changed source still works, but only briefly cacheable.
    const cacheControl = version === null || source.version === version ? IMMUTABLE : `public, max-age=${options.staleMaxAge}`;
    const format = spec.format === 'auto' ? chooseFormat(request.headers.accept, (await service.metadata(source)).hasAlpha) : spec.format;
    return { variant: variantOf(source, withFormat(spec, format)), cacheControl, negotiated: spec.format === 'auto' };
  }

  app.get(IMAGE_ROUTE, async (request, reply) => {
    const wanted = await target(request);
    // A client that leaves gives up its share of a render that has not started yet.
    const left = new AbortController();
    if (request.raw.socket.destroyed) left.abort();
    else reply.raw.once('close', () => !reply.raw.writableFinished && left.abort());
    return service.withSource(wanted.path, async (source) => {
      const found = await answer(request, source, wanted);
      const headers = describeVariant(found);
      const { variant } = found;
      if (matchesETag(request.headers['if-none-match'], `"${variant.key}"`)) {
        return reply.headers(headers).code(304).send();
      }
      const loaded = await service.load(variant, request.log, { beforeRender: () => options.admitRender(addressKey(request.ip)), signal: left.signal });
      if (request.method === 'GET' && !found.negotiated) {
        options.hotPath?.remember(request.raw.url as string, variant, { ...headers, 'Content-Type': variant.contentType, 'X-Cache-Status': 'HIT' });
      }
      return reply
        .headers(headers)
        .header('Content-Type', variant.contentType)
        .header('Content-Length', loaded.data.length)
        .header('X-Cache-Status', loaded.cacheStatus)
        .send(loaded.data);
    });
  });
}
