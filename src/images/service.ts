import type { DiskCache } from './cache';
import { CONTENT_TYPES, FILE_ENDINGS, SOURCE_EXTENSIONS, hasSourceExtension } from './formats';
import { derivativeKey } from './key';
import type { Limiter } from './limiter';
import { createPromiseMemo } from './memo';
import type { MetadataCache } from './metadata';
import { planOutput } from './plan';
import { previewSpec, toPreview, type Preview } from './preview';
import type { ResolvedSource, Resolver } from './resolve';
import { canonicalParams, type DerivativeSpec } from './spec';
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

/**
 * A variant with the path of its cache file. Building the path and hashing the new string on
 * every request answered from memory cost about a twentieth of such a request.
 */
export interface HotVariant {
  readonly variant: Variant;
  readonly cacheFile: string;
}

export interface LoadedVariant {
  readonly data: Buffer;
  readonly cacheStatus: 'HIT' | 'MISS';
}

export interface ImageServiceOptions {
  resolver: Resolver;
  transformer: Transformer;
  metadata: MetadataCache;
  cache: DiskCache;
  limiter: Limiter;
  /** Told how long each render took, in seconds. */
  onRender?(format: DerivativeSpec['format'], seconds: number): void;
}

/** The variant of a source rendered with a spec: its key, content type and cache file name. */
export function variantOf(source: ResolvedSource, spec: DerivativeSpec): Variant {
  const key = derivativeKey(source, spec);
  return { source, spec, key, contentType: CONTENT_TYPES[spec.format], cacheName: `${key}.${FILE_ENDINGS[spec.format]}` };
}

/**
 * Gets derivatives: a cache hit costs a stat of the source and a read of the cached file;
 * a miss renders once however many requests ask for it at the same time (single flight).
 */
export function createImageService(options: ImageServiceOptions) {
  const { resolver, transformer, metadata, cache, limiter } = options;
  const flights = new Map<string, Promise<Buffer>>();
  const previews = createPromiseMemo<Preview>(10_000);
  let processed = 0;
  let previewsRendered = 0;
  let hits = 0;
  let misses = 0;

  async function prepare(segments: readonly string[], spec: DerivativeSpec): Promise<Variant> {
    return variantOf(await resolver.resolve(segments), spec);
  }

  async function render(variant: Variant): Promise<Buffer> {
    const { source, spec } = variant;
    const header = await metadata.get(source);
    const started = performance.now();
    const data = await transformer.render(source.file, spec, planOutput(header, spec), header);
    options.onRender?.(spec.format, (performance.now() - started) / 1000);
    processed++;
    return data;
  }

  async function renderAndStore(variant: Variant, log: Log, bounded: boolean): Promise<Buffer> {
    const data = await limiter.run(() => render(variant), { bounded });
    const result = await cache.write(variant.source.requestPath, variant.cacheName, data);
    if (!result.stored) log.warn({ err: result.error, key: variant.key }, 'derivative not cached');
    return data;
  }

  /**
   * The variant's bytes, from the cache or rendered now. Errors are never cached.
   * `beforeRender` runs on a miss and may refuse it (a per-client render budget).
   */
  async function load(variant: Variant, log: Log, { bounded = true, beforeRender }: { bounded?: boolean; beforeRender?: () => Promise<void> } = {}): Promise<LoadedVariant> {
    const cached = await cache.read(variant.source.requestPath, variant.cacheName);
    if (cached) {
      hits++;
      return { data: cached, cacheStatus: 'HIT' };
    }
    await beforeRender?.();
    misses++;

    const flightKey = `${variant.source.requestPath}\0${variant.cacheName}`;
    let flight = flights.get(flightKey);
    if (!flight) {
      flight = renderAndStore(variant, log, bounded).finally(() => flights.delete(flightKey));
      flights.set(flightKey, flight);
    }
    return { data: await flight, cacheStatus: 'MISS' };
  }

  /** A variant to answer from memory again and again, with its cache file located once. */
  function hotVariant(variant: Variant): HotVariant {
    return { variant, cacheFile: cache.locate(variant.source.requestPath, variant.cacheName) };
  }

  /**
   * The bytes of a variant answered before, when nothing needs a look at the files: its
   * source is still the current answer for its path and its bytes are in memory.
   */
  function loadHot({ variant, cacheFile }: HotVariant): Buffer | undefined {
    if (resolver.current(variant.source.requestPath) !== variant.source) return undefined;
    const data = cache.inMemory(cacheFile);
    if (data) hits++;
    return data;
  }

  /**
   * Clears one image's variants under every spelling of its path (`cats/cat_white`,
   * `cats/cat_white.jpg`, ...), or with no path the whole cache.
   */
  function clear(segments: readonly string[] | null): Promise<{ files: number; bytes: number }> {
    // Operators clear after changing files by hand: the next request looks at them again.
    resolver.forget();
    if (segments === null) return cache.clearAll();
    const dir = segments.slice(0, -1).join('/');
    const name = segments[segments.length - 1] as string;
    const bare = hasSourceExtension(name) ? name.slice(0, name.lastIndexOf('.')) : name;
    const names = [bare, ...SOURCE_EXTENSIONS.map((extension) => bare + extension)];
    return cache.clearPaths(names.map((spelling) => (dir ? `${dir}/${spelling}` : spelling)));
  }

  /**
   * The placeholder of a variant of `source` rendered with `spec`: made once per source
   * version and crop, then kept in memory. Renders wait for a slot like any other.
   */
  function preview(source: ResolvedSource, spec: DerivativeSpec): Promise<Preview> {
    return previews(`${source.file}\0${source.version}\0${canonicalParams(spec).join('/')}`, async () => {
      const header = await metadata.get(source);
      const small = previewSpec(spec, planOutput(header, spec));
      const { image, dominant } = await limiter.run(() => transformer.renderPreview(source.file, small, planOutput(header, small), header));
      previewsRendered++;
      return toPreview(image, dominant);
    });
  }

  /** The source file that answers a requested path now; null when it cannot be resolved. */
  function sourceOf(requestPath: string): Promise<string | null> {
    return resolver.resolve(requestPath.split('/')).then(
      (source) => source.relative,
      () => null,
    );
  }

  /** Which source answers each requested path that has derivatives cached. */
  async function cachedSources(): Promise<Map<string, string | null>> {
    resolver.forget();
    const sources = new Map<string, string | null>();
    for (const requestPath of await cache.requestPaths()) sources.set(requestPath, await sourceOf(requestPath));
    return sources;
  }

  /**
   * After the images changed (`changed`: paths inside the images directory), clears the
   * requested paths whose source changed, or that another file answers now than `before`
   * (an image added in place of its fallback, a deleted one, a new default).
   */
  async function clearChangedSources(before: ReadonlyMap<string, string | null>, changed: ReadonlySet<string>): Promise<{ files: number; bytes: number }> {
    resolver.forget();
    const stale: string[] = [];
    for (const requestPath of await cache.requestPaths()) {
      const now = await sourceOf(requestPath);
      const then = before.get(requestPath);
      if ((now !== null && changed.has(now)) || (then !== undefined && then !== now)) stale.push(requestPath);
    }
    return cache.clearPaths(stale);
  }

  /** Settles once no render or cache write is running (those started meanwhile included). */
  async function settled(): Promise<void> {
    while (flights.size > 0) await Promise.allSettled([...flights.values()]);
  }

  return {
    resolve: resolver.resolve,
    settled,
    clear,
    cachedSources,
    clearChangedSources,
    splitRoute: resolver.splitRoute,
    metadata: metadata.get,
    preview,
    prepare,
    load,
    hotVariant,
    loadHot,
    isCached: (variant: Variant) => cache.has(variant.source.requestPath, variant.cacheName),
    stats: () => ({ imagesProcessed: processed, previewsRendered, cacheHits: hits, cacheMisses: misses, metadataReads: metadata.reads(), ...limiter.stats() }),
  };
}

export type ImageService = ReturnType<typeof createImageService>;
