import { AppError } from '../errors';
import type { Log } from '../log';
import type { DerivativeCache } from './derivative-cache';
import type { Limiter } from './limiter';
import type { MetadataCache } from './metadata';
import { planOutput, type OutputBounds } from './plan';
import { readSource, type ResolvedSource } from './resolve';
import type { DerivativeSpec } from './spec';
import type { Transformer } from './transform';
import { animates, type AnimationBounds } from './animation';
import type { SourceViews } from './view';
import type { Watermarks } from './watermarks';
import type { Variant } from './variant';

export interface LoadedVariant {
  readonly data: Buffer;
  readonly cacheStatus: 'HIT' | 'MISS';
}

export interface ImageServiceOptions {
  /** Largest output side and most output pixels: every planned size is capped to them. */
  bounds: OutputBounds;
  /** What an animated output may cost; beyond it, the output is the first frame. */
  animation: AnimationBounds;
  /** Seconds a render may take, encoding included, before its requests fail. @default 30 */
  timeoutSeconds?: number;
  transformer: Transformer;
  metadata: MetadataCache;
  views: SourceViews;
  /** The images a watermarked render lays over its output. */
  watermarks: Pick<Watermarks, 'image'>;
  cache: DerivativeCache;
  limiter: Limiter;
  /** Told how long each render took, in seconds. */
  onRender?(format: DerivativeSpec['format'], seconds: number): void;
  /** Told the source of each derivative loaded, hit or miss: what a sync looks up to know what it reaches. */
  onLoaded?(source: ResolvedSource): void;
}

/** Requests still waiting for a render; when the last one leaves before it starts, it leaves the queue. */
interface Demand {
  waiters: number;
  started: boolean;
  readonly unwanted: AbortController;
}

/** A render in flight, shared by every request for the same bytes. */
interface Flight {
  /** The requested path the bytes are stored under when they are rendered. */
  readonly requestPath: string;
  readonly demand: Demand;
  readonly data: Promise<Buffer>;
}

export interface LoadOptions {
  /** false lets internal work (pre-cache) wait without counting against the queue bound. @default true */
  bounded?: boolean;
  /** Runs on a miss and may refuse it (a per-client render budget). */
  beforeRender?: () => Promise<void>;
  /** Aborted when the client has gone: its share of a render that has not started is dropped. */
  signal?: AbortSignal;
}

const abandoned = () => new AppError('OVERLOADED', 'Every request for this image left before it was rendered.', { retryAfter: 1 });

/**
 * Gets derivatives: a cache hit costs a stat of the source and a read of the cached file;
 * a miss renders once however many requests ask for it at the same time (single flight).
 */
export function createImageService(options: ImageServiceOptions) {
  const { transformer, metadata, cache, limiter } = options;
  const flights = new Map<string, Flight>();
  let processed = 0;
  let hits = 0;
  let misses = 0;

  const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;

  async function render(variant: Variant): Promise<Buffer> {
    const { source, spec } = variant;
    const header = await metadata.get(source);
    const started = performance.now();
    // Already in a processing slot: a trim's analysis runs in it, before the render.
    const view = await options.views.view(source, header, spec, { slot: (task) => task() });
    const watermark = spec.watermark === null ? undefined : { image: options.watermarks.image(spec.watermark), placement: spec.watermark };
    const size = planOutput(view, spec, options.bounds);
    // A source written since its version was taken fails here, before anything is cached under that version.
    const data = await readSource(source, (input) => transformer.render(input, spec, size, view, { watermark, animated: animates(header, spec, size, options.animation) }));
    options.onRender?.(spec.format, (performance.now() - started) / 1000);
    processed++;
    return data;
  }

  /**
   * Renders in a processing slot, unless every request for it has left while it waited.
   * libvips' own timeout stops decoding and resizing but not every encoder (AVIF), so the
   * requests also stop waiting at the deadline; the slot stays taken until libvips is done,
   * so the bound on concurrent renders holds.
   */
  function renderInSlot(variant: Variant, demand: Demand, bounded: boolean): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      limiter
        .run(async () => {
          demand.started = true;
          const deadline = setTimeout(
            () => reject(new AppError('UNSUPPORTED_IMAGE', `The source took longer than ${timeoutMs / 1000} s to process.`)),
            timeoutMs,
          );
          try {
            resolve(await render(variant));
          } finally {
            clearTimeout(deadline);
          }
        }, { bounded, signal: demand.unwanted.signal })
        .catch(reject);
    });
  }

  async function store(variant: Variant, data: Buffer, log: Log): Promise<void> {
    const result = await cache.write(variant.source.requestPath, variant.cacheName, data);
    if (!result.stored) log.warn({ err: result.error, key: variant.key }, 'derivative not cached');
  }

  /**
   * The variant's bytes, from the cache or rendered now. Errors are never cached. Requests for
   * the same bytes share one render, whichever path they asked for (the fallbacks of one
   * source, say); bytes already cached under another requested path are linked, not rendered.
   */
  async function load(variant: Variant, log: Log, { bounded = true, beforeRender, signal }: LoadOptions = {}): Promise<LoadedVariant> {
    const { requestPath } = variant.source;
    const cached = (await cache.read(requestPath, variant.cacheName)) ?? (await cache.adopt(requestPath, variant.cacheName));
    if (cached) {
      hits++;
      options.onLoaded?.(variant.source);
      return { data: cached, cacheStatus: 'HIT' };
    }
    // Gone while this request looked for its source: nothing to render for.
    if (signal?.aborted) throw abandoned();
    misses++;
    // Joining a render already under way costs no render, so only starting one is budgeted.
    if (!flights.has(variant.cacheName)) await beforeRender?.();
    let flight = flights.get(variant.cacheName);
    if (flight) flight.demand.waiters++;
    else flight = startFlight(variant, requestPath, log, bounded);
    const joined = flight;
    const leave = () => {
      if (--joined.demand.waiters > 0 || joined.demand.started) return;
      // Nobody waits any more: out of the queue now, and no later request joins it.
      if (flights.get(variant.cacheName) === joined) flights.delete(variant.cacheName);
      joined.demand.unwanted.abort(abandoned());
    };
    signal?.addEventListener('abort', leave, { once: true });
    try {
      const data = await joined.data;
      // Joined a render for another requested path: store these bytes under this one too.
      if (joined.requestPath !== requestPath) await store(variant, data, log);
      options.onLoaded?.(variant.source);
      return { data, cacheStatus: 'MISS' };
    } finally {
      signal?.removeEventListener('abort', leave);
    }
  }

  function startFlight(variant: Variant, requestPath: string, log: Log, bounded: boolean): Flight {
    const demand: Demand = { waiters: 1, started: false, unwanted: new AbortController() };
    const data = renderInSlot(variant, demand, bounded).then(async (rendered) => {
      await store(variant, rendered, log);
      return rendered;
    });
    const flight: Flight = { requestPath, demand, data };
    flights.set(variant.cacheName, flight);
    const done = () => flights.delete(variant.cacheName);
    flight.data.then(done, done);
    return flight;
  }

  /**
   * The bytes of a derivative file (as the cache locates it) when they are in memory: a hit
   * that needs no look at the files.
   */
  function fromMemory(cacheFile: string): Buffer | undefined {
    const data = cache.inMemory(cacheFile);
    if (data) hits++;
    return data;
  }

  /** Settles once no render or cache write is running (those started meanwhile included). */
  async function settled(): Promise<void> {
    while (flights.size > 0) await Promise.allSettled([...flights.values()].map((flight) => flight.data));
  }

  return {
    load,
    fromMemory,
    settled,
    stats: () => ({ imagesProcessed: processed, cacheHits: hits, cacheMisses: misses, metadataReads: metadata.reads(), ...limiter.stats() }),
  };
}

export type ImageService = ReturnType<typeof createImageService>;
