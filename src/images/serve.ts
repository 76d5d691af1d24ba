import { AppError } from '../errors';
import type { Log } from '../log';
import { MEMORY_BOUNDS } from '../memory-bounds';
import type { DerivativeCache } from './derivative-cache';
import { overloaded, type Limiter } from './limiter';
import { createMemo } from '../memo';
import type { MetadataCache } from './metadata';
import { chooseFormat } from './negotiate';
import { parseImagePath, parseUrlSegments } from './path';
import type { ResolvedSource, Resolver } from './resolve';
import type { ImageService } from './service';
import { parseGrammar, withFormat, type RequestedSpec, type SpecLimits } from './spec';
import type { SourceKind } from './formats';
import { variantOf, type Variant } from './variant';
import type { Watermarks } from './watermarks';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** What a signed URL asks for, once its signature is verified. */
export interface VerifiedTarget {
  readonly path: readonly string[];
  readonly spec: RequestedSpec;
  /** The source version the URL was minted for. */
  readonly version: string;
}

export interface ServeOptions {
  service: ImageService;
  resolver: Resolver;
  metadata: MetadataCache;
  cache: DerivativeCache;
  /** The processing slots: while they and their queue are full, only known hits are served. */
  limiter: Limiter;
  limits: SpecLimits;
  /** Where the route sits: a request's URL is this prefix, then path and parameter segments, then the query. */
  prefix: string;
  /** Checks a signed URL in constant time before anything looks at the files; throws FORBIDDEN when it does not verify. */
  verify(segments: readonly string[], query: URLSearchParams): VerifiedTarget;
  /** Answer unsigned URLs in the original's graceful grammar. @default false */
  allowUnsigned: boolean;
  /** Seconds a URL minted for an older version of its source may be cached. @default 60 */
  staleMaxAge: number;
  /** Gives a spec its watermark's current version. */
  watermarks: Pick<Watermarks, 'bind' | 'isCurrent'>;
}

export interface ServeRequest {
  /** The request URL as received: prefix, segments and query. */
  readonly url: string;
  readonly method: 'GET' | 'HEAD';
  readonly ifNoneMatch?: string;
  readonly accept?: string;
  /** Runs before a render and may refuse it (the client's render budget). */
  admitRender(): Promise<void>;
  /** Aborted when the client has gone: its share of a render that has not started is dropped. */
  readonly signal: AbortSignal;
  readonly log: Log;
}

/** What the response headers say about the bytes, the same for every answer of one variant. */
export interface ServedFacts {
  /** Quoted, as the ETag header carries it. */
  readonly etag: string;
  readonly lastModified: string;
  readonly cacheControl: string;
  readonly sourceKind: SourceKind;
  readonly contentType: string;
  /** The format was chosen from the Accept header: caches must vary on it. */
  readonly negotiated: boolean;
}

export type Served =
  | { readonly status: 304; readonly facts: ServedFacts }
  | { readonly status: 200; readonly facts: ServedFacts; readonly data: Buffer; readonly cacheStatus: 'HIT' | 'MISS' };

/** A verified answer remembered by URL: replayed while its source needs no new look at the files. */
interface Remembered {
  readonly variant: Variant;
  readonly cacheFile: string;
  readonly facts: ServedFacts;
}

/** True when an If-None-Match header lists this ETag (weak or strong) or is `*`. */
export function matchesETag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/**
 * Serves the bytes route: verifies a signed URL before any file is looked at (or reads an
 * unsigned one in the graceful grammar when allowed), resolves the source, negotiates an
 * `auto` format, answers a matching If-None-Match from the source's stat alone, and reads or
 * renders the bytes. Verified answers are remembered by URL, so that a repeat is replayed
 * from memory (`replay`) while nothing needs a look at the files.
 */
export function createServe(options: ServeOptions) {
  const { service, resolver, cache, limiter } = options;
  const remembered = createMemo<Remembered>(MEMORY_BOUNDS.hotUrls);

  interface Target {
    path: readonly string[];
    spec: RequestedSpec;
    /** The version a signed URL was minted for; null for an unsigned one. */
    version: string | null;
    /** A signed URL minted with a watermark that has changed since: served with the current one, briefly cacheable. */
    staleWatermark: boolean;
  }

  async function target(request: ServeRequest): Promise<Target> {
    const { url } = request;
    const queryStart = url.indexOf('?');
    const rawPath = (queryStart === -1 ? url : url.slice(0, queryStart)).slice(options.prefix.length);
    const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
    const segments = parseUrlSegments(rawPath);
    if (query.has('s') || query.has('v')) {
      const signed = options.verify(segments, query);
      const spec = options.watermarks.bind(signed.spec, true);
      if (limiter.full()) refuseUnlessKnownCached(signed.path, spec, request.accept);
      return { path: signed.path, spec, version: signed.version, staleWatermark: spec !== signed.spec };
    }
    if (!options.allowUnsigned) throw new AppError('FORBIDDEN', 'Unsigned image URLs are not accepted; ask the GraphQL API for a signed URL.');
    // Telling the path from the parameters looks at the files: not while renders are refused anyway.
    if (limiter.full()) throw overloaded();
    const split = await resolver.splitRoute(segments);
    // The image path within the same bounds as the API's (segments, bytes); the parameters come on top.
    return { path: parseImagePath(split.path.join('/')), spec: options.watermarks.bind(parseGrammar(split.params, options.limits), false), version: null, staleWatermark: false };
  }

  /**
   * While every render slot is busy and the queue is full, only a request that memory alone
   * shows to be a hit goes on: a miss is refused before it costs any file-system work.
   */
  function refuseUnlessKnownCached(path: readonly string[], spec: RequestedSpec, accept: string | undefined): void {
    const source = resolver.current(path.join('/'));
    const formats = spec.format === 'auto' ? [chooseFormat(accept, false), chooseFormat(accept, true), chooseFormat(accept, false, true)] : [spec.format];
    const known = (variant: Variant) => cache.knows(cache.locate(variant.source.requestPath, variant.cacheName));
    if (!source || !formats.some((format) => known(variantOf(source, withFormat(spec, format))))) throw overloaded();
  }

  async function negotiate(source: ResolvedSource, spec: RequestedSpec, accept: string | undefined): Promise<Variant> {
    if (spec.format !== 'auto') return variantOf(source, withFormat(spec, spec.format));
    const header = await options.metadata.get(source);
    return variantOf(source, withFormat(spec, chooseFormat(accept, header.hasAlpha, header.frames > 1)));
  }

  function factsOf(variant: Variant, { version, spec, staleWatermark }: Target): ServedFacts {
    const { source } = variant;
    return {
      etag: `"${variant.key}"`,
      lastModified: new Date(source.mtimeMs).toUTCString(),
      // An older URL of a changed source still works, but only briefly cacheable.
      cacheControl: (version === null || source.version === version) && !staleWatermark ? IMMUTABLE : `public, max-age=${options.staleMaxAge}`,
      sourceKind: source.kind,
      contentType: variant.contentType,
      negotiated: spec.format === 'auto',
    };
  }

  async function serve(request: ServeRequest): Promise<Served> {
    const wanted = await target(request);
    return resolver.withSource(wanted.path, async (source) => {
      const variant = await negotiate(source, wanted.spec, request.accept);
      const facts = factsOf(variant, wanted);
      if (matchesETag(request.ifNoneMatch, facts.etag)) return { status: 304, facts };
      const loaded = await service.load(variant, request.log, { beforeRender: request.admitRender, signal: request.signal });
      if (request.method === 'GET' && !facts.negotiated) {
        remembered.set(request.url, { variant, cacheFile: cache.locate(source.requestPath, variant.cacheName), facts });
      }
      return { status: 200, facts, data: loaded.data, cacheStatus: loaded.cacheStatus };
    });
  }

  /**
   * The answer to a GET of a URL served before, when nothing needs a look at the files: its
   * source is still the current answer for its path and its bytes are in memory. Otherwise
   * undefined, and the request goes through `serve`.
   */
  function replay(url: string): { facts: ServedFacts; data: Buffer } | undefined {
    const known = remembered.get(url);
    if (!known) return undefined;
    const { variant, cacheFile } = known;
    if (resolver.current(variant.source.requestPath) !== variant.source) return undefined;
    if (variant.spec.watermark !== null && !options.watermarks.isCurrent(variant.spec.watermark)) return undefined;
    const data = service.fromMemory(cacheFile);
    return data ? { facts: known.facts, data } : undefined;
  }

  return { serve, replay };
}

export type Serve = ReturnType<typeof createServe>;
