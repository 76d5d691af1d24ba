/** Remembers values by key, at most `maxEntries` of them, forgetting the least recently used first. */
export function createMemo<T>(maxEntries: number) {
  const entries = new Map<string, T>();

  function get(key: string): T | undefined {
    const known = entries.get(key);
    if (known !== undefined) {
      // Map order is insertion order: re-inserting marks the entry as recently used.
      entries.delete(key);
      entries.set(key, known);
    }
    return known;
  }

  function set(key: string, value: T): void {
    entries.delete(key);
    entries.set(key, value);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
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
    /** Forgets `key` when it still holds `value`. */
    forget(key: string, value: T): void {
      if (entries.get(key) === value) entries.delete(key);
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
