import { existsSync, promises as fs, utimesSync } from 'node:fs';
import path from 'node:path';
import { createDiskCache, type CacheFs } from '../../src/images/cache';
import { loadConfig } from '../../src/config/load';
import { writeFile } from '../helpers/images';
import { tempDir } from '../helpers/temp';

const KB = 1024;
const root = tempDir();
let folders = 0;
/** A fresh cache folder inside this file's temporary folder. */
const cacheDir = () => path.join(root, `cache${++folders}`);
const name = (n: number) => `${String(n).padStart(32, '0')}.webp`;
/** `size` bytes framed as a WebP file (RIFF header with the right length), as the cache checks on reading. */
const bytes = (size: number) => {
  const data = Buffer.alloc(size, 7);
  data.write('RIFF', 0, 'latin1');
  data.writeUInt32LE(size - 8, 4);
  data.write('WEBP', 8, 'latin1');
  return data;
};
/** What the cache holds in memory for derivative `n` of `requestPath`. */
const inMemory = (cache: ReturnType<typeof createDiskCache>, requestPath: string, n: number) => cache.inMemory(cache.locate(requestPath, name(n)));

describe('a bounded cache', () => {
  it('deletes the least recently used derivatives past the bound, keeping what was read lately', async () => {
    const dir = cacheDir();
    const cache = createDiskCache({ dir, maxBytes: 10 * KB });
    await cache.scan();
    for (let n = 1; n <= 4; n++) await cache.write(`image${n}`, name(n), bytes(2 * KB));
    expect(await cache.read('image1', name(1))).not.toBeNull();

    await cache.write('image5', name(5), bytes(3 * KB));
    await cache.evicted();

    expect(cache.stats().bytes).toBeLessThanOrEqual(9 * KB);
    expect([1, 2, 3, 4, 5].map((n) => existsSync(cache.locate(`image${n}`, name(n))))).toEqual([true, false, true, true, true]);
    expect(cache.stats()).toEqual({ files: 4, bytes: 9 * KB, memoryFiles: 0, memoryBytes: 0, writeFailures: 0, damaged: 0 });
  });

  it('keeps a derivative whose read is still in progress (a read held open by a test double), and evicts it later', async () => {
    const dir = cacheDir();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowFs: CacheFs = {
      ...fs,
      readFile: (async (file: Parameters<typeof fs.readFile>[0]) => {
        if (String(file).endsWith(name(1))) await held;
        return fs.readFile(file);
      }) as CacheFs['readFile'],
    };
    const cache = createDiskCache({ dir, maxBytes: 4 * KB }, slowFs);
    await cache.scan();
    await cache.write('a', name(1), bytes(2 * KB));
    await cache.write('b', name(2), bytes(2 * KB));

    const reading = cache.read('a', name(1));
    await cache.write('c', name(3), bytes(2 * KB));
    await cache.evicted();
    expect(existsSync(cache.locate('a', name(1)))).toBe(true);
    expect(existsSync(cache.locate('b', name(2)))).toBe(false);

    release();
    expect((await reading)?.length).toBe(2 * KB);
    await cache.write('d', name(4), bytes(2 * KB));
    await cache.write('e', name(5), bytes(2 * KB));
    await cache.evicted();
    expect(existsSync(cache.locate('a', name(1)))).toBe(false);
    expect(existsSync(cache.locate('e', name(5)))).toBe(true);
    expect(cache.stats().bytes).toBeLessThanOrEqual(4 * KB);
  });

  it('orders what it finds at start-up by age and trims it to the bound', async () => {
    const dir = cacheDir();
    for (let n = 1; n <= 3; n++) {
      const file = writeFile(dir, `old${n}/${name(n)}`, bytes(2 * KB));
      utimesSync(file, new Date(2020, 0, n), new Date(2020, 0, n));
    }
    writeFile(dir, `.placeholder/placeholder.png`, bytes(5 * KB));
    const cache = createDiskCache({ dir, maxBytes: 5 * KB });
    await cache.scan();
    expect([1, 2, 3].map((n) => existsSync(path.join(dir, `old${n}`, name(n))))).toEqual([false, true, true]);
    expect(existsSync(path.join(dir, '.placeholder/placeholder.png'))).toBe(true);
    expect(cache.stats()).toEqual({ files: 2, bytes: 4 * KB, memoryFiles: 0, memoryBytes: 0, writeFailures: 0, damaged: 0 });
  });

  it('never bounds a cache configured with 0', async () => {
    const cache = createDiskCache({ dir: cacheDir(), maxBytes: 0 });
    await cache.scan();
    for (let n = 1; n <= 5; n++) await cache.write(`i${n}`, name(n), bytes(4 * KB));
    expect(cache.stats()).toEqual({ files: 5, bytes: 20 * KB, memoryFiles: 0, memoryBytes: 0, writeFailures: 0, damaged: 0 });
  });
});

describe('--cache-max-size', () => {
  it.each([
    ['0', 0],
    ['4096', 4096],
    ['512m', 512 * 1024 ** 2],
    ['10G', 10 * 1024 ** 3],
  ])('reads %j as %d bytes', (given, expected) => {
    expect(loadConfig(['--cache-max-size', given], {}, '/srv').cacheMaxSize).toBe(expected);
  });

  it('refuses a size it cannot read', () => {
    expect(() => loadConfig(['--cache-max-size', '10 GB'], {}, '/srv')).toThrow('Expected a size in bytes, or with k, m or g (such as 10g), or 0 for --cache-max-size but received "10 GB"');
  });
});

describe('derivatives kept in memory', () => {
  it('serves recently used derivatives without reading the disk, least recently used out first, within the bound', async () => {
    const dir = cacheDir();
    let diskReads = 0;
    const countingFs: CacheFs = {
      ...fs,
      readFile: (async (...args: Parameters<typeof fs.readFile>) => {
        diskReads++;
        return fs.readFile(...args);
      }) as CacheFs['readFile'],
    };
    const cache = createDiskCache({ dir, memoryBytes: 16 * KB }, countingFs);
    await cache.scan();
    for (let n = 1; n <= 8; n++) await cache.write(`image${n}`, name(n), bytes(2 * KB));
    expect(cache.stats()).toMatchObject({ files: 8, memoryFiles: 8, memoryBytes: 16 * KB });

    expect(await cache.read('image1', name(1))).toEqual(bytes(2 * KB));
    await cache.write('image9', name(9), bytes(2 * KB));
    // image2 was the least recently used: it left memory, the rest stayed.
    expect(inMemory(cache, 'image2', 2)).toBeUndefined();
    expect(inMemory(cache, 'image1', 1)).toEqual(bytes(2 * KB));
    expect(diskReads).toBe(0);

    expect(await cache.read('image2', name(2))).toEqual(bytes(2 * KB));
    expect(diskReads).toBe(1);
    expect(inMemory(cache, 'image2', 2)).toEqual(bytes(2 * KB));
    expect(cache.stats().memoryBytes).toBeLessThanOrEqual(16 * KB);
  });

  it('keeps a file over an eighth of the bound on disk only', async () => {
    const cache = createDiskCache({ dir: cacheDir(), memoryBytes: 16 * KB });
    await cache.scan();
    await cache.write('large', name(1), bytes(2 * KB + 1));
    expect(inMemory(cache, 'large', 1)).toBeUndefined();
    expect(await cache.read('large', name(1))).toEqual(bytes(2 * KB + 1));
    expect(cache.stats()).toMatchObject({ files: 1, memoryFiles: 0, memoryBytes: 0, writeFailures: 0, damaged: 0 });
  });

  it('forgets in memory what clearing or eviction deletes, even a file deleted by hand before', async () => {
    const cache = createDiskCache({ dir: cacheDir(), maxBytes: 10 * KB, memoryBytes: 64 * KB });
    await cache.scan();
    for (let n = 1; n <= 3; n++) await cache.write(`image${n}`, name(n), bytes(2 * KB));
    await fs.rm(cache.locate('image1', name(1)));
    expect(await cache.read('image1', name(1))).toEqual(bytes(2 * KB));

    await cache.clearPaths(['image1']);
    expect(await cache.read('image1', name(1))).toBeNull();

    await cache.write('image4', name(4), bytes(2 * KB));
    // 11 KB on disk: the least recently used, image2, goes from disk and memory.
    await cache.write('image5', name(5), bytes(5 * KB));
    await cache.evicted();
    expect(inMemory(cache, 'image2', 2)).toBeUndefined();
    expect(await cache.read('image2', name(2))).toBeNull();

    await cache.clearAll();
    expect(inMemory(cache, 'image5', 5)).toBeUndefined();
    expect(cache.stats()).toEqual({ files: 0, bytes: 0, memoryFiles: 0, memoryBytes: 0, writeFailures: 0, damaged: 0 });
  });
});

describe('clearing everything', () => {
  async function filled(count: number) {
    const dir = cacheDir();
    const cache = createDiskCache({ dir, memoryBytes: 64 * KB });
    await cache.scan();
    for (let n = 1; n <= count; n++) await cache.write(`group${n % 3}/image${n}`, name(n), bytes(KB + n));
    return { dir, cache };
  }

  it('answers at once with what the index counted, and misses from then on while the files go in the background', async () => {
    const { dir, cache } = await filled(30);
    await fs.writeFile(path.join(dir, 'group1', 'notes.txt'), 'put here by hand');
    await fs.mkdir(path.join(dir, '.placeholder'));
    await fs.writeFile(path.join(dir, '.placeholder', 'placeholder.png'), 'kept');

    const freed = await cache.clearAll();
    expect(freed).toEqual({ files: 30, bytes: 30 * KB + (30 * 31) / 2 });
    // Nothing cleared is read, whether its file is deleted yet or not.
    for (let n = 1; n <= 30; n++) {
      expect(inMemory(cache, `group${n % 3}/image${n}`, n)).toBeUndefined();
      expect(await cache.read(`group${n % 3}/image${n}`, name(n))).toBeNull();
      expect(await cache.has(`group${n % 3}/image${n}`, name(n))).toBe(false);
    }
    expect(cache.stats()).toMatchObject({ files: 0, bytes: 0, memoryFiles: 0 });

    await cache.deleted();
    const left = (await fs.readdir(dir, { recursive: true })).sort();
    expect(left).toEqual(['.placeholder', '.placeholder/placeholder.png', 'group1', 'group1/notes.txt']);
  });

  it('keeps a derivative written again after the clear, while the old files are still being deleted', async () => {
    const { cache } = await filled(20);
    await cache.clearAll();
    const again = bytes(3 * KB);
    await cache.write('group1/image10', name(10), again);
    await cache.deleted();
    expect(await cache.read('group1/image10', name(10))).toEqual(again);
    expect(existsSync(cache.locate('group1/image10', name(10)))).toBe(true);
    expect(cache.stats()).toMatchObject({ files: 1, bytes: 3 * KB });
  });

  it('writes the time of the clear into the cache folder before it answers, and removes it once the files are gone', async () => {
    const dir = cacheDir();
    const renamed: string[] = [];
    const watched = {
      ...fs,
      rename: async (from: string, to: string) => {
        renamed.push(path.basename(to));
        return fs.rename(from, to);
      },
    } as typeof fs;
    const cache = createDiskCache({ dir }, watched);
    await cache.scan();
    await cache.write('image1', name(1), bytes(KB));
    await cache.clearAll();
    expect(renamed).toEqual([name(1), '.cleared']);
    await cache.deleted();
    expect(existsSync(path.join(dir, '.cleared'))).toBe(false);
  });

  it('never serves, after a restart, the files a clear left behind (a stop does not wait for them), and finishes deleting them', async () => {
    const { dir, cache } = await filled(12);
    await cache.deleted();
    // As a stop right after a clear leaves the folder: the clear's time, the files written before it, one written after.
    const clearedAt = Date.now() - 60_000;
    await fs.writeFile(path.join(dir, '.cleared'), String(clearedAt));
    for (let n = 1; n <= 12; n++) {
      const file = cache.locate(`group${n % 3}/image${n}`, name(n));
      const at = new Date(n === 5 ? clearedAt + 30_000 : clearedAt - 1000);
      await fs.utimes(file, at, at);
    }

    const restarted = createDiskCache({ dir, memoryBytes: 64 * KB });
    await restarted.scan();
    for (let n = 1; n <= 12; n++) {
      expect(await restarted.read(`group${n % 3}/image${n}`, name(n))).toEqual(n === 5 ? bytes(KB + 5) : null);
    }
    expect(restarted.stats()).toMatchObject({ files: 1, bytes: KB + 5 });
    expect(restarted.requestPaths()).toEqual(['group2/image5']);

    await restarted.deleted();
    const left = (await fs.readdir(dir, { recursive: true })).filter((entry) => path.extname(entry) !== '');
    expect(left).toEqual([path.join('group2', 'image5', name(5))]);
  });

  it('never reads or writes through a symbolic link inside the cache folder, even before its walk has found it', async () => {
    const dir = cacheDir();
    const elsewhere = cacheDir();
    await fs.mkdir(path.join(elsewhere, 'photo'), { recursive: true });
    await fs.writeFile(path.join(elsewhere, 'photo', name(1)), bytes(KB));
    await fs.mkdir(dir, { recursive: true });
    await fs.symlink(elsewhere, path.join(dir, 'linked'));
    const cache = createDiskCache({ dir });
    await cache.open();
    expect(await cache.read('linked/photo', name(1))).toBeNull();
    expect(await cache.has('linked/photo', name(1))).toBe(false);
    expect(await cache.write('linked/new', name(2), bytes(KB))).toMatchObject({ stored: false });
    expect(await fs.readdir(elsewhere)).toEqual(['photo']);
    expect(await cache.index()).toMatchObject({ links: ['linked'] });
  });


  it('answers hits before its start-up walk, and a clear during the walk reaches the files the walk had not counted yet', async () => {
    const { dir } = await filled(9);
    const cache = createDiskCache({ dir, memoryBytes: 64 * KB });
    await cache.open();
    // Not walked yet: the file is read from disk all the same.
    expect(await cache.read('group1/image1', name(1))).toEqual(bytes(KB + 1));

    await cache.clearAll();
    expect(await cache.read('group2/image2', name(2))).toBeNull();
    const again = bytes(3 * KB);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await cache.write('group2/image2', name(2), again);

    await cache.index();
    await cache.deleted();
    expect(cache.stats()).toMatchObject({ files: 1, bytes: 3 * KB });
    expect(await cache.read('group2/image2', name(2))).toEqual(again);
    for (let n = 3; n <= 9; n++) expect(await cache.read(`group${n % 3}/image${n}`, name(n))).toBeNull();
    expect(cache.requestPaths()).toEqual(['group2/image2']);
  });

});
