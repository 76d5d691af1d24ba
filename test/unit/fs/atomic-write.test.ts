import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../../src/fs/atomic-write';
import { tempDir } from '../../helpers/temp';

const root = tempDir();

/** The real file system, with writes that take at most `most` bytes per call, or none at all: what a nearly full disk does. */
function shortWrites(most: number) {
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      const write = (data: Uint8Array, offset = 0, length = data.length - offset) => handle.write(data, offset, Math.min(length, most));
      return Object.assign(Object.create(handle), { write, stat: () => handle.stat(), close: () => handle.close() });
    },
  } as unknown as typeof fs;
}

describe('atomic writes on a file system that writes short', () => {
  it('writes every byte, however many calls it takes', async () => {
    const target = path.join(root, 'short', 'file.bin');
    const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
    await writeFileAtomic(target, [data.subarray(0, 3000), data.subarray(3000)], shortWrites(97));
    expect(readFileSync(target).equals(data)).toBe(true);
  });

  it('fails, leaving neither the target nor a temporary file, when a write writes nothing', async () => {
    const dir = path.join(root, 'none');
    await expect(writeFileAtomic(path.join(dir, 'file.bin'), [Buffer.alloc(100, 1)], shortWrites(0))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readdirSync(dir)).toEqual([]);
  });
});
