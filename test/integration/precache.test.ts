import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createPrecache } from '../../src/images/precache';
import { normaliseSpec } from '../../src/images/spec';
import { makeSource, writeFile } from '../helpers/images';
import { fetchBody, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');

beforeAll(async () => {
  await makeSource(imagesDir, 'a.jpg', { width: 1200, height: 900 });
  await makeSource(imagesDir, 'logo.jpg', { width: 300, height: 100 });
  await makeSource(imagesDir, 'logo.png', { width: 300, height: 100, format: 'png' });
  await makeSource(imagesDir, 'cats/default.jpg', { width: 400, height: 300 });
  await makeSource(imagesDir, 'cats/white.webp', { width: 400, height: 300, format: 'webp' });
  await makeSource(imagesDir, 'default.jpg', { width: 100, height: 100 });
  await makeSource(imagesDir, '.git/objects/hidden.jpg', { width: 100, height: 100 });
  writeFile(imagesDir, 'broken.jpg', 'not an image');
  writeFile(imagesDir, 'README.md', '# images\n');
});

/** The pre-cache's progress as /health tells it, once the pre-cache has logged its end. */
async function waitForPrecache(server: TestServer) {
  await server.logged('pre-cache finished');
  return (await fetchBody(`${server.url}/health`)).json().precache;
}

const cachedPaths = (cacheDir: string) =>
  readdirSync(cacheDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !path.relative(cacheDir, e.parentPath).startsWith('.'))
    .map((e) => path.relative(cacheDir, e.parentPath))
    .sort();

describe('pre-cache', () => {
  it('renders the default variant under the names clients ask for, skips hidden folders and the system default, and logs broken files', async () => {
    const cacheDir = path.join(root, 'cache-1');
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--allow-unsigned', '--precache', '--precache-workers', '2']);
    try {
      expect(await waitForPrecache(server)).toEqual({ state: 'done', total: 6, generated: 5, skipped: 0, failed: 1 });
      expect(cachedPaths(cacheDir)).toEqual(['a', 'cats', 'cats/white', 'logo', 'logo.png']);
      expect(server.logs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ msg: 'pre-cache started', total: 6, workers: 2 }),
          expect.objectContaining({ msg: 'pre-cache skipped a source', source: 'broken.jpg' }),
          expect.objectContaining({ msg: 'pre-cache finished', generated: 5, failed: 1 }),
        ]),
      );
      const plain = await fetchBody(`${server.url}/img/a`);
      expect(plain.headers.get('x-cache-status')).toBe('HIT');
    } finally {
      await server.close();
    }

    const again = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--precache']);
    try {
      expect(await waitForPrecache(again)).toEqual({ state: 'done', total: 6, generated: 0, skipped: 5, failed: 1 });
    } finally {
      await again.close();
    }
  });

  it('does not hold up requests: the server answers while it runs', async () => {
    const many = path.join(root, 'many');
    for (let i = 0; i < 12; i++) await makeSource(many, `big-${i}.jpg`, { width: 3000, height: 2000 });
    // The pre-cache's renders wait behind a task that holds the only processing slot until the test lets it go.
    let release = () => {};
    const flags = ['--imagesdir', many, '--cachedir', path.join(root, 'cache-2'), '--allow-unsigned', '--precache', '--precache-workers', '1', '--processing-concurrency', '1'];
    const server = await startServer(flags, {}, {}, (app) => {
      void app.limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    });
    try {
      expect((await fetchBody(`${server.url}/health`)).json().precache).toMatchObject({ state: 'running', generated: 0 });
      const image = fetchBody(`${server.url}/img/big-11/50`);
      release();
      expect((await image).status).toBe(200);
      expect(await waitForPrecache(server)).toMatchObject({ state: 'done', generated: 12, failed: 0 });
    } finally {
      await server.close();
    }
  });

  it('logs a progress line at its interval', async () => {
    // The renders wait behind a task holding the only processing slot until a progress line is written.
    let release = () => {};
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache-3'), '--processing-concurrency', '1'], {}, {}, (app) => {
      void app.limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    });
    const lines: object[] = [];
    const log = {
      info: (obj: object, msg?: string) => {
        lines.push({ ...obj, msg });
        if (msg === 'pre-cache progress') release();
      },
      warn: () => undefined,
      error: () => undefined,
    };
    try {
      const precache = createPrecache(
        server.app,
        { imagesRoot: imagesDir, workers: 1, spec: normaliseSpec({ width: 1500, format: 'png' }, { minDimension: 10, maxDimension: 4000 }), progressIntervalMs: 5 },
        log,
      );
      await precache.run();
      expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'pre-cache progress', state: 'running', total: 6, generated: 0 })]));
      expect(existsSync(path.join(root, 'cache-3', 'a'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
