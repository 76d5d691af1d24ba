import { AppError } from '../errors';
import type { DiskCache } from './cache';
import { CONTENT_TYPES, FILE_ENDINGS } from './formats';
import { derivativeKey } from './key';
import type { Limiter } from './limiter';
import { parseUrlSegments } from './path';
import { planOutput } from './plan';
import type { ResolvedSource, Resolver } from './resolve';
import { parseGrammar, type DerivativeSpec, type SpecLimits } from './spec';
import type { Transformer } from './transform';

/** The part of a pino logger the domain uses. */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A derivative identified but not yet read or rendered: enough for ETags and headers. */
export interface Variant {
  readonly source: ResolvedSource;
  readonly spec: DerivativeSpec;
  readonly key: string;
  readonly contentType: string;
  /** File name of the derivative inside its requested path's cache folder. */
  readonly cacheName: string;
}

export interface LoadedVariant {
  readonly data: Buffer;
  readonly cacheStatus: 'HIT' | 'MISS';
}

export interface ImageServiceOptions {
  resolver: Resolver;
  transformer: Transformer;
  cache: DiskCache;
  limiter: Limiter;
  limits: SpecLimits & {
    /** Sources larger than this, in bytes, are refused before decoding. */
    maxSourceBytes: number;
  };
}

/**
 * Gets derivatives: a cache hit costs a stat of the source and a read of the cached file;
 * a miss renders once however many requests ask for it at the same time (single flight).
 */
export function createImageService(options: ImageServiceOptions) {
  const { resolver, transformer, cache, limiter, limits } = options;
  const flights = new Map<string, Promise<Buffer>>();
  let processed = 0;

  async function prepare(segments: readonly string[], spec: DerivativeSpec): Promise<Variant> {
    const source = await resolver.resolve(segments);
    const key = derivativeKey(source, spec);
    return { source, spec, key, contentType: CONTENT_TYPES[spec.format], cacheName: `${key}.${FILE_ENDINGS[spec.format]}` };
  }

  /** A variant from the raw, still-encoded URL path after `/img/`, in the graceful grammar. */
  async function prepareFromUrl(rawPath: string): Promise<Variant> {
    const { path, params } = await resolver.splitRoute(parseUrlSegments(rawPath));
    return prepare(path, parseGrammar(params, limits));
  }

  async function render(variant: Variant): Promise<Buffer> {
    const { source, spec } = variant;
    if (source.size > limits.maxSourceBytes) {
      throw new AppError('UNSUPPORTED_IMAGE', `The source is larger than ${limits.maxSourceBytes} bytes.`);
    }
    const metadata = await transformer.readMetadata(source.file);
    const data = await transformer.render(source.file, spec, planOutput(metadata, spec), metadata);
    processed++;
    return data;
  }

  async function renderAndStore(variant: Variant, log: Log, bounded: boolean): Promise<Buffer> {
    const data = await limiter.run(() => render(variant), { bounded });
    const result = await cache.write(variant.source.requestPath, variant.cacheName, data);
    if (!result.stored) log.warn({ err: result.error, key: variant.key }, 'derivative not cached');
    return data;
  }

  /** The variant's bytes, from the cache or rendered now. Errors are never cached. */
  async function load(variant: Variant, log: Log, { bounded = true } = {}): Promise<LoadedVariant> {
    const cached = await cache.read(variant.source.requestPath, variant.cacheName);
    if (cached) return { data: cached, cacheStatus: 'HIT' };

    const flightKey = `${variant.source.requestPath}\0${variant.cacheName}`;
    let flight = flights.get(flightKey);
    if (!flight) {
      flight = renderAndStore(variant, log, bounded).finally(() => flights.delete(flightKey));
      flights.set(flightKey, flight);
    }
    return { data: await flight, cacheStatus: 'MISS' };
  }

  return {
    prepare,
    prepareFromUrl,
    load,
    isCached: (variant: Variant) => cache.has(variant.source.requestPath, variant.cacheName),
    stats: () => ({ imagesProcessed: processed, ...limiter.stats() }),
  };
}

export type ImageService = ReturnType<typeof createImageService>;
