import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isWhole } from '../../src/images/integrity';
import { inspect, makeSource } from '../helpers/images';
import { fetchBody, graphql, spawnServer, startServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const ADMIN = 'ops-token-0123456789abcdef';
const env = { GOIMGSERVER_SIGNING_SECRET: 'cache-faults-abuse-secret-0123456789ab', GOIMGSERVER_ADMIN_TOKENS: `ops:${ADMIN}` };
const isRoot = process.getuid?.() === 0;

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 1600, height: 1200 });
});

/** Every file below `dir`, relative, dot files included. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** Every derivative below `dir` is a whole file of its format. */
function everyDerivativeWhole(dir: string): void {
  const formats: Record<string, 'webp' | 'jpeg' | 'png' | 'avif'> = { webp: 'webp', jpg: 'jpeg', png: 'png', avif: 'avif' };
  for (const file of filesUnder(dir)) {
    const format = formats[path.extname(file).slice(1)];
    if (format && !path.basename(file).startsWith('.')) expect([file, isWhole(readFileSync(path.join(dir, file)), format)]).toEqual([file, true]);
  }
}

const describeAsRoot = isRoot ? describe : describe.skip;
if (!isRoot) it.skip('full and read-only file systems: mounting a tmpfs needs root', () => undefined);

describeAsRoot('a full cache file system (a 512 KiB tmpfs mounted by the test)', () => {
  const mount = path.join(root, 'tiny');
  beforeAll(() => {
    mkdirSync(mount, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mount]);
  });
  afterAll(() => {
    execFileSync('umount', [mount]);
  });

  it('serves whole images while writes fail, commits nothing truncated, and counts the failures', async () => {
    const cacheDir = path.join(mount, 'cache');
    // No system default: the generated placeholder has to be made on a full disk too.
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--allow-unsigned', '--memory-cache-size', '0'], env);
    try {
      // Fill the file system but for 24 KiB, so that the next derivatives can only be written in part.
      const filler = path.join(mount, 'filler');
      const { bavail, bsize } = statfsSync(mount);
      writeFileSync(filler, Buffer.alloc(bavail * bsize - 24 * 1024, 1));
      for (const width of [1500, 1400, 1300]) {
        const response = await fetchBody(`${server.url}/img/photo/${width}/png`);
        expect(response.status).toBe(200);
        expect(await inspect(response.body)).toMatchObject({ format: 'png', width });
        const again = await fetchBody(`${server.url}/img/photo/${width}/png`);
        expect(again.status).toBe(200);
        expect(await inspect(again.body)).toMatchObject({ format: 'png', width });
      }
      const fallback = await fetchBody(`${server.url}/img/missing/200`);
      expect(fallback.status).toBe(200);
      expect(fallback.headers.get('x-image-source')).toBe('GENERATED');
      everyDerivativeWhole(cacheDir);
      expect(filesUnder(cacheDir).filter((file) => path.basename(file).endsWith('.tmp'))).toEqual([]);
      const metrics = (await fetchBody(`${server.url}/metrics`)).body.toString();
      expect(Number(/^goimgserver_cache_write_failures_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
      rmSync(filler, { force: true });
    } finally {
      await server.close();
    }
  });

  it('starts on a read-only cache with no system default, and serves from memory', async () => {
    const cacheDir = path.join(mount, 'readonly-cache');
    mkdirSync(cacheDir, { recursive: true });
    execFileSync('mount', ['-o', 'remount,ro', mount]);
    try {
      const server = await spawnServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--allow-unsigned', '--precache', 'false'], env, root);
      try {
        const fallback = await fetchBody(`${server.address}/img/missing/300`);
        expect(fallback.status).toBe(200);
        expect(await inspect(fallback.body)).toMatchObject({ width: 300, height: 300 });
        const first = await fetchBody(`${server.address}/img/photo/400`);
        const second = await fetchBody(`${server.address}/img/photo/400`);
        expect([first.status, first.headers.get('x-cache-status'), second.status, second.headers.get('x-cache-status')]).toEqual([200, 'MISS', 200, 'HIT']);
        expect(server.output()).toContain('the cache folder cannot be written');
      } finally {
        expect(await server.stop()).toBe(0);
      }
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mount]);
    }
  });
});

describe('cache files damaged outside the server', () => {
  it.each([
    ['emptied', () => Buffer.alloc(0)],
    ['cut short', (data: Buffer) => data.subarray(0, Math.floor(data.length / 2))],
  ])('a derivative %s is never served as a hit', async (_name, damage) => {
    const cacheDir = path.join(root, `damaged-${_name.replace(' ', '-')}`);
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--allow-unsigned', '--memory-cache-size', '0'], env);
    try {
      const good = await fetchBody(`${server.url}/img/photo/300`);
      const [file] = filesUnder(path.join(cacheDir, 'photo'));
      const absolute = path.join(cacheDir, 'photo', file as string);
      writeFileSync(absolute, damage(readFileSync(absolute)));
      const response = await fetchBody(`${server.url}/img/photo/300`);
      expect(response.headers.get('x-cache-status')).toBe('MISS');
      expect(await inspect(response.body)).toMatchObject({ width: 300 });
      expect(response.body.length).toBe(good.body.length);
      expect(statSync(absolute).size).toBe(good.body.length);
    } finally {
      await server.close();
    }
  });
});

describe('the cache folder deleted while the server runs', () => {
  it('keeps every fallback working and writes what it needs again', async () => {
    const cacheDir = path.join(root, 'deleted-cache');
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--allow-unsigned'], env);
    try {
      expect((await fetchBody(`${server.url}/img/missing/200`)).status).toBe(200);
      rmSync(cacheDir, { recursive: true, force: true });
      const fallback = await fetchBody(`${server.url}/img/also-missing/200`);
      expect(fallback.status).toBe(200);
      expect(fallback.headers.get('x-image-source')).toBe('GENERATED');
      expect((await fetchBody(`${server.url}/img/photo/200`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(existsSync(path.join(cacheDir, '.placeholder', 'goimgserver-v1.png'))).toBe(true);
      expect(filesUnder(path.join(cacheDir, 'photo'))).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});

describe('a cache folder that overlaps the images folder', () => {
  it.each([
    ['equal to it', () => imagesDir],
    ['inside it', () => path.join(imagesDir, 'cache')],
    ['above it', () => root],
  ])('is refused at start-up when it is %s, with one line naming the flags', async (_name, cacheDir) => {
    const server = spawnServer(['--imagesdir', imagesDir, '--cachedir', cacheDir()], env, root);
    await expect(server).rejects.toThrow(/exited early: goimgserver: The cache directory .* overlap .*--cachedir, --imagesdir/);
    expect(filesUnder(imagesDir)).toEqual(['photo.jpg']);
  });

  it('never reads or writes through a symbolic link inside it that leads elsewhere (into the images folder, say), and says so', async () => {
    const cacheDir = path.join(root, 'linked-cache');
    mkdirSync(cacheDir, { recursive: true });
    symlinkSync(imagesDir, path.join(cacheDir, 'sub'));
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--allow-unsigned'], env);
    try {
      // Cached under cache/sub/photo, which the link would lead into the images folder.
      const first = await fetchBody(`${server.url}/img/sub/photo/100`);
      expect(first.status).toBe(200);
      expect(filesUnder(imagesDir)).toEqual(['photo.jpg']);
      const warned = () => server.logs.some((line) => String((line as { msg?: string }).msg).startsWith('the cache folder contains symbolic links'));
      for (let wait = 0; wait < 200 && !warned(); wait++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(server.logs).toEqual(expect.arrayContaining([expect.objectContaining({ links: ['sub'], count: 1 })]));
    } finally {
      await server.close();
      rmSync(path.join(imagesDir, 'photo'), { recursive: true, force: true });
    }
  });

  it('clears only the files the cache wrote, never a folder it did not make', async () => {
    const cacheDir = path.join(root, 'shared-cache');
    mkdirSync(path.join(cacheDir, 'keep'), { recursive: true });
    writeFileSync(path.join(cacheDir, 'keep', 'notes.txt'), 'not a derivative');
    writeFileSync(path.join(cacheDir, 'keep', 'original.jpg'), 'not a derivative either');
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--allow-unsigned'], env);
    try {
      await fetchBody(`${server.url}/img/photo/100`);
      const cleared = await graphql<{ clearCache: { clearedFiles: number } }>(server.url, 'mutation { clearCache { clearedFiles } }', {}, { authorization: `Bearer ${ADMIN}` });
      expect(cleared.data?.clearCache.clearedFiles).toBe(1);
      // The files of a clear go in the background; its marker goes last, once they are gone.
      const deleting = () => existsSync(path.join(cacheDir, 'photo')) || existsSync(path.join(cacheDir, '.cleared'));
      for (let wait = 0; wait < 300 && deleting(); wait++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(filesUnder(cacheDir).filter((file) => !file.startsWith('.placeholder')).sort()).toEqual(['keep/notes.txt', 'keep/original.jpg']);
      expect(existsSync(path.join(cacheDir, 'photo'))).toBe(false);
    } finally {
      await server.close();
    }
  });
});
