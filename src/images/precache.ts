import { promises as fs } from 'node:fs';
import path from 'node:path';
import { hasSourceExtension } from './formats';
import type { Log } from '../log';
import type { DerivativeCache } from './derivative-cache';
import type { Resolver } from './resolve';
import type { ImageService } from './service';
import type { DerivativeSpec } from './spec';
import { variantOf } from './variant';

/** What the pre-cache works with: resolution, the cache to skip what is there, and the service to render. */
export interface PrecacheParts {
  service: ImageService;
  resolver: Resolver;
  cache: DerivativeCache;
}

export interface PrecacheOptions {
  imagesRoot: string;
  workers: number;
  spec: DerivativeSpec;
  /** How often a progress line is logged, in milliseconds. @default 5000 */
  progressIntervalMs?: number;
  /**
   * Waits before the run until this replica's turn comes, and resolves with what ends the
   * turn. With a store the replicas share, one replica pre-caches at a time: the next finds
   * what the first stored and skips it, so each source is rendered once in all. `signal`
   * aborts the wait when the server stops. Unset: at once.
   */
  takeTurn?(signal: AbortSignal): Promise<() => Promise<void>>;
}

export interface PrecacheProgress {
  state: 'idle' | 'running' | 'done' | 'failed';
  total: number;
  generated: number;
  skipped: number;
  failed: number;
}

/** Relative paths of every source file below the images directory; hidden entries (.git) are never walked. */
async function listSources(root: string, dir: string[] = []): Promise<string[]> {
  const entries = await fs.readdir(path.join(root, ...dir), { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) found.push(...(await listSources(root, [...dir, entry.name])));
    else if (hasSourceExtension(entry.name) && !(dir.length === 0 && /^default\./i.test(entry.name))) {
      found.push([...dir, entry.name].join('/'));
    }
  }
  return found;
}

/**
 * The name a client most likely asks for: the group for a group default, the name without
 * extension when that resolves to this very file, else the full file name.
 */
async function requestedPathOf(resolver: Resolver, relative: string, spec: DerivativeSpec) {
  const segments = relative.split('/');
  const stem = (segments.pop() as string).replace(/\.[^.]+$/, '');
  const short = stem === 'default' && segments.length > 0 ? segments : [...segments, stem];
  const byShortName = await resolver.resolve(short);
  if (byShortName.kind === 'ORIGINAL' && byShortName.relative === relative) return variantOf(byShortName, spec);
  const byFullName = await resolver.resolve(relative.split('/'));
  return byFullName.kind === 'ORIGINAL' ? variantOf(byFullName, spec) : null;
}

/**
 * Renders the default variant of every image with a pool of workers, skipping what is
 * already cached and logging (then skipping) sources that fail. Progress is readable at
 * any time through `progress`.
 */
export function createPrecache({ service, resolver, cache }: PrecacheParts, options: PrecacheOptions, log: Log) {
  const progress: PrecacheProgress = { state: 'idle', total: 0, generated: 0, skipped: 0, failed: 0 };
  let stopped = false;
  const stopping = new AbortController();

  async function work(sources: readonly string[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (!stopped && next < sources.length) {
        const relative = sources[next++] as string;
        try {
          const variant = await requestedPathOf(resolver, relative, options.spec);
          if (!variant || (await cache.has(variant.source.requestPath, variant.cacheName))) {
            progress.skipped++;
            continue;
          }
          await service.load(variant, log, { bounded: false });
          progress.generated++;
        } catch (error) {
          progress.failed++;
          log.warn({ err: error, source: relative }, 'pre-cache skipped a source');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.workers) }, worker));
  }

  async function run(): Promise<PrecacheProgress> {
    progress.state = 'running';
    let endTurn = async () => {};
    if (options.takeTurn) {
      log.info({}, 'pre-cache waiting for its turn: one replica at a time pre-caches the shared store');
      endTurn = await options.takeTurn(stopping.signal).catch(() => endTurn);
    }
    try {
      return await runInTurn();
    } finally {
      await endTurn();
    }
  }

  async function runInTurn(): Promise<PrecacheProgress> {
    const started = Date.now();
    const ticker = setInterval(() => log.info({ ...progress }, 'pre-cache progress'), options.progressIntervalMs ?? 5000);
    ticker.unref();
    try {
      const sources = await listSources(options.imagesRoot);
      progress.total = sources.length;
      log.info({ total: sources.length, workers: options.workers }, 'pre-cache started');
      await work(sources);
      progress.state = 'done';
    } catch (error) {
      progress.state = 'failed';
      throw error;
    } finally {
      clearInterval(ticker);
    }
    log.info({ ...progress, durationMs: Date.now() - started }, 'pre-cache finished');
    return { ...progress };
  }

  return {
    run,
    /** Lets the running jobs finish and starts no more. */
    stop: () => {
      stopped = true;
      stopping.abort();
    },
    progress: (): PrecacheProgress => ({ ...progress }),
  };
}
