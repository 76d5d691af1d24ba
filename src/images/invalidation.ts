import type { Log } from '../log';
import type { DiskCache } from './cache';
import { SOURCE_EXTENSIONS, hasSourceExtension, type SourceKind } from './formats';
import type { ResolvedSource, Resolver } from './resolve';

export interface InvalidationOptions {
  resolver: Resolver;
  cache: DiskCache;
}

/** The source file that answered a requested path, and how it was found. */
interface Answer {
  readonly relative: string;
  readonly kind: SourceKind;
}

/**
 * Before a sync moves the checkout: the source (relative path, or null when it could not be
 * resolved) of each cached requested path the sync's changes can reach.
 */
export type SyncSnapshot = ReadonlyMap<string, string | null>;

const nameOf = (relative: string) => relative.slice(relative.lastIndexOf('/') + 1);
const folderOf = (relative: string) => (relative.includes('/') ? relative.slice(0, relative.lastIndexOf('/')) : '');
/** A name as every spelling of it resolves: without a source extension, in lower case. */
const bare = (name: string) => (hasSourceExtension(name) ? name.slice(0, name.lastIndexOf('.')) : name).toLowerCase();
const spelling = (relative: string) => `${folderOf(relative)}\0${bare(nameOf(relative))}`;

/**
 * Which requested paths a set of changed files can give another answer, by the resolution
 * rules alone: a path is reached when the file that answered it changed, when it spells a
 * changed file (any extension, any case of it), when a changed file is inside it (a folder
 * appears or goes) or it is inside a changed file (a symbolic link to a folder), or when a
 * group's default changed and the path is that group or fell back to a default inside it
 * (the root's default reaches every fallback). Paths whose answer is not known are reached.
 */
function reachOf(changed: ReadonlySet<string>): (requestPath: string, answer: Answer | undefined) => boolean {
  const spellings = new Set<string>();
  const folders = new Set<string>();
  const defaultGroups: string[] = [];
  for (const file of changed) {
    spellings.add(spelling(file));
    const folder = folderOf(file);
    for (let at = folder; at !== ''; at = folderOf(at)) folders.add(at);
    if (hasSourceExtension(nameOf(file)) && nameOf(file).slice(0, nameOf(file).lastIndexOf('.')) === 'default') defaultGroups.push(folder);
  }
  const inside = (requestPath: string, group: string) => group === '' || requestPath === group || requestPath.startsWith(`${group}/`);
  const belowChanged = (requestPath: string) => {
    for (let at = folderOf(requestPath); at !== ''; at = folderOf(at)) if (changed.has(at)) return true;
    return false;
  };
  return (requestPath, answer) =>
    answer === undefined ||
    changed.has(answer.relative) ||
    spellings.has(spelling(requestPath)) ||
    folders.has(requestPath) ||
    belowChanged(requestPath) ||
    defaultGroups.some((group) => requestPath === group || (answer.kind !== 'ORIGINAL' && inside(requestPath, group)));
}

/**
 * What a clear or a sync deletes from the derivative cache, and nothing else: one image's
 * variants under every spelling of its path, everything, or after the images changed, the
 * requested paths whose answer changed. Which source answered each cached requested path
 * is remembered as requests are served (`learn`), so a sync resolves only the paths its
 * changes can reach (and any whose answer is not known yet), however large the cache.
 */
export function createInvalidation({ resolver, cache }: InvalidationOptions) {
  const answers = new Map<string, Answer>();

  function learn(source: ResolvedSource): void {
    const known = answers.get(source.requestPath);
    if (known?.relative !== source.relative || known.kind !== source.kind) answers.set(source.requestPath, { relative: source.relative, kind: source.kind });
  }

  /** The source that answers a requested path now, remembered; null when it cannot be resolved. */
  async function answerOf(requestPath: string): Promise<Answer | null> {
    try {
      const source = await resolver.resolve(requestPath.split('/'));
      learn(source);
      return { relative: source.relative, kind: source.kind };
    } catch {
      answers.delete(requestPath);
      return null;
    }
  }

  /** The cached requested paths; answers of paths no longer cached are forgotten, which bounds them by the cache. */
  function cachedPaths(): string[] {
    const paths = cache.requestPaths();
    if (answers.size > paths.length) {
      const kept = new Set(paths);
      for (const requestPath of answers.keys()) if (!kept.has(requestPath)) answers.delete(requestPath);
    }
    return paths;
  }

  return {
    /** Remembers which source answered a requested path; called for every derivative served. */
    learn,

    /**
     * Resolves, one at a time, the cached requested paths whose answer is not known yet (those
     * cached before a restart), so that the first sync after start-up is as cheap as later ones.
     */
    async learnCached(log: Log, stopped: () => boolean = () => false): Promise<void> {
      const started = Date.now();
      let resolved = 0;
      for (const requestPath of cachedPaths()) {
        if (stopped()) return;
        if (answers.has(requestPath)) continue;
        await answerOf(requestPath);
        resolved++;
      }
      log.info({ resolved, known: answers.size, durationMs: Date.now() - started }, 'cached paths resolved');
    },

    /**
     * Clears one image's variants under every spelling of its path (`cats/cat_white`,
     * `cats/cat_white.jpg`, ...), or with no path the whole cache.
     */
    clear(segments: readonly string[] | null): Promise<{ files: number; bytes: number }> {
      // Operators clear after changing files by hand: the next request looks at them again.
      resolver.forget();
      if (segments === null) {
        answers.clear();
        return Promise.resolve(cache.clearAll());
      }
      const dir = segments.slice(0, -1).join('/');
      const name = segments[segments.length - 1] as string;
      const stem = hasSourceExtension(name) ? name.slice(0, name.lastIndexOf('.')) : name;
      const names = [stem, ...SOURCE_EXTENSIONS.flatMap((extension) => [stem + extension, stem + extension.toUpperCase()])];
      const paths = names.map((spelled) => (dir ? `${dir}/${spelled}` : spelled));
      for (const requestPath of paths) answers.delete(requestPath);
      return cache.clearPaths(paths);
    },

    /**
     * Before a sync moves the checkout to a commit that changes `changed` (paths inside the
     * images directory): the answers of the cached requested paths the changes can reach.
     */
    async snapshot(changed: ReadonlySet<string>): Promise<SyncSnapshot> {
      const reach = reachOf(changed);
      const before = new Map<string, string | null>();
      for (const requestPath of cachedPaths()) {
        const known = answers.get(requestPath);
        if (!reach(requestPath, known)) continue;
        before.set(requestPath, known ? known.relative : ((await answerOf(requestPath))?.relative ?? null));
      }
      return before;
    },

    /**
     * After the checkout moved: clears the reached requested paths whose source changed, or
     * that another file answers now (an image added in place of its fallback, a deleted one,
     * a new default). Paths cached while the checkout moved are looked at too.
     */
    async clearChanged(before: SyncSnapshot, changed: ReadonlySet<string>): Promise<{ files: number; bytes: number }> {
      resolver.forget();
      const reach = reachOf(changed);
      const stale: string[] = [];
      const reached = new Set(before.keys());
      for (const requestPath of cachedPaths()) if (!reached.has(requestPath) && reach(requestPath, answers.get(requestPath))) reached.add(requestPath);
      for (const requestPath of reached) {
        const now = (await answerOf(requestPath))?.relative ?? null;
        const then = before.get(requestPath);
        if ((now !== null && changed.has(now)) || (then !== undefined && then !== now)) {
          stale.push(requestPath);
          answers.delete(requestPath);
        }
      }
      return cache.clearPaths(stale);
    },
  };
}

export type Invalidation = ReturnType<typeof createInvalidation>;
