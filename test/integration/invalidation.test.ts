import fc from 'fast-check';
import { createReadStream, mkdirSync, promises as fs, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDiskCache } from '../../src/images/cache';
import { createInvalidation } from '../../src/images/invalidation';
import { createResolver, type ResolverFs } from '../../src/images/resolve';
import { tempDir } from '../helpers/temp';

// 'x' is also an image name: a folder that appears beside x.jpg takes its requests over.
const FOLDERS = ['', 'a', 'a/b', 'c', 'x'];
const NAMES = ['x', 'y', 'default', 'X'];
const EXTENSIONS = ['.jpg', '.png', '.JPG', '.txt'];
// Every file a repository of these cases can hold, and every path a client can ask for.
const FILES = FOLDERS.flatMap((folder) => NAMES.flatMap((name) => EXTENSIONS.map((extension) => (folder ? `${folder}/` : '') + name + extension)));
const REQUESTS = [
  ...FOLDERS.filter(Boolean),
  ...FOLDERS.flatMap((folder) => [...NAMES, 'zz', 'x.jpg', 'x.JPG', 'default.png', 'a'].map((name) => (folder ? `${folder}/` : '') + name)),
];

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Real file calls, counting the stats and the files read for their versions: what resolving costs. */
function countingFs(): ResolverFs & { stats: number; reads: number } {
  const counter = {
    stats: 0,
    reads: 0,
    stat: (file: string) => {
      counter.stats++;
      return fs.stat(file).catch(() => null);
    },
    realpath: (file: string) => fs.realpath(file),
    readdir: (dir: string) => fs.readdir(dir).catch(() => []),
    read: (file: string) => {
      counter.reads++;
      return createReadStream(file);
    },
  };
  return counter;
}

function resolverOver(imagesRoot: string, recheckMs: number, files: ResolverFs = countingFs()) {
  const placeholder = { file: '/nonexistent/placeholder.png', size: 1, mtimeMs: 1, data: Buffer.from('placeholder'), contentId: 'placeholder' };
  return createResolver({ imagesRoot, placeholder: async () => placeholder, recheckMs }, files);
}

function write(root: string, relative: string, bytes: number): void {
  mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  writeFileSync(path.join(root, relative), Buffer.alloc(bytes, 1));
}

/** Which cached paths hold no derivative any more. */
async function emptied(cache: ReturnType<typeof createDiskCache>, cached: readonly string[]): Promise<string[]> {
  const left = new Set(cache.requestPaths());
  return cached.filter((requestPath) => !left.has(requestPath)).sort();
}

describe('what a sync clears', () => {
  const root = tempDir('goimgserver-invalidation-');

  it('is exactly what resolving every cached path before and after would clear, for any change to any tree', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(FILES, { maxLength: 24 }),
        fc.subarray(FILES, { minLength: 1, maxLength: 4 }),
        fc.subarray(REQUESTS, { minLength: 1, maxLength: 30 }),
        fc.func(fc.boolean()),
        fc.integer({ min: 1, max: 40 }),
        async (present, touched, cached, servedBefore, maxAnswers) => {
          const images = path.join(root, `images-${run}`);
          const cacheDir = path.join(root, `cache-${run++}`);
          mkdirSync(images, { recursive: true });
          for (const file of present) write(images, file, 10);
          const imagesRoot = await fs.realpath(images);

          const cache = createDiskCache({ dir: cacheDir });
          await cache.scan();
          for (const requestPath of cached) await cache.write(requestPath, `${'0'.repeat(32)}.webp`, Buffer.from('derivative'));
          const resolver = resolverOver(imagesRoot, 60_000);
          // However few answers are remembered, the forgotten ones are resolved by the sync.
          const invalidation = createInvalidation({ resolver, cache, maxAnswers });
          // Some paths were served since start-up (their answer is known); the others were cached before it.
          for (const requestPath of cached) if (servedBefore(requestPath)) invalidation.learn(await resolver.resolve(requestPath.split('/')));

          const truth = resolverOver(imagesRoot, 0);
          const answer = async (requestPath: string) => (await truth.resolve(requestPath.split('/'))).relative;
          const then = new Map(await Promise.all(cached.map(async (requestPath) => [requestPath, await answer(requestPath)] as const)));

          const changed = new Set(touched);
          const snapshot = await invalidation.snapshot(changed);
          // Each touched file is added, deleted or modified (its size changes).
          for (const file of touched) {
            if (present.includes(file)) {
              if (file.length % 2 === 0) rmSync(path.join(images, file));
              else write(images, file, 20);
            } else {
              write(images, file, 10);
            }
          }
          await invalidation.clearChanged(snapshot, changed);

          const expected: string[] = [];
          for (const requestPath of cached) {
            const now = await answer(requestPath);
            if (changed.has(now) || now !== then.get(requestPath)) expected.push(requestPath);
          }
          expect(await emptied(cache, cached)).toEqual(expected.sort());
        },
      ),
      {
        numRuns: 80,
        // Cases random trees reach rarely: a folder appearing beside an image of its name, and a new default in a nested group.
        examples: [
          [['x.jpg'], ['x/y.jpg'], ['x', 'x/y'], () => true, 40],
          [['x.jpg', 'x/y.jpg'], ['x/y.jpg'], ['x', 'x/y'], () => false, 40],
          [['a/default.jpg', 'a/b/x.jpg'], ['a/b/default.png'], ['a/b/y', 'a/b/x', 'a/b'], () => true, 40],
        ],
      },
    );
  });

  it('on a first commit, whose changes are not known, clears exactly the paths another file answers now', async () => {
    const dir = path.join(root, 'first-commit');
    write(dir, 'kept.jpg', 10);
    const imagesRoot = await fs.realpath(dir);
    const cache = createDiskCache({ dir: path.join(root, 'first-commit-cache') });
    await cache.scan();
    const resolver = resolverOver(imagesRoot, 60_000);
    const invalidation = createInvalidation({ resolver, cache });
    for (const requestPath of ['kept', 'arrives', 'a/missing']) {
      await cache.write(requestPath, `${'0'.repeat(32)}.webp`, Buffer.from('derivative'));
      invalidation.learn(await resolver.resolve(requestPath.split('/')));
    }
    const snapshot = await invalidation.snapshot(null);
    write(dir, 'arrives.jpg', 10);
    write(dir, 'a/default.jpg', 10);
    expect((await invalidation.clearChanged(snapshot, null)).files).toBe(2);
    expect(cache.requestPaths()).toEqual(['kept']);
  });

  it('resolves what the change reaches, not the whole cache: a one-file sync costs the same at 40 and at 400 cached paths', async () => {
    const cost = async (images: number) => {
      const dir = path.join(root, `scale-${images}`);
      for (let i = 0; i < images; i++) write(dir, `g${i % 10}/image-${i}.jpg`, 10);
      const imagesRoot = await fs.realpath(dir);
      const cache = createDiskCache({ dir: path.join(root, `scale-cache-${images}`) });
      await cache.scan();
      const files = countingFs();
      const resolver = resolverOver(imagesRoot, 60_000, files);
      const invalidation = createInvalidation({ resolver, cache });
      for (let i = 0; i < images; i++) {
        const requestPath = `g${i % 10}/image-${i}`;
        await cache.write(requestPath, `${'0'.repeat(32)}.webp`, Buffer.from('derivative'));
        invalidation.learn(await resolver.resolve(requestPath.split('/')));
      }
      const changed = new Set(['g3/image-3.jpg']);
      const before = files.stats;
      const readBefore = files.reads;
      const snapshot = await invalidation.snapshot(changed);
      write(dir, 'g3/image-3.jpg', 30);
      const cleared = await invalidation.clearChanged(snapshot, changed);
      expect(cleared.files).toBe(1);
      // Which file answers is all a sync needs: no file is read for its version.
      expect(files.reads - readBefore).toBe(0);
      expect(cache.requestPaths()).toHaveLength(images - 1);
      expect(cache.requestPaths()).not.toContain('g3/image-3');
      return files.stats - before;
    };
    const small = await cost(40);
    const large = await cost(400);
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small);
  });

  it('resolves the paths cached before a restart once, in the background, after which a sync costs what it changes', async () => {
    const dir = path.join(root, 'restart');
    for (let i = 0; i < 50; i++) write(dir, `image-${i}.jpg`, 10);
    const imagesRoot = await fs.realpath(dir);
    const cacheDir = path.join(root, 'restart-cache');
    const first = createDiskCache({ dir: cacheDir });
    await first.scan();
    for (let i = 0; i < 50; i++) await first.write(`image-${i}`, `${'0'.repeat(32)}.webp`, Buffer.from('derivative'));

    // After a restart the cache's files are there, but no request has told which source answers them.
    const cache = createDiskCache({ dir: cacheDir });
    await cache.scan();
    const files = countingFs();
    const invalidation = createInvalidation({ resolver: resolverOver(imagesRoot, 60_000, files), cache });
    await invalidation.learnCached(log);
    // Which file answers each path is looked up; none is read for its version.
    expect(files.reads).toBe(0);
    const before = files.stats;
    const changed = new Set(['image-7.jpg']);
    const snapshot = await invalidation.snapshot(changed);
    write(dir, 'image-7.jpg', 30);
    expect((await invalidation.clearChanged(snapshot, changed)).files).toBe(1);
    expect(files.stats - before).toBeLessThan(10);
  });
});
