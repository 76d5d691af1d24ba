import path from 'node:path';
import { badInput } from '../errors';
import { MEMORY_BOUNDS } from '../memory-bounds';
import { createPromiseMemo } from '../memo';
import { hasSourceExtension } from './formats';
import type { Limiter } from './limiter';
import { META_FILE, type ImageMeta, type MetaProblem, type MetaStore } from './meta';
import { parseImagePath, reachable } from './path';
import { hexColour } from './preview';
import { beingWritten } from './content-id';
import { readSource, type ResolvedSource, type Resolver } from './resolve';
import { SourceGoneError, type SourceMetadata, type Transformer } from './transform';

// What the adapters of browsing name in their own signatures.
export type { ResolvedSource, SourceMetadata, ImageMeta, MetaProblem };

/** What browsing needs of the file system; `stat` follows symbolic links. */
export interface BrowseFs {
  /** A folder's entries, each a file, a folder or a symbolic link (to be followed); empty when it cannot be read. */
  list(dir: string): Promise<Array<{ name: string; kind: 'file' | 'folder' | 'link' | 'other' }>>;
  stat(file: string): Promise<{ isFile(): boolean; isDirectory(): boolean } | null>;
  realpath(file: string): Promise<string>;
}

/** A folder of the images repository: its subfolders and its images, each sorted by name. */
export interface FolderListing {
  /** Relative to the images folder; `""` for the images folder itself. */
  readonly path: string;
  /** Its own name; `""` for the images folder itself. */
  readonly name: string;
  /** Paths of its subfolders. */
  readonly folders: readonly string[];
  /** Paths of its images, with their extensions. */
  readonly images: readonly string[];
}

export const SOURCE_ORDERS = ['name', 'takenAt'] as const;
export type SourceOrder = (typeof SOURCE_ORDERS)[number];

export interface PageRequest {
  /** How many, at most `maxPageSize`. @default DEFAULT_PAGE_SIZE */
  readonly first?: number | null;
  /** The cursor of the item the page starts after. */
  readonly after?: string | null;
}

/** A page of a sorted list, in the Relay connection's terms. */
export interface Page<T> {
  readonly items: ReadonlyArray<{ readonly item: T; readonly cursor: string }>;
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly totalCount: number;
}

export const DEFAULT_PAGE_SIZE = 20;
/**
 * What one request may make browsing read, whatever its cost says: folder entries listed (a
 * cost counts listings, not how long they are) and headers read to sort folders by date.
 */
export const BROWSE_BOUNDS = { entriesPerRequest: 100_000, datedPerRequest: 2_000 } as const;
/** Most images a folder may hold to be listed by date taken: each one's header is read to sort them. */
export const MAX_SORTED_BY_DATE = 1000;

export interface BrowseOptions {
  /** Real (symlink-free) absolute path of the images directory. */
  imagesRoot: string;
  fs: BrowseFs;
  resolver: Pick<Resolver, 'lookUp'>;
  transformer: Pick<Transformer, 'dominantColour'>;
  limiter: Pick<Limiter, 'run'>;
  /** The metadata files next to the images. */
  meta: MetaStore;
  /** Largest page a list may be asked for. @default 100 */
  maxPageSize: number;
}

/** Reads a source's header; the API passes one that reads each header once per request. */
export type HeaderReader = (source: ResolvedSource) => Promise<SourceMetadata>;

/** The cursor of an item: the list it is in (folder and order) and its sort key, opaque to clients. */
const cursorOf = (list: string, key: readonly string[]) => Buffer.from(JSON.stringify([list, ...key])).toString('base64url');

/** The sort key a cursor of `list` names; BAD_USER_INPUT for anything else, a cursor of another list included. */
function keyOf(cursor: string, list: string): string[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (Array.isArray(parts) && parts.length >= 2 && parts.length <= 3 && parts.every((part) => typeof part === 'string') && parts[0] === list) return parts.slice(1) as string[];
  } catch {
    // Falls through to the refusal.
  }
  throw badInput('after', 'a cursor handed out in this list (pageInfo.endCursor or an edge cursor of the same folder and order)', cursor);
}

const compareKeys = (a: readonly string[], b: readonly string[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [x = '', y = ''] = [a[i], b[i]];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

/**
 * Browsing the images repository: folders and their images, sorted and paginated, and the
 * facts of one source. Hidden names, files that are not images and symbolic links leading
 * outside the images folder never appear; a missing path is null (browsing is not serving:
 * no fallback answers it).
 */
export function createBrowser(options: BrowseOptions) {
  const { imagesRoot, fs } = options;
  const dominant = createPromiseMemo<string>(MEMORY_BOUNDS.dominantColours);

  async function confined(absolute: string): Promise<string | null> {
    const real = await fs.realpath(absolute).catch(() => null);
    return real !== null && reachable(imagesRoot, real) ? real : null;
  }

  /** The path of an entry when an image path can name it (segments, lengths, characters), else null. */
  const pathOf = (segments: readonly string[], name: string): string | null => {
    const relative = [...segments, name].join('/');
    try {
      parseImagePath(relative);
      return relative;
    } catch {
      return null;
    }
  };

  /** The folder at `folderPath` (`""` for the images folder), or null when there is none to browse there. */
  async function folder(folderPath: string): Promise<FolderListing | null> {
    const segments = folderPath === '' ? [] : parseImagePath(folderPath);
    const absolute = path.join(imagesRoot, ...segments);
    const stat = await fs.stat(absolute);
    const real = stat?.isDirectory() ? await confined(absolute) : null;
    if (real === null) return null;
    const folders: string[] = [];
    const images: string[] = [];
    for (const entry of await fs.list(absolute)) {
      const relative = pathOf(segments, entry.name);
      if (relative === null) continue;
      let kind = entry.kind;
      if (kind === 'link') {
        const target = path.join(absolute, entry.name);
        const followed = await confined(target);
        // A link to this folder or one above it would list the same folders again without end.
        const loops = followed !== null && (real === followed || real.startsWith(followed + path.sep));
        const targetStat = followed === null || loops ? null : await fs.stat(target);
        kind = targetStat?.isDirectory() ? 'folder' : targetStat?.isFile() ? 'file' : 'other';
      }
      if (kind === 'folder') folders.push(relative);
      else if (kind === 'file' && hasSourceExtension(entry.name)) images.push(relative);
    }
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return { path: segments.join('/'), name: segments[segments.length - 1] ?? '', folders: folders.sort(byName), images: images.sort(byName) };
  }

  /** The image file a path names (with or without extension, a folder by its default), or null: no fallback answers it. */
  async function source(sourcePath: string): Promise<ResolvedSource | null> {
    const found = await options.resolver.lookUp(parseImagePath(sourcePath));
    return found.kind === 'ORIGINAL' ? found : null;
  }

  /** A page of `items` of `list` by their keys, after the cursor `after`, at most `first` long. */
  function page<T>(list: string, items: ReadonlyArray<{ item: T; key: readonly string[] }>, request: PageRequest): Page<T> {
    const first = request.first ?? Math.min(DEFAULT_PAGE_SIZE, options.maxPageSize);
    if (!Number.isInteger(first) || first < 0 || first > options.maxPageSize) throw badInput('first', `an integer from 0 to ${options.maxPageSize} (--max-page-size)`, first);
    const after = request.after === undefined || request.after === null ? null : keyOf(request.after, list);
    const start = after === null ? 0 : items.findIndex(({ key }) => compareKeys(key, after) > 0);
    const from = start === -1 ? items.length : start;
    const chosen = items.slice(from, from + first);
    return {
      items: chosen.map(({ item, key }) => ({ item, cursor: cursorOf(list, key) })),
      hasNextPage: from + chosen.length < items.length,
      hasPreviousPage: from > 0,
      totalCount: items.length,
    };
  }

  /**
   * A page of a folder's images in the order asked: by name, or by the date they were taken
   * (oldest first, those without a date last, then by name), which reads every image's header.
   */
  async function images(listing: FolderListing, order: SourceOrder, request: PageRequest, readHeader: HeaderReader): Promise<Page<ResolvedSource | null>> {
    const list = `${listing.path}\0images by ${order}`;
    if (order === 'name') {
      const named = page(list, listing.images.map((image) => ({ item: image, key: [image] })), request);
      return { ...named, items: await Promise.all(named.items.map(async ({ item, cursor }) => ({ item: await source(item), cursor }))) };
    }
    if (listing.images.length > MAX_SORTED_BY_DATE) {
      throw badInput('orderBy', `NAME in a folder of more than ${MAX_SORTED_BY_DATE} images (${listing.path || 'the images folder'} has ${listing.images.length})`, 'TAKEN_AT');
    }
    const dated = await Promise.all(
      listing.images.map(async (image) => {
        const found = await source(image);
        const takenAt = found ? await readHeader(found).then((header) => header.takenAt, () => null) : null;
        // Undated images sort after every date.
        return { item: found, key: [takenAt ?? '\uffff', image] };
      }),
    );
    return page(list, dated.sort((a, b) => compareKeys(a.key, b.key)), request);
  }

  return {
    folder,
    source,
    images,
    /** A page of a folder's subfolders, by name. */
    folders: (listing: FolderListing, request: PageRequest): Page<string> => page(`${listing.path}\0folders`, listing.folders.map((folderPath) => ({ item: folderPath, key: [folderPath] })), request),
    /** The image that answers a folder by its name (its `default.*`), or null when it has none. */
    defaultImage: async (listing: FolderListing): Promise<ResolvedSource | null> => {
      const found = await options.resolver.lookUp(listing.path === '' ? [] : parseImagePath(listing.path));
      return found.kind === 'ORIGINAL' ? found : null;
    },
    /** What the metadata of its folder says of a source; null when nothing. */
    meta: (found: ResolvedSource): Promise<ImageMeta | null> => options.meta.image(found.relative),
    /** What is wrong in the metadata files among `paths` (a sync's changed files), with their lines. */
    metaProblemsIn: async (paths: readonly string[]): Promise<MetaProblem[]> => {
      const folders = paths.filter((changed) => path.posix.basename(changed) === META_FILE).map((file) => path.posix.dirname(file)).map((folderPath) => (folderPath === '.' ? '' : folderPath));
      return (await Promise.all(folders.map(async (folderPath) => (await options.meta.folder(folderPath)).problems))).flat();
    },
    /** What is wrong in a folder's metadata file, with the line; empty when nothing is (or there is none). */
    metaProblems: async (listing: FolderListing): Promise<readonly MetaProblem[]> => (await options.meta.folder(listing.path)).problems,
    /**
     * The header of a listed source (its facts), through the request's reader. A file gone or
     * written since it was listed is UNSUPPORTED_IMAGE, being written: not a fault of the server.
     */
    header: (found: ResolvedSource, readHeader: HeaderReader): Promise<SourceMetadata> =>
      readHeader(found).catch((error: unknown) => {
        throw error instanceof SourceGoneError ? beingWritten(error) : error;
      }),
    /**
     * The dominant colour of a source, `#rrggbb`, from a small copy, in a processing slot; once
     * per source version. `admit` counts it against the client's render budget when it is made.
     */
    dominantColour: (found: ResolvedSource, admit?: () => Promise<void>): Promise<string> =>
      dominant(`${found.file}\0${found.version}`, async () => {
        await admit?.();
        const colour = await options.limiter
          .run(() => readSource(found, (input) => options.transformer.dominantColour(input)))
          .catch((error: unknown) => {
            // Gone or written since it was listed: not a fault of the server (and never remembered).
            throw error instanceof SourceGoneError ? beingWritten(error) : error;
          });
        return hexColour(colour);
      }),
  };
}

export type Browser = ReturnType<typeof createBrowser>;
