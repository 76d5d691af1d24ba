import { LruMap } from '../lru';

// A derivative larger than this share of the memory bound is not kept, so that one large
// file cannot push out many small hot ones.
const LARGEST_IN_MEMORY = 1 / 8;

/**
 * The most recently used derivatives' bytes, within `maxBytes` (`--memory-cache-size`), by
 * the name their cache locates them with: a hot variant is served without asking the store.
 * Every cache form keeps one; each decides when to forget what it holds.
 */
export function createMemoryTier(maxBytes: number) {
  const kept = new LruMap<string, Buffer>();
  let bytes = 0;

  function forget(file: string): void {
    bytes -= kept.peek(file)?.length ?? 0;
    kept.delete(file);
  }

  return {
    /** Keeps the bytes unless they are over an eighth of the bound; the least recently used leave first. */
    keep(file: string, data: Buffer): void {
      if (data.length > maxBytes * LARGEST_IN_MEMORY) return;
      bytes += data.length - (kept.peek(file)?.length ?? 0);
      kept.set(file, data);
      while (bytes > maxBytes) {
        const [oldest] = kept.oldest() as [string, Buffer];
        forget(oldest);
      }
    },
    /** The bytes, marked as the most recently used. */
    get: (file: string): Buffer | undefined => kept.get(file),
    has: (file: string): boolean => kept.has(file),
    forget,
    /** The names held, least recently used first (a copy). */
    keys: (): string[] => kept.keys(),
    clear(): void {
      kept.clear();
      bytes = 0;
    },
    stats: () => ({ memoryFiles: kept.size, memoryBytes: bytes }),
  };
}

export type MemoryTier = ReturnType<typeof createMemoryTier>;
