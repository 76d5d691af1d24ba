import { promises as nodeFs } from 'node:fs';
import path from 'node:path';
import { isTemporaryName, writeFileAtomic, type WriteFs } from '../fs/atomic-write';
import { FILE_ENDINGS } from './formats';

// What the cache writes: `{key}.{ending}`. Clearing removes only such files.
const DERIVATIVE_NAME = new RegExp(`^[0-9a-f]{32}\\.(?:${Object.values(FILE_ENDINGS).join('|')})$`);

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

  /** Deletes one derivative file; what it freed, or nothing when it was already gone. */
  async function remove(file: string): Promise<{ files: number; bytes: number }> {
    const stat = await nodeFs.stat(file).catch(() => null);
    if (!stat) return { files: 0, bytes: 0 };
    await nodeFs.rm(file, { force: true });
    files = Math.max(0, files - 1);
    bytes = Math.max(0, bytes - stat.size);
    return { files: 1, bytes: stat.size };
  }

  /**
   * Deletes the derivatives stored for these requested paths; those of paths nested below
   * them (a group's members) are other images and stay.
   */
  async function clearPaths(requestPaths: Iterable<string>): Promise<{ files: number; bytes: number }> {
    const freed = { files: 0, bytes: 0 };
    for (const requestPath of new Set(requestPaths)) {
      const dir = path.join(root, ...requestPath.split('/'));
      const entries = await nodeFs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile() || !DERIVATIVE_NAME.test(entry.name)) continue;
        const removed = await remove(path.join(dir, entry.name));
        freed.files += removed.files;
        freed.bytes += removed.bytes;
      }
    }
    return freed;
  }

  /** The requested paths that have derivatives stored, `/`-separated; the placeholder's folder is not one. */
  async function requestPaths(): Promise<string[]> {
    const entries = await nodeFs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    const found = new Set<string>();
    for (const entry of entries) {
      if (!entry.isFile() || !DERIVATIVE_NAME.test(entry.name)) continue;
      const relative = path.relative(root, entry.parentPath);
      if (relative !== '' && !relative.startsWith('.')) found.add(relative.split(path.sep).join('/'));
    }
    return [...found];
  }

  /** Deletes every derivative; the generated placeholder stays, since the fallback chain needs it. */
  async function clearAll(): Promise<{ files: number; bytes: number }> {
    const freed = { files: 0, bytes: 0 };
    const top = await nodeFs.readdir(root, { withFileTypes: true }).catch(() => []);
    for (const entry of top) {
      if (entry.name.startsWith('.')) continue;
      const entryPath = path.join(root, entry.name);
      const inside = entry.isDirectory() ? await nodeFs.readdir(entryPath, { recursive: true, withFileTypes: true }) : [entry];
      for (const file of inside) {
        if (!file.isFile() || !DERIVATIVE_NAME.test(file.name)) continue;
        const removed = await remove(path.join(file.parentPath, file.name));
        freed.files += removed.files;
        freed.bytes += removed.bytes;
      }
      if (entry.isDirectory()) await nodeFs.rm(entryPath, { recursive: true, force: true });
    }
    return freed;
  }

  return { root, locate, read, has, write, scan, requestPaths, clearPaths, clearAll, stats: () => ({ files, bytes }) };
}

export type DiskCache = ReturnType<typeof createDiskCache>;
