import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { MEMORY_BOUNDS } from '../memory-bounds';
import { createMemo } from '../memo';
import { reachable } from './path';
import type { FocalPoint } from './spec';

/** The file, next to the images of a folder, that describes them. */
export const META_FILE = '_meta.yml';
/** Largest metadata file read, in bytes: alt texts of thousands of images fit. */
export const MAX_META_BYTES = 256 * 1024;
/** Longest text of a field, in characters. */
export const MAX_META_TEXT = 1000;

/** What a folder's metadata says of one image. */
export interface ImageMeta {
  readonly alt: string | null;
  readonly title: string | null;
  readonly credit: string | null;
  /** Where COVER crops of it are centred when a request names no position. */
  readonly focalPoint: FocalPoint | null;
}

/** Something wrong in a metadata file: where, and what. Serving goes on without what is wrong. */
export interface MetaProblem {
  /** The file's path inside the images folder. */
  readonly file: string;
  /** 1 for the first line. */
  readonly line: number;
  readonly message: string;
}

export interface FolderMeta {
  /** By image name, with or without its extension, as the file writes it. */
  readonly images: ReadonlyMap<string, ImageMeta>;
  readonly problems: readonly MetaProblem[];
}

const EMPTY: FolderMeta = { images: new Map(), problems: [] };
const TEXT_FIELDS = ['alt', 'title', 'credit'] as const;
const FIELDS = [...TEXT_FIELDS, 'focalPoint'];

/**
 * Reads a metadata file: a mapping of image names (`cat.jpg` or `cat`) to `alt`, `title`,
 * `credit` and `focalPoint: { x, y }` (fractions). Whatever is wrong is reported with its line
 * and left out; the rest is kept.
 */
export function parseMeta(text: string, file: string): FolderMeta {
  const lines = new LineCounter();
  // The nodes are read as they are, never turned into objects: an alias is not expanded (how
  // YAML bombs work) but is simply not the text or numbers a field expects.
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const problems: MetaProblem[] = [];
  const lineOf = (node: Node | Pair | null | undefined) => {
    const offset = node && 'range' in node && node.range ? node.range[0] : node && 'key' in node && isScalar(node.key) && node.key.range ? node.key.range[0] : 0;
    return lines.linePos(offset).line;
  };
  const problem = (at: Node | Pair | null | undefined, message: string) => problems.push({ file, line: lineOf(at), message });
  for (const error of document.errors) problems.push({ file, line: lines.linePos(error.pos[0]).line, message: error.message.split('\n')[0] as string });
  if (document.errors.length > 0) return { images: new Map(), problems };

  const images = new Map<string, ImageMeta>();
  const root = document.contents;
  if (root === null) return { images, problems };
  if (!isMap(root)) {
    problem(root, 'expected image names, each with its fields (alt, title, credit, focalPoint)');
    return { images, problems };
  }
  for (const entry of root.items) {
    const name = isScalar(entry.key) ? entry.key.value : null;
    if (typeof name !== 'string' || name === '' || name.includes('/')) {
      problem(entry, 'expected an image name of this folder, such as cat.jpg');
      continue;
    }
    if (!isMap(entry.value)) {
      problem(entry, `expected the fields of ${name} (alt, title, credit, focalPoint)`);
      continue;
    }
    const meta: { -readonly [K in keyof ImageMeta]: ImageMeta[K] } = { alt: null, title: null, credit: null, focalPoint: null };
    for (const field of entry.value.items) {
      const key = isScalar(field.key) ? String(field.key.value) : '';
      const value = field.value;
      if (!FIELDS.includes(key)) {
        problem(field, `${name}: unknown field ${JSON.stringify(key.slice(0, 40))} (expected ${FIELDS.join(', ')})`);
      } else if (key === 'focalPoint') {
        const point = isMap(value) ? { x: value.get('x'), y: value.get('y') } : null;
        const fraction = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 1;
        if (point && fraction(point.x) && fraction(point.y) && value && isMap(value) && value.items.length === 2) {
          meta.focalPoint = { x: Math.round(point.x * 100) / 100, y: Math.round(point.y * 100) / 100 };
        } else {
          problem(field, `${name}: focalPoint expects x and y, fractions from 0 to 1, such as { x: 0.3, y: 0.6 }`);
        }
      } else if (isScalar(value) && typeof value.value === 'string' && value.value.length <= MAX_META_TEXT) {
        meta[key as (typeof TEXT_FIELDS)[number]] = value.value;
      } else {
        problem(field, `${name}: ${key} expects text of at most ${MAX_META_TEXT} characters`);
      }
    }
    images.set(name, meta);
  }
  return { images, problems };
}

/** What reading metadata needs of the file system. */
export interface MetaFs {
  stat(file: string): Promise<{ isFile(): boolean; size: number; mtimeMs: number } | null>;
  realpath(file: string): Promise<string>;
  readFile(file: string): Promise<Buffer>;
}

/**
 * The metadata files of the images folder, read when first needed and again when they change
 * (their size or modification time), remembered per folder.
 */
export function createMetaStore(options: { imagesRoot: string; fs: MetaFs }) {
  const { imagesRoot, fs } = options;
  const remembered = createMemo<{ stamp: string; meta: Promise<FolderMeta> }>(MEMORY_BOUNDS.metaFolders);

  async function read(file: string, relative: string, size: number): Promise<FolderMeta> {
    const real = await fs.realpath(file).catch(() => null);
    // A link leading out of the images folder is not read.
    if (real === null || !reachable(imagesRoot, real)) return { images: new Map(), problems: [{ file: relative, line: 1, message: 'leads outside the images folder or to a hidden file; not read' }] };
    if (size > MAX_META_BYTES) return { images: new Map(), problems: [{ file: relative, line: 1, message: `larger than ${MAX_META_BYTES} bytes; not read` }] };
    return parseMeta((await fs.readFile(real)).toString('utf8'), relative);
  }

  /** The metadata of a folder (`""` for the images folder). */
  async function folder(folderPath: string): Promise<FolderMeta> {
    const relative = folderPath === '' ? META_FILE : `${folderPath}/${META_FILE}`;
    const file = path.join(imagesRoot, relative);
    const stat = await fs.stat(file);
    if (!stat?.isFile()) return EMPTY;
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    const known = remembered.get(folderPath);
    if (known?.stamp === stamp) return known.meta;
    const meta = read(file, relative, stat.size).catch((error: Error) => ({ images: new Map(), problems: [{ file: relative, line: 1, message: `cannot be read (${error.message})` }] }));
    remembered.set(folderPath, { stamp, meta });
    return meta;
  }

  return {
    folder,
    /** What the metadata of its folder says of an image (by its path inside the images folder); null when nothing. */
    async image(relative: string): Promise<ImageMeta | null> {
      const folderPath = path.posix.dirname(relative);
      const name = path.posix.basename(relative);
      const { images } = await folder(folderPath === '.' ? '' : folderPath);
      return images.get(name) ?? images.get(name.slice(0, name.lastIndexOf('.'))) ?? null;
    },
  };
}

export type MetaStore = ReturnType<typeof createMetaStore>;
