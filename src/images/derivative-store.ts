import type { Freed } from './derivative-cache';

/** A stored derivative whose bytes are not what was written (cut short, or mixed by a store that writes in place): a miss, deleted. */
export class DamagedDerivativeError extends Error {
  override name = 'DamagedDerivativeError';
}

/**
 * Where a shared cache keeps derivatives' bytes: a volume every replica mounts, or S3-compatible
 * object storage (adapters in `src/stores/`). A store answers for the bytes only; the memory
 * tier, the whole-file checks and the counters sit above it (`store-cache.ts`). Derivatives are
 * named by a checked requested path and `{key}.{ending}`; nothing outside the store's folder or
 * key prefix is read or written. A method that cannot reach the store throws; the cache above
 * turns that into a miss or a "not cached".
 */
export interface DerivativeStore {
  /** What the logs call it: the folder, or the bucket and prefix. */
  readonly where: string;
  /** Makes it ready at start-up without walking it; false when it cannot be written (or reached) now. */
  open(): Promise<{ writable: boolean }>;
  /** Start-up housekeeping, in the background: temporary files of writes that died; never another replica's write under way. */
  sweep(): Promise<{ removedTemporary: number }>;
  /** The whole stored bytes, or null when there is no such derivative (or it was cleared); DamagedDerivativeError when they are not what was written. */
  read(requestPath: string, name: string): Promise<Buffer | null>;
  has(requestPath: string, name: string): Promise<boolean>;
  /** Stores the whole buffer at once: a reader sees the old derivative or the new one, never a part. */
  write(requestPath: string, name: string, data: Buffer): Promise<void>;
  /** Deletes one derivative (found damaged). */
  remove(requestPath: string, name: string): Promise<void>;
  /** Deletes the derivatives stored directly under these requested paths, not under paths nested below them. */
  clearPaths(requestPaths: Iterable<string>): Promise<Freed>;
  /**
   * Clears everything: reads of this store miss from when it resolves; the derivatives are
   * deleted in the background, and `deleted` settles with what that counted.
   */
  clearAll(): Promise<{ deleted: Promise<Freed> }>;
  /** Looks again at what other replicas may have changed that this one remembers (the time of a clear). */
  refresh(): Promise<void>;
  /** At a stop: removes this process's own temporary files; how many. */
  close(): Promise<{ removedTemporary: number }>;
}
