import { constants as fsConstants, promises as nodeFs } from 'node:fs';
import path from 'node:path';
import { isTemporaryName, temporaryName, writeFileAtomic, type WriteFs } from '../fs/atomic-write';
import { createConfinement } from '../fs/confined-folder';
import { formatOf, isDerivativeName } from './derivative-names';
import { isWhole } from './integrity';
import { LruMap } from '../lru';
import { createMemoryTier } from './memory-tier';

// The time of the last clear of everything whose files may still be on disk.
const CLEARED_MARKER = '.cleared';

/** The cache folder cannot be used as it is; the message says why and which setting to change. */
export class CacheFolderError extends Error {
  override name = 'CacheFolderError';
}

/** The file operations of the cache, so a test can hold a read open or fail a write. */
export type CacheFs = WriteFs & Pick<typeof nodeFs, 'readFile'>;

export interface DiskCacheOptions {
  dir: string;
  /** Largest total size of the derivatives, in bytes; 0 means unbounded. @default 0 */
  maxBytes?: number;
  /** Bytes of recently used derivatives also kept in memory; 0 keeps none. @default 0 */
  memoryBytes?: number;
}

// Eviction goes down to this share of the bound, so that not every write evicts.
const EVICT_TO = 0.9;

/**
 * The `local` derivative cache (see `DerivativeCache`): this replica's own folder, walked at
 * start-up and bounded. Derivatives on disk at `{cache}/{requested path}/{key}.{ending}`: keyed by the requested
 * path, so clearing one image clears all of its variants, fallbacks included.
 * Writes are atomic; a failed write (a full disk, say) only means the entry is not cached.
 * With a bound, the least recently used derivatives are deleted once the total passes it;
 * a file being read is never chosen. The most recently used also stay in memory (within
 * `memoryBytes`), so that a hot variant costs no file system call; what is in memory is
 * always also on disk, so clearing and eviction reach both.
 */
export function createDiskCache(options: DiskCacheOptions, fs: CacheFs = nodeFs) {
  const root = path.resolve(options.dir);
  const maxBytes = options.maxBytes ?? 0;
  // Every derivative file with its size.
  const entries = new LruMap<string, number>();
  const reading = new Map<string, number>();
  let bytes = 0;
  let evicting: Promise<void> | null = null;
  // A derivative larger than an eighth of the memory bound stays on disk only.
  const memory = createMemoryTier(options.memoryBytes ?? 0);
  let writeFailures = 0;
  let damaged = 0;
  // Files a clear has taken out of the cache that are still on disk: never read, deleted in the background.
  const doomed = new Set<string>();
  let deleting: Promise<void> = Promise.resolve();
  // Written by a clear of everything with its time: derivatives older than that are cleared ones.
  const marker = path.join(root, CLEARED_MARKER);
  // A read or write whose folder resolves outside the cache folder went through a link.
  const { confined, open: confine } = createConfinement(root);
  // Whether the start-up walk has counted every file; before, files it has not reached are unknown.
  let indexed = true;
  // Settles when the walk running now (if any) has ended.
  let indexing: Promise<void> = Promise.resolve();
  // The time of a clear found unfinished at start-up, until the walk has doomed its files.
  let unfinishedClear: number | null = null;
  // The time of the last clear of everything made while the walk ran: files it reaches older than that are cleared.
  let clearedWhileIndexing = -Infinity;

  // One file per derivative name: requests for the same bytes under other paths are linked to it.
  const byName = new Map<string, string>();
  const nameOf = (file: string) => file.slice(file.lastIndexOf('/') + 1);

  // How many derivatives each requested path holds: what a sync walks, without the files.
  const perPath = new Map<string, number>();
  /** The requested path a derivative file is stored under; null for other files (the placeholder's, one put by hand). */
  function requestPathOf(file: string): string | null {
    const slash = file.lastIndexOf('/');
    if (slash <= root.length + 1 || !isDerivativeName(file.slice(slash + 1))) return null;
    const relative = file.slice(root.length + 1, slash);
    return relative.startsWith('.') ? null : relative;
  }

  function track(file: string, size: number): void {
    const known = entries.peek(file);
    if (known === undefined) {
      const requestPath = requestPathOf(file);
      if (requestPath !== null) perPath.set(requestPath, (perPath.get(requestPath) ?? 0) + 1);
    }
    bytes += size - (known ?? 0);
    entries.set(file, size);
    byName.set(nameOf(file), file);
  }

  function forget(file: string): void {
    const known = entries.peek(file);
    const requestPath = known === undefined ? null : requestPathOf(file);
    if (requestPath !== null) {
      const left = (perPath.get(requestPath) ?? 1) - 1;
      if (left === 0) perPath.delete(requestPath);
      else perPath.set(requestPath, left);
    }
    bytes -= known ?? 0;
    entries.delete(file);
    if (byName.get(nameOf(file)) === file) byName.delete(nameOf(file));
    memory.forget(file);
  }

  /** Deletes least recently used files, skipping those being read, until the total is back under the bound. */
  function evict(): Promise<void> {
    // Before the walk has counted everything, the total is not known.
    if (!indexed || maxBytes === 0 || bytes <= maxBytes) return Promise.resolve();
    evicting ??= (async () => {
      while (bytes > maxBytes * EVICT_TO) {
        const [file] = entries.oldest((candidate) => !reading.has(candidate)) ?? [];
        if (file === undefined) break;
        forget(file);
        await nodeFs.rm(file, { force: true });
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        evicting = null;
      });
    return evicting;
  }

  // Requested paths are checked segments (no empty or dot segments), so on POSIX the
  // concatenation is already the normalised path that path.join would build; it runs on every hit.
  function folderOf(requestPath: string): string {
    return `${root}/${requestPath}`;
  }

  function locate(requestPath: string, name: string): string {
    return `${folderOf(requestPath)}/${name}`;
  }

  /** Every file and folder under the cache, or nothing when the cache folder is missing. */
  function listAll() {
    return nodeFs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  }

  /**
   * The bytes of a derivative file (as `locate` names it) when they are in memory, marked as
   * used in memory and on disk; never touches the disk.
   */
  function inMemory(file: string): Buffer | undefined {
    const data = memory.get(file);
    if (data) entries.get(file);
    return data;
  }

  /**
   * Whether a file the walk has not reached yet may have been cleared: while a clear of
   * everything is unfinished, or one came during the walk, only files written since are read.
   */
  function maybeCleared(file: string): boolean {
    return !indexed && (unfinishedClear !== null || clearedWhileIndexing > -Infinity) && !entries.has(file);
  }

  async function read(requestPath: string, name: string): Promise<Buffer | null> {
    const file = locate(requestPath, name);
    const cached = inMemory(file);
    if (cached) return cached;
    if (doomed.has(file) || maybeCleared(file) || !(await confined(requestPath))) return null;
    reading.set(file, (reading.get(file) ?? 0) + 1);
    try {
      const data = await fs.readFile(file);
      const format = formatOf(name);
      if (format && !isWhole(data, format)) {
        // Cut short or emptied outside our writes (a crash, a full disk, a hand): a miss, rendered again.
        forget(file);
        await nodeFs.rm(file, { force: true });
        damaged++;
        return null;
      }
      track(file, data.length);
      memory.keep(file, data);
      return data;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw error;
    } finally {
      const left = (reading.get(file) ?? 1) - 1;
      if (left === 0) reading.delete(file);
      else reading.set(file, left);
    }
  }

  /**
   * The bytes of derivative `name` when they are cached under another requested path (the
   * fallbacks of one source share them), hard-linked under this one too: no render and no
   * second copy on disk. Null when no other path has them.
   */
  async function adopt(requestPath: string, name: string): Promise<Buffer | null> {
    const existing = byName.get(name);
    if (existing === undefined) return null;
    const other = existing.slice(root.length + 1, existing.length - name.length - 1);
    const data = await read(other, name);
    if (!data) return null;
    const file = locate(requestPath, name);
    try {
      if (!(await confined(requestPath))) throw new CacheFolderError(`The cache folder for ${requestPath} is reached through a symbolic link.`);
      await nodeFs.mkdir(path.dirname(file), { recursive: true });
      const temporary = temporaryName(file);
      await nodeFs.link(existing, temporary);
      await nodeFs.rename(temporary, file).catch(async (error: unknown) => {
        await nodeFs.rm(temporary, { force: true });
        throw error;
      });
      track(file, data.length);
    } catch {
      writeFailures++;
    }
    memory.keep(file, data);
    return data;
  }

  async function has(requestPath: string, name: string): Promise<boolean> {
    const file = locate(requestPath, name);
    if (doomed.has(file) || maybeCleared(file) || !(await confined(requestPath))) return false;
    return nodeFs.access(file).then(
      () => true,
      () => false,
    );
  }

  /**
   * Stores a derivative; returns false (and throws nothing) when it could not be stored. The
   * bytes are kept in memory either way, so a full or read-only disk does not mean that
   * every request renders again.
   */
  async function write(requestPath: string, name: string, data: Buffer): Promise<{ stored: true } | { stored: false; error: unknown }> {
    const file = locate(requestPath, name);
    // Written again after a clear: the new file is not the cleared one.
    doomed.delete(file);
    try {
      if (!(await confined(requestPath))) throw new CacheFolderError(`The cache folder for ${requestPath} is reached through a symbolic link; nothing is written through it.`);
      await writeFileAtomic(file, [data], fs);
      track(file, data.length);
      memory.keep(file, data);
      // In the background: the response that wrote the file does not wait for old files to go.
      void evict();
      return { stored: true };
    } catch (error) {
      writeFailures++;
      memory.keep(file, data);
      return { stored: false, error };
    }
  }

  /** Deletes temporary files that an interrupted write left behind (among `listing`); how many there were. */
  async function removeTemporary(listing?: Awaited<ReturnType<typeof listAll>>): Promise<number> {
    let removed = 0;
    for (const entry of listing ?? (await listAll())) {
      if (!entry.isFile() || !isTemporaryName(entry.name)) continue;
      await nodeFs.rm(path.join(entry.parentPath, entry.name), { force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Makes the cache folder ready at start-up without walking it: created when missing, its
   * real path taken (every read and write is confined to it), whether it can be written, and
   * the time of a clear whose files may still be there. Reads and writes work from then on;
   * `index` walks the folder in the background.
   */
  async function open(): Promise<{ writable: boolean }> {
    entries.clear();
    byName.clear();
    perPath.clear();
    bytes = 0;
    memory.clear();
    indexed = false;
    const writable = await nodeFs.mkdir(root, { recursive: true }).then(
      () => nodeFs.access(root, fsConstants.W_OK).then(() => true),
      () => false,
    ).catch(() => false);
    await confine();
    // A clear of everything whose files were not all deleted before the server stopped.
    unfinishedClear = await nodeFs.readFile(marker).then((data) => Number(String(data)), () => null);
    return { writable };
  }

  /**
   * Walks the cache folder once, in the background after `open`: removes temporary files
   * left by an interrupted write, dooms the files of an unfinished clear, counts the rest
   * (the least recently used first by age) and then applies the size bound. Until it ends,
   * statistics count only what was written since, the bound waits, and while a clear is
   * unfinished only files written since are read. Reports the symbolic links found, which
   * reads and writes never follow.
   */
  function index(): Promise<{ removedTemporary: number; links: string[] }> {
    const walked = walk();
    indexing = walked.then(
      () => undefined,
      () => undefined,
    );
    return walked;
  }

  async function walk(): Promise<{ removedTemporary: number; links: string[] }> {
    const listing = await listAll();
    const links = listing.filter((entry) => entry.isSymbolicLink()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
    const removedTemporary = await removeTemporary(listing);
    const found: Array<{ file: string; size: number; mtimeMs: number }> = [];
    const cleared: string[] = [];
    for (const entry of listing) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      if (entry.name.startsWith('.') || path.relative(root, file).startsWith('.') || entries.has(file) || doomed.has(file)) continue;
      const stat = await nodeFs.stat(file).catch(() => null);
      if (!stat) continue;
      const clearedAt = Math.max(unfinishedClear ?? -Infinity, clearedWhileIndexing);
      if (stat.mtimeMs <= clearedAt && isDerivativeName(entry.name)) cleared.push(file);
      else found.push({ file, size: stat.size, mtimeMs: stat.mtimeMs });
    }
    for (const file of cleared) doomed.add(file);
    if (unfinishedClear !== null) deleteInBackground(cleared, unfinishedClear);
    else if (cleared.length > 0) deleteInBackground(cleared, clearedWhileIndexing);
    // Until files are read again, the oldest written counts as the least recently used;
    // files written while the walk ran are newer than all of them.
    const written = [...entries.keys()];
    for (const { file, size } of found.sort((a, b) => a.mtimeMs - b.mtimeMs)) track(file, size);
    for (const file of written) entries.get(file);
    indexed = true;
    unfinishedClear = null;
    await evict();
    return { removedTemporary, links };
  }

  /** `open` then `index`, waited for: what a tool or a test that needs the whole index at once calls. */
  async function scan(): Promise<{ removedTemporary: number; writable: boolean; links: string[] }> {
    const { writable } = await open();
    return { writable, ...(await index()) };
  }

  /** Deletes one derivative file; what it freed, or nothing when it was already gone. */
  async function remove(file: string): Promise<{ files: number; bytes: number }> {
    const stat = await nodeFs.stat(file).catch(() => null);
    forget(file);
    if (!stat) return { files: 0, bytes: 0 };
    await nodeFs.rm(file, { force: true });
    return { files: 1, bytes: stat.size };
  }

  /**
   * Deletes the derivatives stored for these requested paths; those of paths nested below
   * them (a group's members) are other images and stay.
   */
  async function clearPaths(requestPaths: Iterable<string>): Promise<{ files: number; bytes: number }> {
    const freed = { files: 0, bytes: 0 };
    const dirs = new Set([...requestPaths].map(folderOf));
    for (const dir of dirs) {
      const entries = await nodeFs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile() || !isDerivativeName(entry.name)) continue;
        const removed = await remove(path.join(dir, entry.name));
        freed.files += removed.files;
        freed.bytes += removed.bytes;
      }
    }
    // A file deleted by hand may still be in memory.
    for (const file of memory.keys()) if (dirs.has(path.dirname(file))) forget(file);
    return freed;
  }

  /**
   * The requested paths that have derivatives stored, `/`-separated, from the index (no look
   * at the disk); the placeholder's folder is not one.
   */
  function requestPaths(): string[] {
    return [...perPath.keys()];
  }

  /** Deletes cleared files still on disk, then the folders they leave empty (deepest first; rmdir refuses others). */
  async function deleteDoomed(files: readonly string[]): Promise<void> {
    for (const file of files) {
      // Out of the doomed set only once gone, so it is never read in between.
      if (!doomed.has(file)) continue;
      await nodeFs.rm(file, { force: true }).catch(() => undefined);
      doomed.delete(file);
    }
    // Each top folder the files were in, and every folder inside it (emptied by earlier clears too).
    const tops = new Set(files.map((file) => path.join(root, file.slice(root.length + 1).split('/')[0] as string)));
    const folders = [...tops];
    for (const top of tops) {
      const inside = await nodeFs.readdir(top, { recursive: true, withFileTypes: true }).catch(() => []);
      folders.push(...inside.filter((entry) => entry.isDirectory()).map((entry) => path.join(entry.parentPath, entry.name)));
    }
    for (const folder of folders.sort((a, b) => b.length - a.length)) await nodeFs.rmdir(folder).catch(() => undefined);
  }

  /** Forgets the marker of a clear once its files are gone, unless a later clear wrote its own. */
  async function unmark(at: number): Promise<void> {
    const marked = await nodeFs.readFile(marker).then(String, () => null);
    if (marked === String(at)) await nodeFs.rm(marker, { force: true }).catch(() => undefined);
  }

  /** Deletes doomed files in the background, then the marker of the clear that doomed them. */
  function deleteInBackground(files: readonly string[], at: number): void {
    deleting = deleting.then(() => deleteDoomed(files)).then(() => unmark(at));
  }

  /**
   * Clears every derivative at once for its callers: the cache's index (which knows every
   * derivative and its size since the start-up walk) forgets them, reads miss from then on,
   * and the files are deleted in the background, then the folders left empty. A marker with
   * the time of the clear is written first, so that files a stop leaves behind are known for
   * cleared at the next start (see `scan`) and the stop need not wait for them. Only files
   * the cache writes are deleted, so a file put there by hand (or a misconfigured folder)
   * survives; dot folders (the generated placeholder's) are left alone. What is freed is
   * counted from the index.
   */
  async function clearAll(): Promise<{ files: number; bytes: number }> {
    const at = Date.now();
    if (!indexed) clearedWhileIndexing = at;
    const files = [...entries.keys()].filter((file) => isDerivativeName(nameOf(file)));
    const freed = { files: files.length, bytes: 0 };
    for (const file of files) {
      freed.bytes += entries.peek(file) ?? 0;
      forget(file);
      doomed.add(file);
    }
    memory.clear();
    // Without the marker (a read-only folder), the files cannot be deleted either; they stay doomed while this process runs.
    await writeFileAtomic(marker, [Buffer.from(String(at))], fs).catch(() => undefined);
    deleteInBackground(files, at);
    return freed;
  }

  /** Whether a derivative file (as `locate` names it) is known to be on disk or in memory, without touching the disk. */
  function knows(file: string): boolean {
    return entries.has(file) || memory.has(file);
  }

  return {
    root,
    locate,
    inMemory,
    read,
    adopt,
    has,
    write,
    open,
    index,
    scan,
    /** Settles once the start-up walk has counted every file (at once when it has). */
    indexed: (): Promise<void> => indexing,
    removeTemporary: () => removeTemporary(),
    requestPaths,
    clearPaths,
    clearAll,
    /** Another replica cleared these paths (null: everything): this replica's own folder is cleared the same way. */
    clearedElsewhere: (requestPaths: Iterable<string> | null) => (requestPaths === null ? clearAll() : clearPaths(requestPaths)),
    /** Settles once the files of every clear so far are deleted. */
    deleted: (): Promise<void> => deleting,
    knows,
    /** Forgets what is held in memory (the disk is read again): another replica may have cleared it unheard. */
    dropMemory: memory.clear,
    stats: () => ({ files: entries.size, bytes, ...memory.stats(), writeFailures, damaged }),
    /** Settles when eviction running now (if any) has finished. */
    evicted: (): Promise<void> => evicting ?? Promise.resolve(),
  };
}

export type DiskCache = ReturnType<typeof createDiskCache>;
