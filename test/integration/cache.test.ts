import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { createDiskCache } from '../../src/images/cache';
import { createLimiter } from '../../src/images/limiter';
import { createMetadataCache } from '../../src/images/metadata';
import { createResolver } from '../../src/images/resolve';
import { createImageService } from '../../src/images/service';
import { normaliseSpec } from '../../src/images/spec';
import { createSourceViews } from '../../src/images/view';
import { createWatermarks } from '../../src/images/watermarks';
import { createTransformer } from '../../src/images/transform';
import { variantOf } from '../../src/images/variant';
import { inspect, makeSource } from '../helpers/images';
import { fetchBody, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const cacheDir = path.join(root, 'cache');
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 2000, height: 1500 });
  await makeSource(imagesDir, 'other.jpg', { width: 800, height: 600 });
  await makeSource(imagesDir, 'default.jpg', { width: 100, height: 100 });
  // These tests change sources and expect the very next request to see it.
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--allow-unsigned', '--source-check-interval', '0']);
});
afterAll(() => server.close());

const processed = () => server.app.service.stats().imagesProcessed;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('single flight', () => {
  it('renders once for 20 concurrent identical misses, and every request gets the image', async () => {
    const before = processed();
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetchBody(`${server.url}/img/photo/640/jpeg`)));
    expect(processed() - before).toBe(1);
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body.equals(responses[0]?.body as Buffer)).toBe(true);
    }
    expect(await inspect(responses[0]?.body as Buffer)).toMatchObject({ width: 640, height: 480 });
  });

  it('renders each distinct variant once', async () => {
    const before = processed();
    await Promise.all([300, 301, 302, 300, 301, 302].map((w) => fetchBody(`${server.url}/img/photo/${w}`)));
    expect(processed() - before).toBe(3);
  });
});

describe('cache hits', () => {
  it('never render the source: a touched source is read once for its version, which stays, so the variant stays a hit', async () => {
    const source = path.join(imagesDir, 'other.jpg');
    const miss = await fetchBody(`${server.url}/img/other/200`);
    expect(miss.headers.get('x-cache-status')).toBe('MISS');
    const reads = () => server.app.resolver.contentStats().files;
    const [readBefore, processedBefore] = [reads(), processed()];

    const later = new Date(Date.now() + 5000);
    await fs.utimes(source, later, later);
    for (let i = 0; i < 3; i++) {
      const hit = await fetchBody(`${server.url}/img/other/200`);
      expect(hit.headers.get('x-cache-status')).toBe('HIT');
      expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'));
      expect(hit.body.equals(miss.body)).toBe(true);
    }
    expect(processed()).toBe(processedBefore);
    expect(reads()).toBe(readBefore + 1);
  });

  it('serve nothing stale for a source rewritten in place with its size and time put back: its change time moved', async () => {
    const source = path.join(imagesDir, 'other.jpg');
    // A whole second, so that putting it back below is exact.
    const mtime = new Date('2026-01-01T00:00:00Z');
    await fs.utimes(source, mtime, mtime);
    const miss = await fetchBody(`${server.url}/img/other/210`);
    expect(miss.status).toBe(200);

    const { size } = await fs.stat(source);
    const original = await fs.readFile(source);
    await fs.writeFile(source, Buffer.alloc(size, 0x41));
    await fs.utimes(source, mtime, mtime);
    try {
      const after = await fetchBody(`${server.url}/img/other/210`);
      expect(after.status).toBe(422);
      expect(after.headers.get('etag')).toBeNull();
    } finally {
      await fs.writeFile(source, original);
    }
  });

  it('are keyed by the source version: a source with new bytes gets a new ETag and is rendered again', async () => {
    const first = await fetchBody(`${server.url}/img/other/150`);
    await makeSource(imagesDir, 'other.jpg', { width: 800, height: 600, colour: { r: 200, g: 40, b: 40 } });
    const second = await fetchBody(`${server.url}/img/other/150`);
    expect(second.headers.get('x-cache-status')).toBe('MISS');
    expect(second.headers.get('etag')).not.toBe(first.headers.get('etag'));
  });

  it('are stored under the requested path, fallbacks included', async () => {
    await fetchBody(`${server.url}/img/missing/thing/100`);
    expect(filesUnder(path.join(cacheDir, 'missing', 'thing'))).toHaveLength(1);
  });
});

describe('a failing cache write', () => {
  it('still serves the bytes when the disk is full (simulated ENOSPC)', async () => {
    const dir = path.join(root, 'full-cache');
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const fullDisk = {
      readFile: fs.readFile,
      mkdir: fs.mkdir,
      rename: fs.rename,
      rm: fs.rm,
      open: async (...args: Parameters<typeof fs.open>) => {
        const handle = await fs.open(...args);
        return Object.assign(Object.create(handle), { write: async () => Promise.reject(enospc), close: () => handle.close() });
      },
    } as unknown as typeof fs;
    const limits = { minDimension: 10, maxDimension: 4000 };
    const transformer = createTransformer({ maxSourcePixels: 1e8, timeoutSeconds: 30 });
    const resolver = createResolver(
      { imagesRoot: await fs.realpath(imagesDir), placeholder: async () => Promise.reject(new Error('unused')) },
      { stat: (f) => fs.stat(f).catch(() => null), realpath: fs.realpath, readdir: (dir) => fs.readdir(dir), read: (f) => createReadStream(f) },
    );
    const limiter = createLimiter({ concurrency: 1, maxQueue: 10 });
    const service = createImageService({
      bounds: { maxDimension: 4000, maxOutputPixels: 16_000_000 },
      animation: { maxFrames: 100, maxPixels: 1e8 },
      transformer,
      views: createSourceViews({ transformer, limiter }),
      watermarks: await createWatermarks([], { imagesRoot: await fs.realpath(imagesDir), transformer }),
      metadata: createMetadataCache(transformer, { maxSourceBytes: 1e9 }),
      cache: createDiskCache({ dir }, fullDisk),
      limiter,
    });
    const warnings: object[] = [];
    const log = { info: () => undefined, warn: (obj: object) => warnings.push(obj), error: () => undefined };
    const variant = variantOf(await resolver.resolve(['photo']), normaliseSpec({ width: 100 }, limits));
    const loaded = await service.load(variant, log);
    expect(loaded.cacheStatus).toBe('MISS');
    expect(await inspect(loaded.data)).toMatchObject({ width: 100, height: 75 });
    expect(warnings).toEqual([expect.objectContaining({ err: enospc })]);
    expect(filesUnder(dir)).toEqual([]);
  });
});

describe('crash safety', () => {
  it('a write killed before its rename leaves nothing that is served, and the leftover is swept at start-up', async () => {
    const crashRoot = path.join(root, 'crash');
    const crashCache = path.join(crashRoot, 'cache');
    const first = await startServer(['--imagesdir', imagesDir, '--cachedir', crashCache, '--allow-unsigned']);
    const good = await fetchBody(`${first.url}/img/photo/500`);
    await first.close();
    const [entry] = filesUnder(path.join(crashCache, 'photo'));
    expect(entry).toBeDefined();
    await fs.rm(entry as string);

    // A real process starts the atomic write of that entry and is killed half-way through.
    const atomicWrite = path.resolve(__dirname, '../../dist/fs/atomic-write.js');
    expect(existsSync(atomicWrite)).toBe(true);
    const script = `
      const { writeFileAtomic } = require(${JSON.stringify(atomicWrite)});
      async function* halfThenDie() {
        yield Buffer.alloc(4096, 1);
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => {});
      }
      writeFileAtomic(${JSON.stringify(entry)}, halfThenDie());
    `;
    const child = spawnSync(process.execPath, ['-e', script]);
    expect(child.signal).toBe('SIGKILL');
    const leftovers = filesUnder(path.join(crashCache, 'photo'));
    expect(leftovers).toHaveLength(1);
    expect(path.basename(leftovers[0] as string)).toMatch(/^\..*\.tmp$/);

    const second = await startServer(['--imagesdir', imagesDir, '--cachedir', crashCache, '--allow-unsigned']);
    try {
      expect(second.logs).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'cache scanned', removedTemporary: 1 })]));
      const response = await fetchBody(`${second.url}/img/photo/500`);
      expect(response.headers.get('x-cache-status')).toBe('MISS');
      expect(response.body.equals(good.body)).toBe(true);
      expect(filesUnder(path.join(crashCache, 'photo')).map((f) => path.basename(f))).toEqual([path.basename(entry as string)]);
    } finally {
      await second.close();
    }
  });
});
