import path from 'node:path';
import { SOURCE_EXTENSIONS, hasSourceExtension, type SourceKind } from './formats';
import { beingWritten, createContentIds, sameIdentity, type ContentFs, type FileIdentity } from './content-id';
import { sourceVersion, type SourceIdentity } from './key';
import { createMemo } from '../memo';
import { looksLikeParameter } from './spec';
import { SourceGoneError, type SourceInput } from './transform';
import { reachable } from './path';
import { MEMORY_BOUNDS } from '../memory-bounds';
import { systemClock, type Clock } from '../clock';

/** The little of the file system that resolution needs; `stat` follows symlinks, `read` gives a file's bytes for its version. */
export interface ResolverFs extends ContentFs {
  stat(file: string): Promise<(FileIdentity & { isFile(): boolean; isDirectory(): boolean }) | null>;
  realpath(file: string): Promise<string>;
  /** The names in a folder; empty when it cannot be read. */
  readdir(dir: string): Promise<string[]>;
}

export interface ResolvedSource extends SourceIdentity {
  /** The path that was asked for, as used for the cache folder. */
  readonly requestPath: string;
  readonly kind: SourceKind;
  /** Absolute real path of the file to read. */
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** The bytes, for a source held in memory (the generated placeholder); otherwise read from `file`. */
  readonly data?: Buffer;
  /**
   * Whether `file` is still at the identity its version was read at (a stat): when it is not,
   * what was read from it since may be other bytes than this version's. Absent for a source
   * held in memory.
   */
  readonly unchanged?: () => Promise<boolean>;
}

/** What the transformer reads for a source: the bytes held in memory, or the file. */
export function inputOf(source: ResolvedSource): SourceInput {
  return source.data ?? source.file;
}

/**
 * Reads a source with `use` (a render, a header, a trim's border...). The file is read by
 * path, up to a --source-check-interval after its version was taken: when it was written
 * meanwhile, what `use` read may be the new bytes, which must never be kept or cached as this
 * version's (the same bytes may come back, a revert, and take this version again). Then this
 * rejects with SourceGoneError, so that the path is looked up again at once (withSource).
 */
export async function readSource<T>(source: ResolvedSource, use: (input: SourceInput) => Promise<T>): Promise<T> {
  const result = await use(inputOf(source));
  if (source.unchanged && !(await source.unchanged())) {
    throw new SourceGoneError(new Error('The source file was written while it was read; it is looked up again.'));
  }
  return result;
}

export interface Placeholder {
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly data: Buffer;
  /** Stands for the bytes in the version: names the design, since the bytes depend on the machine's fonts. */
  readonly contentId: string;
}

export interface ResolverOptions {
  /** Real (symlink-free) absolute path of the images directory. */
  imagesRoot: string;
  /** Makes (once) and returns the generated placeholder, the last link of the fallback chain. */
  placeholder(): Promise<Placeholder>;
  /** Told when a symlink points outside the images directory; such a link is treated as absent. */
  onEscape?(relative: string): void;
  /** Milliseconds a path's resolution is reused before the files are looked at again; 0 looks every time. @default 0 */
  recheckMs?: number;
  /** What recheckMs is measured with. @default systemClock */
  clock?: Clock;
  /**
   * Files larger than this, in bytes, are not read for their version: they are refused before
   * decoding (--max-source-bytes), so no URL is minted from it, and reading one would only cost
   * time. Their version follows their size and time instead. @default Infinity
   */
  maxReadBytes?: number;
}

const REMEMBERED_PATHS = MEMORY_BOUNDS.resolvedPaths;
// Looks at a path whose file keeps going as it is read, before the request fails.
const LOOKS = 3;

export const PLACEHOLDER_NAME = 'generated:placeholder';

/**
 * Resolves requested paths to source files: explicit extensions, extension priority,
 * groups (folders) and their defaults, the system default and the placeholder.
 * Nothing outside the images directory is ever returned, whatever symlinks say.
 */
export function createResolver(options: ResolverOptions, fs: ResolverFs) {
  const { imagesRoot } = options;
  const recheckMs = options.recheckMs ?? 0;
  const clock = options.clock ?? systemClock;
  const contentIds = createContentIds(fs);
  const maxReadBytes = options.maxReadBytes ?? Infinity;

  async function confined(absolute: string, relative: string): Promise<string | null> {
    const real = await fs.realpath(absolute).catch(() => null);
    if (real === null) return null;
    if (reachable(imagesRoot, real)) return real;
    // A link to a hidden file of the checkout is absent, like the file itself; only one leading out is told.
    if (!real.startsWith(imagesRoot + path.sep)) options.onEscape?.(relative);
    return null;
  }

  async function isGroup(segments: readonly string[]): Promise<boolean> {
    const absolute = path.join(imagesRoot, ...segments);
    const stat = await fs.stat(absolute);
    return stat !== null && stat.isDirectory() && (await confined(absolute, segments.join('/'))) !== null;
  }

  async function fileAt(dir: readonly string[], candidate: string) {
    const relative = [...dir, candidate].join('/');
    const absolute = path.join(imagesRoot, relative);
    const stat = await fs.stat(absolute);
    if (!stat || !stat.isFile()) return null;
    const real = await confined(absolute, relative);
    return real ? { relative, file: real, stat } : null;
  }

  // Folder listings by lower-cased name, for extensions written in another case; reused like resolutions.
  const listings = createMemo<{ at: number; names: Promise<Map<string, string[]>> }>(REMEMBERED_PATHS);

  function listing(dir: readonly string[]): Promise<Map<string, string[]>> {
    const key = dir.join('/');
    const now = clock.now();
    const known = listings.get(key);
    if (known && now - known.at < recheckMs) return known.names;
    const names = fs.readdir(path.join(imagesRoot, ...dir)).then((entries) => {
      const byLowerCase = new Map<string, string[]>();
      for (const entry of entries) byLowerCase.set(entry.toLowerCase(), [...(byLowerCase.get(entry.toLowerCase()) ?? []), entry]);
      return byLowerCase;
    });
    listings.set(key, { at: now, names });
    return names;
  }

  /**
   * `name` with a source extension is taken as is; otherwise each extension is tried in
   * order, each as written and then in any other case (`IMG_0001.JPG`, `Photo.Jpeg`), so an
   * upper-case `.JPG` ranks where `.jpg` does.
   */
  async function findFile(dir: readonly string[], name: string) {
    if (hasSourceExtension(name)) return fileAt(dir, name);
    for (const extension of SOURCE_EXTENSIONS) {
      const found = await fileAt(dir, name + extension);
      if (found) return found;
      const spellings = (await listing(dir)).get((name + extension).toLowerCase()) ?? [];
      for (const spelled of spellings) {
        // Only the extension's case may differ: `Cat.JPG` does not answer `cat`.
        const other = spelled !== name + extension && spelled.startsWith(name) ? await fileAt(dir, spelled) : null;
        if (other) return other;
      }
    }
    return null;
  }

  async function nearestGroupDefault(segments: readonly string[], from: number) {
    for (let depth = from; depth >= 1; depth--) {
      const group = segments.slice(0, depth);
      if (!(await isGroup(group))) continue;
      const found = await findFile(group, 'default');
      if (found) return found;
    }
    return null;
  }

  /** A file that answers a path, as found; the placeholder is the answer when none does. */
  type Located = { kind: Exclude<SourceKind, 'GENERATED'>; relative: string; file: string; stat: FileIdentity } | { kind: 'GENERATED'; relative: typeof PLACEHOLDER_NAME };

  /**
   * Finds the file that answers checked path segments. A folder asked for by name is answered by its
   * `default.*` (ORIGINAL); a missing image falls back to the nearest group default
   * (GROUP_DEFAULT), then `<images>/default.*` (DEFAULT), then the placeholder (GENERATED).
   */
  async function locate(segments: readonly string[]): Promise<Located> {
    const last = segments.length - 1;
    const asGroup = await isGroup(segments);
    const original = asGroup ? await findFile(segments, 'default') : await findFile(segments.slice(0, last), segments[last] as string);
    if (original) return { kind: 'ORIGINAL', ...original };

    const groupDefault = await nearestGroupDefault(segments, last);
    if (groupDefault) return { kind: 'GROUP_DEFAULT', ...groupDefault };

    const systemDefault = await findFile([], 'default');
    if (systemDefault) return { kind: 'DEFAULT', ...systemDefault };
    return { kind: 'GENERATED', relative: PLACEHOLDER_NAME };
  }

  /** The source that answers checked path segments (see locate), with its version from its bytes, read once per file identity (content-id.ts). */
  async function find(segments: readonly string[]): Promise<ResolvedSource> {
    const requestPath = segments.join('/');
    const located = await locate(segments);
    if (located.kind === 'GENERATED') {
      const { contentId, ...placeholder } = await options.placeholder();
      return { requestPath, kind: 'GENERATED', relative: PLACEHOLDER_NAME, ...placeholder, version: sourceVersion(PLACEHOLDER_NAME, contentId) };
    }
    const { stat } = located;
    const { identity, id } = stat.size > maxReadBytes ? { identity: stat, id: `unread:${stat.size}:${stat.mtimeMs}` } : await contentIds.identify(located.file, stat);
    const unchanged = async () => {
      const now = await fs.stat(located.file);
      return now !== null && sameIdentity(now, identity);
    };
    return { requestPath, kind: located.kind, relative: located.relative, file: located.file, size: identity.size, mtimeMs: identity.mtimeMs, version: sourceVersion(located.relative, id), unchanged };
  }

  /** Finds the source (see find); a file that goes while its version is read is looked for again, so the path falls back. */
  async function lookUp(segments: readonly string[]): Promise<ResolvedSource> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await find(segments);
      } catch (error) {
        if (!(error instanceof SourceGoneError) || attempt === LOOKS) throw error;
      }
    }
  }

  interface Remembered {
    at: number;
    source: Promise<ResolvedSource>;
    settled?: ResolvedSource;
  }
  const recent = createMemo<Remembered>(REMEMBERED_PATHS);

  /**
   * Resolves checked path segments (see lookUp). Within `recheckMs` of a look-up the same
   * answer is given without touching the files: a hit then costs no system call.
   */
  function resolve(segments: readonly string[]): Promise<ResolvedSource> {
    if (recheckMs === 0) return lookUp(segments);
    const requestPath = segments.join('/');
    const now = clock.now();
    const known = recent.get(requestPath);
    if (known && now - known.at < recheckMs) return known.source;

    const entry: Remembered = { at: now, source: lookUp(segments) };
    recent.set(requestPath, entry);
    entry.source.then(
      (source) => {
        entry.settled = source;
      },
      () => recent.forget(requestPath, entry),
    );
    return entry.source;
  }

  /** The remembered resolution of a requested path while it is still current; never touches the files. */
  function current(requestPath: string): ResolvedSource | undefined {
    const known = recent.get(requestPath);
    return known && clock.now() - known.at < recheckMs ? known.settled : undefined;
  }

  /**
   * Splits URL segments into the image path and the parameter segments: existing folders
   * are descended first, an existing file ends the path; otherwise the path runs up to the
   * first segment written like a parameter. The first segment always belongs to the path.
   */
  async function splitRoute(segments: readonly string[]): Promise<{ path: string[]; params: string[] }> {
    let length = 0;
    while (length < segments.length && (await isGroup(segments.slice(0, length + 1)))) length++;

    const next = segments[length];
    const isFile = next !== undefined && !looksLikeParameter(next) && (await findFile(segments.slice(0, length), next)) !== null;
    if (isFile) {
      length++;
    } else {
      while (length < segments.length && !looksLikeParameter(segments[length] as string)) length++;
    }
    length = Math.max(length, 1);
    return { path: segments.slice(0, length), params: segments.slice(length) };
  }

  /**
   * Resolves a path and hands the source to `use`; when the source file turns out to be
   * gone (deleted since it was last looked at), looks again at once and retries, so the
   * request falls back instead of failing.
   */
  async function withSource<T>(segments: readonly string[], use: (source: ResolvedSource) => Promise<T>): Promise<T> {
    try {
      return await use(await resolve(segments));
    } catch (error) {
      if (!(error instanceof SourceGoneError)) throw error;
      recent.delete(segments.join('/'));
      return use(await resolve(segments)).catch((again: unknown) => {
        // Gone or rewritten again at once: a file being written, not a fault of the server.
        throw again instanceof SourceGoneError ? beingWritten(again) : again;
      });
    }
  }

  return {
    resolve,
    /** Resolves without reading or filling the remembered answers: background work that must not push requests' answers out. */
    lookUp,
    /** Which file answers a path and how (its relative path, PLACEHOLDER_NAME for the placeholder), without reading it for its version. */
    answer: async (segments: readonly string[]): Promise<Pick<ResolvedSource, 'relative' | 'kind'>> => {
      const { kind, relative } = await locate(segments);
      return { kind, relative };
    },
    withSource,
    current,
    splitRoute,
    /** Source files read to find their versions so far, and their bytes. */
    contentStats: contentIds.stats,
    /** Drops every remembered resolution: the next request of each path looks at the files. */
    forget: () => {
      recent.clear();
      listings.clear();
    },
  };
}

export type Resolver = ReturnType<typeof createResolver>;
