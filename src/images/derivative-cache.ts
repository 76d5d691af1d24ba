/** What a clear deleted: derivatives and their bytes. */
export interface Freed {
  files: number;
  bytes: number;
}

export type StoreOutcome = { stored: true } | { stored: false; error: unknown };

/** Counters for /health, /metrics and cacheStats; what `files` and `bytes` count depends on the form (README). */
export interface CacheStats {
  files: number;
  bytes: number;
  memoryFiles: number;
  memoryBytes: number;
  /** Derivatives that could not be stored; they were served (and kept in memory) all the same. */
  writeFailures: number;
  /** Stored derivatives found cut short or empty when read; rendered again. */
  damaged: number;
  /** Reads the store could not answer (unreachable, timed out, a stale handle): served as misses. Shared stores only. */
  readFailures?: number;
}

/**
 * The derivative cache as the domain and the app use it, whatever keeps the bytes: the
 * local folder (`cache.ts`, walked at start-up and bounded), or a store every replica
 * shares (`store-cache.ts` over a `DerivativeStore`). Derivatives are named by the
 * requested path they were asked under and `{key}.{ending}`; none of these methods throws
 * for a store that fails to answer a read or a write.
 */
export interface DerivativeCache {
  /** The name the memory tier keeps a derivative under, for `inMemory` and `knows`. */
  locate(requestPath: string, name: string): string;
  /** The bytes when they are in memory (marked as used); never asks the store. */
  inMemory(file: string): Buffer | undefined;
  /** Whether a derivative is known to be stored or in memory, without asking the store. */
  knows(file: string): boolean;
  /** The bytes, or null for a miss (missing, cleared, damaged, or the store not answering). */
  read(requestPath: string, name: string): Promise<Buffer | null>;
  /** The bytes when another requested path holds the same derivative, stored under this one too; null otherwise. */
  adopt(requestPath: string, name: string): Promise<Buffer | null>;
  has(requestPath: string, name: string): Promise<boolean>;
  /** Stores a derivative; the bytes are kept in memory whether or not the store took them. */
  write(requestPath: string, name: string, data: Buffer): Promise<StoreOutcome>;
  /** Makes the store ready at start-up, without walking it; whether it can be written. */
  open(): Promise<{ writable: boolean }>;
  /** The start-up work in the background after `open`: the local folder's walk, a shared store's sweep of dead temporaries. */
  index(): Promise<{ removedTemporary: number; links: string[] }>;
  /** Settles once `index` has ended. */
  indexed(): Promise<void>;
  /** At a stop: deletes temporary files this process's writes left; how many. */
  removeTemporary(): Promise<number>;
  /** The requested paths known to hold derivatives: all of them locally, those this replica wrote or read with a shared store. */
  requestPaths(): string[];
  /** Deletes the derivatives of these requested paths; those of paths nested below them stay. */
  clearPaths(requestPaths: Iterable<string>): Promise<Freed>;
  /** Clears every derivative: misses from the moment it answers, files or objects deleted in the background. */
  clearAll(): Promise<Freed>;
  /**
   * Another replica cleared these requested paths (null: everything): the local folder is
   * cleared the same way, a shared store only forgets what this replica holds of them.
   */
  clearedElsewhere(requestPaths: Iterable<string> | null): Promise<Freed>;
  /** Settles once the deletions of every clear so far have ended. */
  deleted(): Promise<void>;
  /** Forgets what is held in memory: another replica may have cleared it unheard. */
  dropMemory(): void;
  stats(): CacheStats;
}
