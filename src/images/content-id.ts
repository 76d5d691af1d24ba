import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import { createMemo } from '../memo';
import { MEMORY_BOUNDS } from '../memory-bounds';
import { SourceGoneError } from './transform';

/** What a file is at one moment: while all of it stays the same, so do its bytes. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** Moves on every write and cannot be set back: a rewrite that restores the size and mtime still shows. */
  readonly ctimeMs: number;
}

/** The little of the file system that hashing needs; `stat` follows symbolic links. */
export interface ContentFs {
  stat(file: string): Promise<FileIdentity | null>;
  /** The file's bytes in chunks, each read asynchronously: hashing a large file never holds the event loop for long. */
  read(file: string): AsyncIterable<Uint8Array>;
}

/** A file's content id, with the identity it was read at (a file that changed while it was read is read again). */
export interface Identified {
  readonly identity: FileIdentity;
  /** SHA-256 of `blob {size}\0` and the bytes, hex: the object id git gives the file in a SHA-256 repository. */
  readonly id: string;
}

// Reads of a file that keeps changing before it is taken for one being written.
const ATTEMPTS = 3;
const READS_AT_ONCE = 2;

/** SHA-256, fed git's blob header for `size` bytes: what every content id is made with. */
const blobHash = (size: number) => createHash('sha256').update(`blob ${size}\0`);

/** The content id of bytes held in memory (a watermark's): the same as a file of these bytes gets. */
export const contentIdOf = (bytes: Uint8Array): string => blobHash(bytes.length).update(bytes).digest('hex');

const keyOf = (identity: FileIdentity) => `${identity.dev}:${identity.ino}:${identity.size}:${identity.mtimeMs}:${identity.ctimeMs}`;

/** A file that keeps changing while it is read: a file being written, not a fault of the server. */
export const beingWritten = (cause?: unknown): AppError => new AppError('UNSUPPORTED_IMAGE', 'The source file is being written; ask again once it is whole.', { cause });

/** Whether two looks saw the file at one identity: nothing was written to it between them. */
export const sameIdentity = (a: FileIdentity, b: FileIdentity): boolean => keyOf(a) === keyOf(b);

/**
 * Content ids of source files, read once per file identity (device, inode, size, times) and
 * remembered, at most `maxEntries`: a file only touched is read again and keeps its id, so
 * only its bytes decide it. Concurrent first sights of one identity share one read.
 */
export function createContentIds(fs: ContentFs, maxEntries: number = MEMORY_BOUNDS.contentIds) {
  // Ids only, not identities: a stat result holds many more fields than the key needs.
  const known = createMemo<Promise<string>>(maxEntries);
  const totals = { files: 0, bytes: 0 };

  // Reads at once: every chunk is hashed on the event loop, so more at once hash no faster, and
  // each chunk that lands meanwhile is one more that a hit answered in that turn waits behind.
  let reading = 0;
  const waiting: Array<() => void> = [];

  /** Hashes the file as read now; null when it did not hold `size` bytes (it changed meanwhile). */
  async function hash(file: string, size: number): Promise<string | null> {
    if (reading >= READS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
    else reading++;
    try {
      return await hashNow(file, size);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else reading--;
    }
  }

  async function hashNow(file: string, size: number): Promise<string | null> {
    const sha = blobHash(size);
    let read = 0;
    totals.files++;
    try {
      for await (const chunk of fs.read(file)) {
        read += chunk.length;
        totals.bytes += chunk.length;
        if (read > size) return null;
        sha.update(chunk);
      }
    } catch (error) {
      throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? new SourceGoneError(error) : error;
    }
    return read === size ? sha.digest('hex') : null;
  }

  /** Reads until a read starts and ends at one identity, which the answer names. */
  async function settle(file: string, seen: FileIdentity): Promise<Identified> {
    let identity = seen;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const id = await hash(file, identity.size);
      const after = await fs.stat(file);
      if (after === null) throw new SourceGoneError(new Error('The file went while it was read.'));
      if (id !== null && keyOf(after) === keyOf(identity)) return { identity, id };
      const remembered = known.get(keyOf(after));
      if (remembered) return { identity: after, id: await remembered };
      identity = after;
    }
    throw beingWritten();
  }

  /** The content id of `file`, last seen (stat) at `seen`; rejects with SourceGoneError when the file is gone. */
  function identify(file: string, seen: FileIdentity): Promise<Identified> {
    const key = keyOf(seen);
    const remembered = known.get(key);
    if (remembered) return remembered.then((id) => ({ identity: seen, id }));

    const settled = settle(file, seen);
    const id = settled.then((found) => found.id);
    known.set(key, id);
    // A failure is not remembered: the next look reads again.
    id.catch(() => known.forget(key, id));
    // Read at another identity than `seen`: remembered under that one only.
    settled.then(
      (found) => {
        if (keyOf(found.identity) === key) return;
        known.forget(key, id);
        known.set(keyOf(found.identity), id);
      },
      () => undefined,
    );
    return settled;
  }

  return {
    identify,
    /** Files read to find their ids so far (a file read again after a change counts again), and their bytes. */
    stats: () => ({ ...totals }),
  };
}

export type ContentIds = ReturnType<typeof createContentIds>;
