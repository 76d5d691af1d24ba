/**
 * Remembers promised values by key, at most `maxEntries` of them, forgetting the least
 * recently used first. A rejected promise is forgotten, so a failure is retried next time.
 */
export function createPromiseMemo<T>(maxEntries: number) {
  const entries = new Map<string, Promise<T>>();

  return function remembered(key: string, compute: () => Promise<T>): Promise<T> {
    const known = entries.get(key);
    if (known) {
      // Map order is insertion order: re-inserting marks the entry as recently used.
      entries.delete(key);
      entries.set(key, known);
      return known;
    }
    const pending = compute();
    entries.set(key, pending);
    pending.catch(() => entries.delete(key));
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    return pending;
  };
}
