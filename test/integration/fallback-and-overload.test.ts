import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { inspect, makeSource } from '../helpers/images';
import { fetchBody, startServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();

describe('without a system default', () => {
  it('answers a missing image with the generated placeholder, kept in the cache folder', async () => {
    const imagesDir = path.join(root, 'images');
    const cacheDir = path.join(root, 'cache');
    await makeSource(imagesDir, 'cat.jpg', { width: 300, height: 200 });
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--allow-unsigned']);
    try {
      const response = await fetchBody(`${server.url}/img/missing`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-image-source')).toBe('GENERATED');
      expect(await inspect(response.body)).toMatchObject({ format: 'webp', width: 1000, height: 1000 });
      expect(existsSync(path.join(cacheDir, '.placeholder'))).toBe(true);
      expect(readdirSync(imagesDir)).toEqual(['cat.jpg']);
    } finally {
      await server.close();
    }
  });
});

describe('a full processing queue', () => {
  it('refuses further misses with 503 OVERLOADED and Retry-After, and serves them once there is room', async () => {
    const imagesDir = path.join(root, 'busy');
    await makeSource(imagesDir, 'large.jpg', { width: 4000, height: 3000 });
    const server = await startServer([
      '--imagesdir', imagesDir,
      '--cachedir', path.join(root, 'busy-cache'),
      '--allow-unsigned',
      '--processing-concurrency', '1',
      '--max-queue', '1',
    ]);
    try {
      const widths = [400, 500, 600, 700, 800, 900];
      const responses = await Promise.all(widths.map((w) => fetchBody(`${server.url}/img/large/${w}/png`)));
      const refused = responses.filter((r) => r.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const response of refused) {
        expect(response.headers.get('retry-after')).toBe('1');
        expect(response.json()).toMatchObject({ code: 'OVERLOADED' });
      }
      expect(responses.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
      expect(responses.every((r) => r.status === 200 || r.status === 503)).toBe(true);
      const retried = await fetchBody(`${server.url}/img/large/${widths[widths.length - 1]}/png`);
      expect(retried.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
