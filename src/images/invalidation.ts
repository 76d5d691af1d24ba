import type { DiskCache } from './cache';
import { SOURCE_EXTENSIONS, hasSourceExtension } from './formats';
import type { Resolver } from './resolve';

export interface InvalidationOptions {
  resolver: Resolver;
  cache: DiskCache;
}

/** Which source answers each requested path that has derivatives cached, taken before a sync. */
export type CachedSources = ReadonlyMap<string, string | null>;

/**
 * What a clear or a sync deletes from the derivative cache, and nothing else: one image's
 * variants under every spelling of its path, everything, or after the images changed, the
 * requested paths whose answer changed.
 */
export function createInvalidation({ resolver, cache }: InvalidationOptions) {
  /** The source file that answers a requested path now; null when it cannot be resolved. */
  function sourceOf(requestPath: string): Promise<string | null> {
    return resolver.resolve(requestPath.split('/')).then(
      (source) => source.relative,
      () => null,
    );
  }

  return {
    /**
     * Clears one image's variants under every spelling of its path (`cats/cat_white`,
     * `cats/cat_white.jpg`, ...), or with no path the whole cache.
     */
    clear(segments: readonly string[] | null): Promise<{ files: number; bytes: number }> {
      // Operators clear after changing files by hand: the next request looks at them again.
      resolver.forget();
      if (segments === null) return Promise.resolve(cache.clearAll());
      const dir = segments.slice(0, -1).join('/');
      const name = segments[segments.length - 1] as string;
      const bare = hasSourceExtension(name) ? name.slice(0, name.lastIndexOf('.')) : name;
      const names = [bare, ...SOURCE_EXTENSIONS.flatMap((extension) => [bare + extension, bare + extension.toUpperCase()])];
      return cache.clearPaths(names.map((spelling) => (dir ? `${dir}/${spelling}` : spelling)));
    },

    /** Which source answers each requested path that has derivatives cached. */
    async cachedSources(): Promise<CachedSources> {
      resolver.forget();
      const sources = new Map<string, string | null>();
      for (const requestPath of await cache.requestPaths()) sources.set(requestPath, await sourceOf(requestPath));
      return sources;
    },

    /**
     * After the images changed (`changed`: paths inside the images directory), clears the
     * requested paths whose source changed, or that another file answers now than `before`
     * (an image added in place of its fallback, a deleted one, a new default).
     */
    async clearChangedSources(before: CachedSources, changed: ReadonlySet<string>): Promise<{ files: number; bytes: number }> {
      resolver.forget();
      const stale: string[] = [];
      for (const requestPath of await cache.requestPaths()) {
        const now = await sourceOf(requestPath);
        const then = before.get(requestPath);
        if ((now !== null && changed.has(now)) || (then !== undefined && then !== now)) stale.push(requestPath);
      }
      return cache.clearPaths(stale);
    },
  };
}

export type Invalidation = ReturnType<typeof createInvalidation>;
