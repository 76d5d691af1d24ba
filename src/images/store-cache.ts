import { AppError } from '../errors';
import { createMemo } from '../memo';
import { MEMORY_BOUNDS } from '../memory-bounds';
import type { DerivativeCache, Freed, StoreOutcome } from './derivative-cache';
import { formatOf } from './derivative-names';
import { DamagedDerivativeError, type DerivativeStore } from './derivative-store';
import { isWhole } from './integrity';
import { createMemoryTier } from './memory-tier';

export interface StoreCacheOptions {
  /** Bytes of recently used derivatives also kept in memory; 0 keeps none. @default 0 */
  memoryBytes?: number;
  /** Told of each read the store could not answer; the read was a miss. */
  onReadFailure?(error: unknown): void;
  /** Told what the background deletion of a clear of everything counted, or why it stopped. */
  onDeleted?(outcome: { freed: Freed } | { error: unknown }): void;
}

const unavailable = (cause: unknown) =>
  new AppError('OVERLOADED', 'The derivative store could not be reached; the clear may have deleted part of what it was asked to. Try again.', { cause, retryAfter: 5 });

/**
 * The derivative cache over a store every replica shares (a volume, a bucket): the memory
 * tier, the whole-file check of every read, and counters sit here; the bytes live in the
 * store. Nothing is walked, at start-up or later, and nothing bounds the store's size. A
 * store that fails to answer makes a read a miss (counted in `readFailures`) and a write
 * "not cached" (counted in `writeFailures`); only a clear reports it, as OVERLOADED.
 * `files` and `bytes` count what this replica has written since it started, not what the
 * store holds, which no replica knows without a walk.
 */
export function createStoreCache(store: DerivativeStore, options: StoreCacheOptions = {}): DerivativeCache {
  const memory = createMemoryTier(options.memoryBytes ?? 0);
  // Names this replica wrote or read, with their requested path: `adopt` links another path to them.
  const byName = createMemo<string>(MEMORY_BOUNDS.storedNames);
  // Requested paths this replica wrote or read: what a sync resolves.
  const paths = createMemo<true>(MEMORY_BOUNDS.storedNames);
  let files = 0;
  let bytes = 0;
  let writeFailures = 0;
  let readFailures = 0;
  let damaged = 0;
  // Counts clears: a read that a clear overtook does not put what it read back into memory.
  let clears = 0;
  let sweeping: Promise<void> = Promise.resolve();
  let deleting: Promise<void> = Promise.resolve();

  const locate = (requestPath: string, name: string) => `${requestPath}/${name}`;

  function remember(requestPath: string, name: string): void {
    byName.set(name, requestPath);
    paths.set(requestPath, true);
  }

  /** Forgets what this replica holds of these requested paths (memory and names), not what the store holds. */
  function forgetPaths(requestPaths: readonly string[]): void {
    const gone = new Set(requestPaths);
    for (const file of memory.keys()) if (gone.has(file.slice(0, file.lastIndexOf('/')))) memory.forget(file);
    for (const requestPath of gone) paths.delete(requestPath);
  }

  function forgetAll(): void {
    clears++;
    memory.clear();
    byName.clear();
    paths.clear();
  }

  /** Counts a damaged derivative and deletes it; the miss it is. */
  async function discard(requestPath: string, name: string): Promise<null> {
    damaged++;
    await store.remove(requestPath, name).catch(() => undefined);
    return null;
  }

  async function read(requestPath: string, name: string): Promise<Buffer | null> {
    const file = locate(requestPath, name);
    const cached = memory.get(file);
    if (cached) return cached;
    const clearsBefore = clears;
    let data: Buffer | null;
    try {
      data = await store.read(requestPath, name);
    } catch (error) {
      if (error instanceof DamagedDerivativeError) return discard(requestPath, name);
      readFailures++;
      options.onReadFailure?.(error);
      return null;
    }
    if (!data) return null;
    const format = formatOf(name);
    // Cut short or emptied outside our writes (by hand, a broken upload): a miss, rendered again.
    if (format && !isWhole(data, format)) return discard(requestPath, name);
    if (clears === clearsBefore) {
      remember(requestPath, name);
      memory.keep(file, data);
    }
    return data;
  }

  async function write(requestPath: string, name: string, data: Buffer): Promise<StoreOutcome> {
    // Kept either way, so a store that refuses writes does not mean that every request renders again.
    memory.keep(locate(requestPath, name), data);
    try {
      await store.write(requestPath, name, data);
    } catch (error) {
      writeFailures++;
      return { stored: false, error };
    }
    files++;
    bytes += data.length;
    remember(requestPath, name);
    return { stored: true };
  }

  return {
    locate,
    inMemory: (file) => memory.get(file),
    knows: (file) => memory.has(file) || byName.get(file.slice(file.lastIndexOf('/') + 1)) === file.slice(0, file.lastIndexOf('/')),
    read,
    write,

    async adopt(requestPath, name) {
      const other = byName.get(name);
      if (other === undefined || other === requestPath) return null;
      const data = await read(other, name);
      if (data) await write(requestPath, name, data);
      return data;
    },

    async has(requestPath, name) {
      try {
        return await store.has(requestPath, name);
      } catch (error) {
        readFailures++;
        options.onReadFailure?.(error);
        return false;
      }
    },

    open() {
      forgetAll();
      return store.open();
    },

    index() {
      const swept = store.sweep().then(({ removedTemporary }) => ({ removedTemporary, links: [] as string[] }));
      sweeping = swept.then(
        () => undefined,
        () => undefined,
      );
      return swept;
    },
    indexed: () => sweeping,
    removeTemporary: async () => (await store.close()).removedTemporary,
    requestPaths: () => paths.keys(),

    async clearPaths(requestPaths) {
      const list = [...requestPaths];
      try {
        return await store.clearPaths(list);
      } catch (error) {
        throw unavailable(error);
      } finally {
        forgetPaths(list);
      }
    },

    /**
     * Clears the whole store: reads miss once it answers, and the store deletes in the
     * background. What it answers is what this replica wrote since it started (the store's
     * total is not known without a walk); `onDeleted` is told what the deletion counted.
     */
    async clearAll() {
      const estimate = { files, bytes };
      let started: { deleted: Promise<Freed> };
      try {
        started = await store.clearAll();
      } catch (error) {
        throw unavailable(error);
      }
      forgetAll();
      files = 0;
      bytes = 0;
      const counted = started.deleted.then(
        (freed) => options.onDeleted?.({ freed }),
        (error: unknown) => options.onDeleted?.({ error }),
      );
      deleting = Promise.all([deleting, counted]).then(() => undefined);
      return estimate;
    },

    async clearedElsewhere(requestPaths) {
      if (requestPaths !== null) {
        forgetPaths([...requestPaths]);
        return { files: 0, bytes: 0 };
      }
      forgetAll();
      await store.refresh().catch((error: unknown) => options.onReadFailure?.(error));
      return { files: 0, bytes: 0 };
    },

    deleted: () => deleting,

    dropMemory() {
      forgetAll();
      // A clear of everything missed while away: its time is in the store.
      store.refresh().catch((error: unknown) => options.onReadFailure?.(error));
    },

    stats: () => ({ files, bytes, ...memory.stats(), writeFailures, damaged, readFailures }),
  };
}
