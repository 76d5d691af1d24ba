import { readdirSync } from 'node:fs';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const cacheDir = path.join(root, 'cache');
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'IMG_0001.JPG', { width: 400, height: 300 });
  await makeSource(imagesDir, 'trips/Photo.Jpeg', { width: 300, height: 400 });
  await makeSource(imagesDir, 'cat.jpg', { width: 200, height: 100 });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--allow-unsigned', '--precache', 'true'], {
    GOIMGSERVER_SIGNING_SECRET: 'camera-files-secret-0123456789abcdefgh',
  });
  await server.logged('pre-cache finished');
});
afterAll(() => server.close());

describe('camera files with upper-case extensions', () => {
  it('are found by the pre-cache and cached under the name without extension', () => {
    expect(server.app.precache.progress()).toMatchObject({ state: 'done', total: 3, generated: 3, failed: 0 });
    expect(readdirSync(cacheDir).filter((name) => !name.startsWith('.')).sort()).toEqual(['IMG_0001', 'cat', 'trips']);
    expect(readdirSync(path.join(cacheDir, 'trips'))).toEqual(['Photo']);
  });

  it.each(['IMG_0001', 'IMG_0001.JPG', 'trips/Photo', 'trips/Photo.Jpeg'])('%s is the original, on the bytes route and in GraphQL', async (asked) => {
    const response = await fetchBody(`${server.url}/img/${asked}/100`);
    expect([response.status, response.headers.get('x-image-source')]).toEqual([200, 'ORIGINAL']);
    const answer = await graphql<{ image: { source: string } }>(server.url, 'query ($p: String!) { image(path: $p, width: 100) { source } }', { p: asked });
    expect(answer.data?.image.source).toBe('ORIGINAL');
  });

});

describe('the graceful grammar', () => {
  it('skips empty segments, as the original did', async () => {
    for (const url of ['/img/cat//150', '/img//cat/150', '/img/cat/150//png/']) {
      const response = await fetchBody(`${server.url}${url}`);
      expect([url, response.status, response.headers.get('x-image-source')]).toEqual([url, 200, 'ORIGINAL']);
    }
  });
});
