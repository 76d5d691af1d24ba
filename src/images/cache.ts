import { promises as nodeFs } from 'node:fs';
import path from 'node:path';
import { isTemporaryName, writeFileAtomic, type WriteFs } from '../fs/atomic-write';

export interface CacheEntry {
  readonly data: Buffer;
}

/**
 * Derivatives on disk at `{cache}/{requested path}/{key}.{ending}`: keyed by the requested
 * path, so clearing one image clears all of its variants, fallbacks included.
 * Writes are atomic; a failed write (a full disk, say) only means the entry is not cached.
 */
export function createDiskCache(options: { dir: string }, fs: WriteFs = nodeFs) {
  const root = path.resolve(options.dir);
  let files = 0;
  let bytes = 0;

  function locate(requestPath: string, name: string): string {
    return path.join(root, ...requestPath.split('/'), name);
  }

  async function read(requestPath: string, name: string): Promise<Buffer | null> {
    try {
      return await nodeFs.readFile(locate(requestPath, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw error;
    }
  }

  async function has(requestPath: string, name: string): Promise<boolean> {
    return nodeFs.access(locate(requestPath, name)).then(
      () => true,
      () => false,
    );
  }

  /** Stores a derivative; returns false (and throws nothing) when it could not be stored. */
  async function write(requestPath: string, name: string, data: Buffer): Promise<{ stored: true } | { stored: false; error: unknown }> {
    try {
      await writeFileAtomic(locate(requestPath, name), [data], fs);
      files++;
      bytes += data.length;
      return { stored: true };
    } catch (error) {
      return { stored: false, error };
    }
  }

  /**
   * Walks the cache once at start-up: removes temporary files left by an interrupted
   * write and counts what is there.
   */
  async function scan(): Promise<{ removedTemporary: number }> {
    let removedTemporary = 0;
    files = 0;
    bytes = 0;
    await nodeFs.mkdir(root, { recursive: true });
    const entries = await nodeFs.readdir(root, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      if (isTemporaryName(entry.name)) {
        await nodeFs.rm(file, { force: true });
        removedTemporary++;
      } else if (!entry.name.startsWith('.') && !path.relative(root, file).startsWith('.')) {
        const stat = await nodeFs.stat(file).catch(() => null);
        if (stat) {
          files++;
          bytes += stat.size;
        }
      }
    }
    return { removedTemporary };
  }

  return { root, locate, read, has, write, scan, stats: () => ({ files, bytes }) };
}

export type DiskCache = ReturnType<typeof createDiskCache>;
