import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write';
import type { Placeholder } from './resolve';

// A fixed time for Last-Modified: the placeholder's bytes do not depend on when it was made.
const MADE_AT = Date.UTC(2026, 0, 1);
// Its version stands for this name, not for its bytes, which differ with the machine's fonts:
// every replica mints the same URLs for it. A new design takes a new name.
const DESIGN = 'goimgserver-v1';
// After a failed copy, the next try waits this long: a read-only cache would otherwise log a failure per request.
const RETRY_MS = 60_000;

/**
 * The generated placeholder: rendered once per process and served from memory, so that
 * neither a full or read-only cache nor a cache folder deleted while running can break the
 * fallback chain. A copy is kept in the cache directory (a dot folder no requested path can
 * reach), never in the images directory, which may be a git checkout; it is written again
 * when it is missing or differs, and a failure to write it is only reported.
 */
export function createPlaceholder(cacheDir: string, render: () => Promise<Buffer>, onWriteFailure: (error: unknown) => void = () => undefined): () => Promise<Placeholder> {
  const file = path.join(cacheDir, '.placeholder', `${DESIGN}.png`);
  let made: Promise<Placeholder> | undefined;
  let writing: Promise<void> | null = null;
  let failedAt = -Infinity;
  // Once the copy on disk is known to hold these bytes, only its presence is checked again.
  let verified = false;

  function keepCopy(data: Buffer): void {
    if (writing || Date.now() - failedAt < RETRY_MS) return;
    writing = (async () => {
      if (verified && (await fs.access(file).then(() => true, () => false))) return;
      const onDisk = verified ? null : await fs.readFile(file).catch(() => null);
      if (!onDisk?.equals(data)) await writeFileAtomic(file, [data]);
      verified = true;
    })()
      .catch((error: unknown) => {
        failedAt = Date.now();
        onWriteFailure(error);
      })
      .finally(() => {
        writing = null;
      });
  }

  return async () => {
    made ??= render().then(
      (data) => ({ file, data, size: data.length, mtimeMs: MADE_AT, contentId: DESIGN }),
      (error: unknown) => {
        made = undefined;
        throw error;
      },
    );
    const placeholder = await made;
    keepCopy(placeholder.data);
    return placeholder;
  };
}
