import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError, badInput } from '../errors';
import type { Log } from '../log';
import { contentIdOf } from './content-id';
import { parseImagePath } from './path';
import { WATERMARK_NAME, type RequestedSpec, type WatermarkSpec } from './spec';
import type { SourceMetadata, Transformer } from './transform';

/** A watermark as configured: `logo: _brand/logo.png`. */
export interface WatermarkEntry {
  readonly name: string;
  /** Path of its file inside the images folder. */
  readonly path: string;
}

/** A watermark's file, read into memory. */
export interface WatermarkImage extends SourceMetadata {
  readonly name: string;
  readonly data: Buffer;
  /** The start of its content id, as sources have (content-id.ts): part of every URL and cache key of an image that carries it. */
  readonly version: string;
}

/** Largest watermark file, in bytes: it is held in memory and decoded for every render that carries it. */
export const MAX_WATERMARK_BYTES = 1024 * 1024;

/** `name: path; name: path`, such as `logo: _brand/logo.png`; names are lower-case letters, digits and `_`. */
export function parseWatermarks(raw: string): { value: WatermarkEntry[] } | { expected: string } {
  const entries: WatermarkEntry[] = [];
  for (const part of raw.split(';').filter((text) => text.trim() !== '')) {
    const colon = part.indexOf(':');
    const name = part.slice(0, colon).trim();
    const file = part.slice(colon + 1).trim();
    let valid = colon !== -1 && WATERMARK_NAME.test(name) && !entries.some((entry) => entry.name === name);
    try {
      parseImagePath(file);
    } catch {
      valid = false;
    }
    if (!valid) return { expected: 'watermarks as "name: path; name: path" with unique names of lower-case letters, digits and _, and image paths inside the images folder (no hidden segment, no ..), such as "logo: _brand/logo.png"' };
    entries.push({ name, path: file });
  }
  return { value: entries };
}

export interface WatermarksOptions {
  /** The images folder, a real path. */
  imagesRoot: string;
  transformer: Pick<Transformer, 'readMetadata'>;
}

/**
 * The configured watermarks, read at start-up and again after a sync: their bytes are held in
 * memory and their content hash goes into the spec of every image that carries one, so a
 * changed logo gives new URLs, ETags and cache keys.
 */
export async function createWatermarks(entries: readonly WatermarkEntry[], options: WatermarksOptions) {
  async function read(entry: WatermarkEntry): Promise<WatermarkImage> {
    const wrong = (why: string) => new Error(`The watermark ${entry.name} (${entry.path}) ${why}.`);
    const file = path.join(options.imagesRoot, ...parseImagePath(entry.path));
    const real = await fs.realpath(file).catch(() => {
      throw wrong('is not a file in the images folder');
    });
    if (!real.startsWith(options.imagesRoot + path.sep)) throw wrong('leads outside the images folder');
    // A link may lead to a hidden file of the checkout (.git/...), which no image path reaches.
    if (path.relative(options.imagesRoot, real).split(path.sep).some((segment) => segment.startsWith('.'))) throw wrong('leads to a hidden file');
    const stat = await fs.stat(real);
    if (!stat.isFile()) throw wrong('is not a file');
    if (stat.size > MAX_WATERMARK_BYTES) throw wrong(`is larger than ${MAX_WATERMARK_BYTES} bytes`);
    const data = await fs.readFile(real);
    const header = await options.transformer.readMetadata(data).catch((error: Error) => {
      // "The source has more than N pixels." and the like, said of the watermark.
      throw wrong(`is not a supported image: ${error.message.replace(/^The source /, 'it ').replace(/\.$/, '')}`);
    });
    return { ...header, name: entry.name, data, version: contentIdOf(data).slice(0, 10) };
  }

  const loaded = new Map<string, WatermarkImage>();
  for (const entry of entries) loaded.set(entry.name, await read(entry));

  const known = () => (loaded.size === 0 ? 'none is configured (--watermarks)' : [...loaded.keys()].join(', '));

  /**
   * The spec with its watermark's current version. A name that is not configured is
   * BAD_USER_INPUT when `strict` (the API, a signed URL); the graceful grammar drops it.
   */
  function bind<S extends RequestedSpec>(spec: S, strict: boolean): S {
    if (spec.watermark === null) return spec;
    const image = loaded.get(spec.watermark.name);
    if (!image) {
      if (strict) throw badInput('watermark', `a configured watermark (${known()})`, spec.watermark.name);
      return Object.freeze({ ...spec, watermark: null });
    }
    return spec.watermark.version === image.version ? spec : Object.freeze({ ...spec, watermark: { ...spec.watermark, version: image.version } });
  }

  return {
    bind,
    /** The image of a watermark a render lays over its output. */
    image(watermark: WatermarkSpec): WatermarkImage {
      const image = loaded.get(watermark.name);
      if (!image) throw new AppError('BAD_USER_INPUT', `The watermark ${watermark.name} is not configured.`);
      return image;
    },
    /** Whether a spec's watermark is the one served now. */
    isCurrent: (watermark: WatermarkSpec) => loaded.get(watermark.name)?.version === watermark.version,
    names: () => [...loaded.keys()],
    /**
     * Reads every file again (after a sync). One that cannot be read any more keeps the image
     * read before, with a warning: images that carry it keep their look.
     */
    async reload(log: Log): Promise<void> {
      for (const entry of entries) {
        try {
          const image = await read(entry);
          if (loaded.get(entry.name)?.version !== image.version) log.info({ watermark: entry.name, version: image.version }, 'watermark changed');
          loaded.set(entry.name, image);
        } catch (error) {
          log.warn({ watermark: entry.name, err: error }, 'watermark could not be read again; the one read before stays');
        }
      }
    },
  };
}

export type Watermarks = Awaited<ReturnType<typeof createWatermarks>>;
