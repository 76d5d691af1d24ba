import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write';
import type { Placeholder } from './resolve';

/**
 * The generated placeholder lives in the cache directory (a dot folder no requested path
 * can reach), never in the images directory, which may be a git checkout.
 * It is made on first need and reused; `render` produces its bytes.
 */
export function createPlaceholder(cacheDir: string, render: () => Promise<Buffer>): () => Promise<Placeholder> {
  const file = path.join(cacheDir, '.placeholder', 'goimgserver-v1.png');
  let pending: Promise<Placeholder> | undefined;

  async function make(): Promise<Placeholder> {
    const existing = await fs.stat(file).catch(() => null);
    if (!existing) await writeFileAtomic(file, [await render()]);
    const stat = existing ?? (await fs.stat(file));
    return { file, size: stat.size, mtimeMs: stat.mtimeMs };
  }

  return () => {
    pending ??= make().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
