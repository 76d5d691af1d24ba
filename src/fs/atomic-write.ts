import { randomBytes } from 'node:crypto';
import { promises as nodeFs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

/** The file operations an atomic write uses, so a test can inject a fault it cannot cause for real. */
export type WriteFs = Pick<typeof nodeFs, 'open' | 'rename' | 'rm' | 'mkdir'>;

export const TEMP_SUFFIX = '.tmp';

// Which machine and process writes: replicas sharing one folder never pick the same temporary name.
const WRITER = `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9-]/g, '_');

/**
 * Temporary files start with a dot, which no requested path segment may, so they never
 * collide; they name the host and process that writes them, then a random part. They sit in
 * the target's folder unless `folder` names another (on the same file system, or the rename fails).
 */
export function temporaryName(target: string, folder = path.dirname(target)): string {
  return path.join(folder, `.${path.basename(target)}.${WRITER}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

export function isTemporaryName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

/**
 * Writes chunks to a temporary file in the target's folder (or in `stagingDir`, on the same
 * file system), then renames it over the target: readers see the old file or the whole new
 * one, never a part. A write call may write fewer bytes than asked without failing (a nearly
 * full disk): each chunk is written until every byte is, and the file's size is checked
 * before the rename. On any failure the temporary file is removed and the error rethrown.
 */
export async function writeFileAtomic(
  target: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  fs: WriteFs = nodeFs,
  stagingDir?: string,
): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  if (stagingDir !== undefined) await fs.mkdir(stagingDir, { recursive: true });
  const temporary = temporaryName(target, stagingDir);
  const handle = await fs.open(temporary, 'wx');
  try {
    try {
      let total = 0;
      for await (const chunk of chunks) total += await writeAll(handle, chunk);
      const { size } = await handle.stat();
      if (size !== total) throw shortWrite(`${size} of ${total} bytes on disk`);
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

function shortWrite(detail: string): Error {
  return Object.assign(new Error(`Short write: ${detail}`), { code: 'ENOSPC' });
}

/** Writes every byte of `chunk`, however many calls it takes; a call that writes nothing fails. */
async function writeAll(handle: nodeFs.FileHandle, chunk: Uint8Array): Promise<number> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    if (bytesWritten <= 0) throw shortWrite(`nothing written at byte ${offset}`);
    offset += bytesWritten;
  }
  return chunk.length;
}
