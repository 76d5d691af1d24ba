import type { Log } from '../log';
import { MEMORY_BOUNDS } from '../memory-bounds';
import type { DerivativeCache } from './derivative-cache';
import { SOURCE_EXTENSIONS, hasSourceExtension, type SourceKind } from './formats';
import { LruMap } from '../lru';
import { parseImagePath } from './path';
import type { ResolvedSource, Resolver } from './resolve';

export interface InvalidationOptions {
  resolver: Resolver;
  cache: DerivativeCache;
  /** Cached requested paths whose answers are remembered at most. @default MEMORY_BOUNDS.syncAnswers */
  maxAnswers?: number;
}

/** The source file that answered a requested path, and how it was found. */
interface Answer {
  /** As resolution spelled it, through any symbolic link. */
  readonly relative: string;
  readonly kind: SourceKind;
}

/**
 * Before a sync moves the checkout: the sources (relative paths, null for a path that could
 * not be resolved) that answered each cached requested path the sync's changes can reach.
 */
export type SyncSnapshot = ReadonlyMap<string, ReadonlyArray<string | null>>;

const nameOf = (relative: string) => relative.slice(relative.lastIndexOf('/') + 1);
const folderOf = (relative: string) => (relative.includes('/') ? relative.slice(0, relative.lastIndexOf('/')) : '');
/** A name as every spelling of it resolves: without a source extension, in lower case. */
const bare = (name: string) => (hasSourceExtension(name) ? name.slice(0, name.lastIndexOf('.')) : name).toLowerCase();
const spelling = (relative: string) => `${folderOf(relative)}\0${bare(nameOf(relative))}`;
const isDefault = (relative: string) => hasSourceExtension(nameOf(relative)) && nameOf(relative).slice(0, nameOf(relative).lastIndexOf('.')) === 'default';

type Reach = (requestPath: string, answers: readonly Answer[] | undefined) => boolean;

/**
 * Which requested paths a set of changed files can give another answer, by the resolution
 * rules alone: a path is reached when a file that answered it changed, when it spells a
 * changed file (any extension, any case of it), when a changed file is inside it (a folder
 * appears or goes) or it is inside a changed file (a symbolic link to a folder), or when a
 * group's default changed and the path is that group or fell back to a default inside it
 * (the root's default reaches every fallback). Paths whose answer is not known are reached,
 * and every path when what changed is not known (null: a first commit, which only adds
 * files, so a path's answer changed exactly when another file answers it now).
 */
function reachOf(changed: ReadonlySet<string> | null): Reach {
  if (changed === null) return () => true;
  const spellings = new Set<string>();
  const folders = new Set<string>();
  const defaultGroups: string[] = [];
  for (const file of changed) {
    spellings.add(spelling(file));
    const folder = folderOf(file);
    for (let at = folder; at !== ''; at = folderOf(at)) folders.add(at);
    if (isDefault(file)) defaultGroups.push(folder);
  }
  const inside = (requestPath: string, group: string) => group === '' || requestPath === group || requestPath.startsWith(`${group}/`);
  const belowChanged = (requestPath: string) => {
    for (let at = folderOf(requestPath); at !== ''; at = folderOf(at)) if (changed.has(at)) return true;
    return false;
  };
  const reaches = (requestPath: string, answer: Answer) =>
    changed.has(answer.relative) || defaultGroups.some((group) => answer.kind !== 'ORIGINAL' && inside(requestPath, group));
  return (requestPath, answers) =>
    answers === undefined ||
    spellings.has(spelling(requestPath)) ||
    folders.has(requestPath) ||
    belowChanged(requestPath) ||
    defaultGroups.includes(requestPath) ||
    answers.some((answer) => reaches(requestPath, answer));
}

/**
 * What a clear or a sync deletes from the derivative cache, and nothing else: one image's
 * variants under every spelling of its path, everything, or after the images changed, the
 * requested paths whose answer changed. Which sources answered each cached requested path
 * is remembered as derivatives are loaded (`learn`), so a sync resolves only the paths its
 * changes can reach (and any whose answer is not known), however large the cache.
 */
export function createInvalidation({ resolver, cache, maxAnswers = MEMORY_BOUNDS.syncAnswers }: InvalidationOptions) {
  const answers = new LruMap<string, Answer[]>();

  function learn(source: Pick<ResolvedSource, 'requestPath' | 'relative' | 'kind'>): void {
    const answer: Answer = { relative: source.relative, kind: source.kind };
    const known = answers.peek(source.requestPath) ?? [];
    if (!known.some((other) => other.relative === answer.relative && other.kind === answer.kind)) {
      answers.set(source.requestPath, [...known, answer].slice(-MEMORY_BOUNDS.syncAnswersPerPath));
      if (answers.size > maxAnswers) answers.delete((answers.oldest() as [string, Answer[]])[0]);
    }
  }

  /**
   * The source that answers a requested path now (looked up afresh, learned); null when it
   * cannot be resolved. Which file answers is all that tells: no file is read for its version.
   */
  async function answerOf(requestPath: string): Promise<string | null> {
    try {
      const answer = await resolver.answer(requestPath.split('/'));
      learn({ requestPath, ...answer });
      return answer.relative;
    } catch {
      return null;
    }
  }

  return {
    /** Remembers which source answered a requested path; told for every derivative loaded. */
    learn,

    /**
     * Resolves, one at a time, the cached requested paths whose answer is not known yet (those
     * cached before a restart), so that the first sync after start-up is as cheap as later ones.
     */
    async learnCached(log: Log, stopped: () => boolean = () => false): Promise<void> {
      await cache.indexed();
      const started = Date.now();
      let resolved = 0;
      for (const requestPath of cache.requestPaths()) {
        if (stopped()) return;
        if (answers.peek(requestPath) !== undefined) continue;
        await answerOf(requestPath);
        resolved++;
      }
      log.info({ resolved, known: answers.size, durationMs: Date.now() - started }, 'cached paths resolved');
    },

    /**
     * Clears one image's variants under every spelling of its path as an operator gives it
     * (`cats/cat_white`, `cats/cat_white.jpg`, ...), or with no path the whole cache. A path
     * that is not a valid image path is BAD_USER_INPUT, and nothing is cleared. `heard`: another
     * replica made this clear, which a store shared with it has already seen.
     */
    async clear(path: string | null, { heard = false }: { heard?: boolean } = {}): Promise<{ files: number; bytes: number }> {
      const segments = path === null ? null : parseImagePath(path);
      // Operators clear after changing files by hand: the next request looks at them again.
      resolver.forget();
      if (segments === null) {
        answers.clear();
        return heard ? cache.clearedElsewhere(null) : cache.clearAll();
      }
      const dir = segments.slice(0, -1).join('/');
      const name = segments[segments.length - 1] as string;
      const stem = hasSourceExtension(name) ? name.slice(0, name.lastIndexOf('.')) : name;
      const names = [stem, ...SOURCE_EXTENSIONS.flatMap((extension) => [stem + extension, stem + extension.toUpperCase()])];
      const paths = names.map((spelled) => (dir ? `${dir}/${spelled}` : spelled));
      for (const requestPath of paths) answers.delete(requestPath);
      return heard ? cache.clearedElsewhere(paths) : cache.clearPaths(paths);
    },

    /**
     * Before a sync moves the checkout to a commit that changes `changed` (paths inside the
     * images directory, also as spelled through symbolic links; null when not known, a first
     * commit say): the answers of the cached requested paths the changes can reach.
     */
    async snapshot(changed: ReadonlySet<string> | null): Promise<SyncSnapshot> {
      // Every cached path must be known: a sync right after start-up waits for the walk.
      await cache.indexed();
      const reach = reachOf(changed);
      const before = new Map<string, Array<string | null>>();
      for (const requestPath of cache.requestPaths()) {
        const known = answers.peek(requestPath);
        if (!reach(requestPath, known)) continue;
        before.set(requestPath, known ? known.map((answer) => answer.relative) : [await answerOf(requestPath)]);
      }
      return before;
    },

    /**
     * After the checkout moved: clears the reached requested paths whose source changed, or
     * that another file answers now (an image added in place of its fallback, a deleted one,
     * a new default). Paths cached while the checkout moved are looked at too.
     */
    async clearChanged(before: SyncSnapshot, changed: ReadonlySet<string> | null): Promise<{ files: number; bytes: number }> {
      resolver.forget();
      const reach = reachOf(changed);
      const reached = new Set(before.keys());
      for (const requestPath of cache.requestPaths()) if (!reached.has(requestPath) && reach(requestPath, answers.peek(requestPath))) reached.add(requestPath);
      const stale: string[] = [];
      for (const requestPath of reached) {
        const now = await answerOf(requestPath);
        const then = before.get(requestPath) ?? [];
        if ((now !== null && changed?.has(now)) || then.some((answer) => answer !== now)) {
          stale.push(requestPath);
          answers.delete(requestPath);
        }
      }
      return cache.clearPaths(stale);
    },
  };
}

export type Invalidation = ReturnType<typeof createInvalidation>;
