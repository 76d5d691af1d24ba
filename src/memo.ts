import { LruMap } from './lru';

/** Remembers values by key, at most `maxEntries` of them, forgetting the least recently used first. */
export function createMemo<T>(maxEntries: number) {
  const entries = new LruMap<string, T>();

  function get(key: string): T | undefined {
    return entries.get(key);
  }

  function set(key: string, value: T): void {
    entries.set(key, value);
    if (entries.size > maxEntries) entries.delete((entries.oldest() as [string, T])[0]);
  }

  return {
    get,
    set,
    remembered(key: string, compute: () => T): T {
      const known = get(key);
      if (known !== undefined) return known;
      const value = compute();
      set(key, value);
      return value;
    },
    clear: () => entries.clear(),
    /** The keys, least recently used first (a copy). */
    keys: (): string[] => entries.keys(),
    delete: (key: string) => entries.delete(key),
    /** Forgets `key` when it still holds `value`. */
    forget(key: string, value: T): void {
      if (entries.peek(key) === value) entries.delete(key);
    },
  };
}

/**
 * Remembers promised values by key like createMemo. A rejected promise is forgotten, so a
 * failure is retried next time.
 */
export function createPromiseMemo<T>(maxEntries: number) {
  const memo = createMemo<Promise<T>>(maxEntries);

  return function remembered(key: string, compute: () => Promise<T>): Promise<T> {
    return memo.remembered(key, () => {
      const pending = compute();
      pending.catch(() => memo.forget(key, pending));
      return pending;
    });
  };
}
