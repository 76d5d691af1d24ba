import { constants as fsConstants, promises as nodeFs, type Dirent } from 'node:fs';
import path from 'node:path';
import { isTemporaryName, writeFileAtomic, type WriteFs } from '../fs/atomic-write';
import { createConfinement } from '../fs/confined-folder';
import type { Freed } from '../images/derivative-cache';
import { isDerivativeName, isStorable, isStorablePath } from '../images/derivative-names';
import type { DerivativeStore } from '../images/derivative-store';

/** The file operations the store reads and writes with, so a test can fail a read the way NFS does (ESTALE). */
export type SharedFolderFs = WriteFs & Pick<typeof nodeFs, 'readFile' | 'lstat'>;

export interface SharedFolderOptions {
  dir: string;
  /** This replica's id (host name and process id): its writes are staged in a folder of that name. */
  replica: string;
  /** Age past which a staged temporary file, or a clear's folder, is taken for what a replica that died left, in milliseconds. @default 3_600_000 */
  staleAfterMs?: number;
  fs?: SharedFolderFs;
}

// Writes are staged here, one folder per replica, then renamed into place: a start-up finds
// every write under way or left over without walking the derivatives.
const INCOMING = '.incoming';
// A clear of everything moves the derivatives' top folders here, one folder per clear, then deletes them.
const DOOMED = '.doomed';

// A file another replica has just deleted or moved away is a miss, not a failure.
const gone = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');
// A derivative's name that is a symbolic link (planted by hand or by another host): never followed, a miss.
const linked = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ELOOP';
const READ_NO_LINK = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW;
const listed = (dir: string, recursive = false): Promise<Dirent[]> => nodeFs.readdir(dir, { withFileTypes: true, recursive }).catch(() => []);

/**
 * Derivatives in a folder every replica mounts (NFS, say) at `{dir}/{requested path}/{key}.{ending}`,
 * the layout of the local cache. Nothing is walked at start-up and nothing bounds the size.
 * Each replica stages its writes in `.incoming/{replica}/` and renames them into place, so a
 * reader sees a whole file or none; at start-up only staged files over an hour old are
 * removed (no write takes that long), never another replica's write under way. A clear of
 * everything renames the top folders into `.doomed/` (every replica misses at once) and
 * deletes them in the background. A file that goes between two looks is a miss; a stale
 * handle (ESTALE) or any other error is thrown, for the cache to count and miss. Reads and
 * writes never go through a symbolic link inside the folder: other hosts write it too, so
 * folders are looked at again at every read and write (never remembered), a derivative that
 * is a link is a miss, and a `.incoming` or `.doomed` that leads elsewhere is never used.
 */
export function createSharedFolderStore(options: SharedFolderOptions): DerivativeStore {
  const root = path.resolve(options.dir);
  const fs = options.fs ?? nodeFs;
  const staleAfterMs = options.staleAfterMs ?? 3_600_000;
  const replica = options.replica.replace(/^\.|[^A-Za-z0-9.-]/g, '_');
  const staging = path.join(root, INCOMING, replica);
  const { confined, open: confine } = createConfinement(root, { remember: false });
  // This process's temporary files, from their creation until renamed or removed: what a stop removes.
  const inFlight = new Set<string>();
  const tracking: WriteFs = {
    mkdir: fs.mkdir,
    open: (async (file: string, ...rest: unknown[]) => {
      const handle = await (fs.open as (...args: unknown[]) => Promise<nodeFs.FileHandle>)(file, ...rest);
      inFlight.add(file);
      return handle;
    }) as WriteFs['open'],
    rename: async (from, to) => {
      await fs.rename(from, to);
      inFlight.delete(String(from));
    },
    rm: async (file, how) => {
      await fs.rm(file, how);
      inFlight.delete(String(file));
    },
  };

  const fileOf = (requestPath: string, name: string) => `${root}/${requestPath}/${name}`;
  const within = async (requestPath: string, name: string) => isStorable(requestPath, name) && (await confined(requestPath));

  /** Deletes the derivatives and temporary files under a clear's folder, then the folders they leave empty. */
  async function deleteDoomed(folder: string): Promise<Freed> {
    const freed = { files: 0, bytes: 0 };
    const entries = await listed(folder, true);
    for (const entry of entries) {
      if (!entry.isFile() || !(isDerivativeName(entry.name) || isTemporaryName(entry.name))) continue;
      const file = path.join(entry.parentPath, entry.name);
      const stat = await nodeFs.stat(file).catch(() => null);
      await nodeFs.rm(file, { force: true });
      if (stat && isDerivativeName(entry.name)) {
        freed.files++;
        freed.bytes += stat.size;
      }
    }
    // Deepest first; rmdir refuses a folder that still holds something put there by hand.
    const folders = [folder, ...entries.filter((entry) => entry.isDirectory()).map((entry) => path.join(entry.parentPath, entry.name))];
    for (const dir of folders.sort((a, b) => b.length - a.length)) await nodeFs.rmdir(dir).catch(() => undefined);
    return freed;
  }

  const isStale = async (file: string, now: number) => {
    const stat = await nodeFs.stat(file).catch(() => null);
    return stat !== null && now - stat.mtimeMs > staleAfterMs;
  };

  return {
    where: root,

    async open() {
      const writable = await nodeFs
        .mkdir(root, { recursive: true })
        .then(() => nodeFs.access(root, fsConstants.W_OK))
        .then(
          () => true,
          () => false,
        );
      await confine();
      return { writable };
    },

    async sweep() {
      const now = Date.now();
      let removedTemporary = 0;
      // A link in place of either folder leads elsewhere: nothing there is this store's to delete.
      const [incoming, doomed] = [await confined(INCOMING), await confined(DOOMED)];
      for (const stage of incoming ? await listed(path.join(root, INCOMING)) : []) {
        if (!stage.isDirectory()) continue;
        const folder = path.join(root, INCOMING, stage.name);
        // Untouched for an hour (a write adds and removes a file): the stage of a replica gone or idle.
        const abandoned = stage.name !== replica && (await isStale(folder, now));
        for (const entry of await listed(folder)) {
          const file = path.join(folder, entry.name);
          if (!entry.isFile() || !isTemporaryName(entry.name) || !(await isStale(file, now))) continue;
          await nodeFs.rm(file, { force: true });
          removedTemporary++;
        }
        // A live replica makes its stage again at its next write.
        if (abandoned) await nodeFs.rmdir(folder).catch(() => undefined);
      }
      // Clears whose deletion a stop cut short; younger ones may still be under way on another replica.
      for (const clear of doomed ? await listed(path.join(root, DOOMED)) : []) {
        const folder = path.join(root, DOOMED, clear.name);
        if (clear.isDirectory() && (await isStale(folder, now))) await deleteDoomed(folder);
      }
      return { removedTemporary };
    },

    async read(requestPath, name) {
      if (!(await within(requestPath, name))) return null;
      return fs.readFile(fileOf(requestPath, name), { flag: READ_NO_LINK }).catch((error: unknown) => {
        if (gone(error) || linked(error)) return null;
        throw error;
      });
    },

    async has(requestPath, name) {
      if (!(await within(requestPath, name))) return false;
      return fs.lstat(fileOf(requestPath, name)).then(
        (stat) => stat.isFile(),
        (error: unknown) => {
          if (gone(error)) return false;
          throw error;
        },
      );
    },

    async write(requestPath, name, data) {
      if (!(await within(requestPath, name))) throw new Error(`The shared cache folder for ${requestPath} is reached through a symbolic link, or ${name} is no derivative; nothing is written through it.`);
      // Looked at before the stage is made (nothing is made elsewhere) and after (a link put there meanwhile).
      const staged = async () => (await confined(INCOMING)) && (await confined(`${INCOMING}/${replica}`));
      if (!(await staged()) || !(await fs.mkdir(staging, { recursive: true }).then(staged))) throw new Error(`The shared cache folder's ${INCOMING}/${replica} leads elsewhere through a symbolic link; nothing is staged through it.`);
      await writeFileAtomic(fileOf(requestPath, name), [data], tracking, staging);
    },

    async remove(requestPath, name) {
      if (await within(requestPath, name)) await nodeFs.rm(fileOf(requestPath, name), { force: true });
    },

    async clearPaths(requestPaths) {
      const freed = { files: 0, bytes: 0 };
      for (const requestPath of new Set(requestPaths)) {
        if (!isStorablePath(requestPath) || !(await confined(requestPath))) continue;
        const dir = `${root}/${requestPath}`;
        for (const entry of await nodeFs.readdir(dir, { withFileTypes: true }).catch((error: unknown) => (gone(error) ? [] : Promise.reject(error)))) {
          if (!entry.isFile() || !isDerivativeName(entry.name)) continue;
          // Another replica clearing the same path at once may delete it first: counted once.
          const stat = await nodeFs.stat(path.join(dir, entry.name)).catch(() => null);
          if (!stat) continue;
          await nodeFs.rm(path.join(dir, entry.name), { force: true });
          freed.files++;
          freed.bytes += stat.size;
        }
      }
      return freed;
    },

    async clearAll() {
      const clear = `${DOOMED}/${Date.now()}-${replica}`;
      const doomed = path.join(root, clear);
      if (!(await confined(DOOMED)) || !(await nodeFs.mkdir(doomed, { recursive: true }).then(() => confined(clear)))) throw new Error(`The shared cache folder's ${DOOMED} leads elsewhere through a symbolic link; nothing is moved into it.`);
      // Every requested path's top folder; dot folders (staging, clears, the placeholder) stay, and so do links and files.
      for (const entry of await nodeFs.readdir(root, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
        // Another replica clearing at the same time may have moved it first.
        await nodeFs.rename(path.join(root, entry.name), path.join(doomed, entry.name)).catch((error: unknown) => (gone(error) ? undefined : Promise.reject(error)));
      }
      return { deleted: deleteDoomed(doomed) };
    },

    // A clear of the folder is seen by every replica at once: nothing to look at again.
    refresh: async () => undefined,

    async close() {
      let removedTemporary = 0;
      for (const file of inFlight) {
        await nodeFs.rm(file, { force: true });
        removedTemporary++;
      }
      inFlight.clear();
      await nodeFs.rmdir(staging).catch(() => undefined);
      return { removedTemporary };
    },
  };
}
