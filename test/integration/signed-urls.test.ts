import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { inspect, makeSource, writeFile } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'signed-url-test-secret-0123456789abcdef';
const OTHER_SECRET = 'another-secret-entirely-0123456789abcdef';
const QUERY = 'query($path: String!, $width: Int, $format: ImageFormat) { image(path: $path, width: $width, format: $format) { url width height format contentType } }';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const cacheDir = path.join(root, 'cache');
const servers: TestServer[] = [];
let server: TestServer;

async function start(flags: string[] = [], env: NodeJS.ProcessEnv = { GOIMGSERVER_SIGNING_SECRET: SECRET }): Promise<TestServer> {
  // A test changes a source and expects the very next request to see it.
  const started = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--source-check-interval', '0', ...flags], env);
  servers.push(started);
  return started;
}

beforeAll(async () => {
  await makeSource(imagesDir, 'landscape.jpg', { width: 1200, height: 800 });
  await makeSource(imagesDir, 'badge.png', { width: 120, height: 120, format: 'png', alpha: true });
  await makeSource(imagesDir, 'changing.jpg', { width: 800, height: 400 });
  writeFile(imagesDir, 'corrupt.jpg', 'this is not a jpeg');
  server = await start();
});
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function mint(variables: Record<string, unknown>, on = server): Promise<{ url: string; width: number; height: number; format: string; contentType: string | null }> {
  const answer = await graphql<{ image: { url: string; width: number; height: number; format: string; contentType: string | null } }>(on.url, QUERY, variables);
  expect(answer.errors).toBeUndefined();
  return answer.data!.image;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('signed URLs', () => {
  it('serve the image they were minted for, immutable', async () => {
    const { url } = await mint({ path: 'landscape', width: 240 });
    const response = await fetchBody(server.url + url);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await inspect(response.body)).toMatchObject({ format: 'webp', width: 240, height: 160 });
  });

  it('keep working when a CDN or tracker adds query parameters of its own', async () => {
    const { url } = await mint({ path: 'landscape', width: 250 });
    expect((await fetchBody(`${server.url}${url}&utm_source=mail`)).status).toBe(200);
  });

  describe('refuse tampering with 403 JSON before any file is read or rendered', () => {
    const tamperings: Array<[string, (url: string) => string]> = [
      ['a changed width', (url) => url.replace('/240/', '/2400/')],
      ['a changed format', (url) => url.replace('/webp/', '/png/')],
      ['a changed quality', (url) => url.replace('/q75', '/q76')],
      ['an added enlarge', (url) => url.replace('/q75?', '/q75/enlarge?')],
      ['another image', (url) => url.replace('/img/landscape/', '/img/corrupt/')],
      ['a changed version', (url) => url.replace(/v=[\w-]+/, 'v=AAAAAAAAAAAA')],
      ['a changed signature', (url) => url.replace(/s=([\w-]+)/, (_all, sig: string) => `s=${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`)],
      ['a truncated signature', (url) => url.slice(0, -4)],
      ['an empty signature', (url) => url.replace(/s=[\w-]+/, 's=')],
      ['a missing signature', (url) => url.replace(/&s=[\w-]+/, '')],
      ['a missing version', (url) => url.replace(/v=[\w-]+&/, '')],
      ['a second signature', (url) => `${url}&s=x`],
      ['a path with fewer parameters', (url) => url.replace('/inside/', '/')],
      ['no parameters at all', (url) => `/img/landscape?${url.split('?')[1]}`],
    ];

    it.each(tamperings)('%s', async (_name, tamper) => {
      const { url } = await mint({ path: 'landscape', width: 240 });
      const before = { ...server.app.service.stats(), files: filesUnder(cacheDir).length };
      const response = await fetchBody(server.url + tamper(url));
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(response.json()).toEqual({ code: 'FORBIDDEN', message: expect.any(String) });
      const { imagesProcessed, metadataReads } = server.app.service.stats();
      expect({ imagesProcessed, metadataReads, files: filesUnder(cacheDir).length }).toEqual({
        imagesProcessed: before.imagesProcessed,
        metadataReads: before.metadataReads,
        files: before.files,
      });
    });

    it('a URL signed with another key', async () => {
      const stranger = await start([], { GOIMGSERVER_SIGNING_SECRET: OTHER_SECRET });
      const { url } = await mint({ path: 'landscape', width: 240 }, stranger);
      expect((await fetchBody(server.url + url)).status).toBe(403);
    });
  });

  it('answer unsigned URLs with 403 unless unsigned access is on, and signed ones either way', async () => {
    const open = await start(['--allow-unsigned']);
    const { url } = await mint({ path: 'landscape', width: 240 });
    expect((await fetchBody(`${server.url}/img/landscape/240`)).json()).toEqual({
      code: 'FORBIDDEN',
      message: 'Unsigned image URLs are not accepted; ask the GraphQL API for a signed URL.',
    });
    expect((await fetchBody(`${open.url}/img/landscape/240`)).status).toBe(200);
    expect((await fetchBody(open.url + url)).status).toBe(200);
    expect((await fetchBody(`${open.url}${url.replace('/240/', '/241/')}`)).status).toBe(403);
  });

  it('after a source changes, new URLs are minted and old ones serve the current image briefly cacheable', async () => {
    const old = await mint({ path: 'changing', width: 200 });
    expect(old).toMatchObject({ width: 200, height: 100 });
    expect((await fetchBody(server.url + old.url)).status).toBe(200);

    await makeSource(imagesDir, 'changing.jpg', { width: 400, height: 800 });
    const later = new Date(Date.now() + 10_000);
    await fs.utimes(path.join(imagesDir, 'changing.jpg'), later, later);
    const current = await mint({ path: 'changing', width: 200 });
    expect(current.url).not.toBe(old.url);
    expect(current).toMatchObject({ width: 200, height: 400 });

    const fresh = await fetchBody(server.url + current.url);
    expect(fresh.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await inspect(fresh.body)).toMatchObject({ width: 200, height: 400 });

    const stale = await fetchBody(server.url + old.url);
    expect(stale.status).toBe(200);
    expect(stale.headers.get('cache-control')).toBe('public, max-age=60');
    expect(await inspect(stale.body)).toMatchObject({ width: 200, height: 400 });
  });

  it('stay the same across restarts with the same key', async () => {
    const again = await start();
    expect((await mint({ path: 'landscape', width: 300 }, again)).url).toBe((await mint({ path: 'landscape', width: 300 })).url);
  });

  it('keep verifying after a key rotation when the old key is configured as the previous one', async () => {
    const { url } = await mint({ path: 'landscape', width: 240 });
    const rotated = await start([], { GOIMGSERVER_SIGNING_SECRET: OTHER_SECRET, GOIMGSERVER_SIGNING_SECRET_PREVIOUS: SECRET });
    const forgotten = await start([], { GOIMGSERVER_SIGNING_SECRET: OTHER_SECRET });
    expect((await fetchBody(rotated.url + url)).status).toBe(200);
    expect((await fetchBody(forgotten.url + url)).status).toBe(403);
    const renewed = await mint({ path: 'landscape', width: 240 }, rotated);
    expect(renewed.url).not.toBe(url);
    expect((await fetchBody(forgotten.url + renewed.url)).status).toBe(200);
  });

  it('are absolute under the public URL when one is set', async () => {
    const behindCdn = await start(['--public-url', 'https://cdn.example.com/media/']);
    const { url } = await mint({ path: 'landscape', width: 240 }, behindCdn);
    expect(url).toMatch(/^https:\/\/cdn\.example\.com\/media\/img\/landscape\/240\/inside\/webp\/q75\?v=/);
    expect((await fetchBody(behindCdn.url + url.slice('https://cdn.example.com/media'.length))).status).toBe(200);
  });

  it('carry names that need encoding', async () => {
    await makeSource(imagesDir, 'été/plage 1.jpg', { width: 300, height: 200 });
    const { url } = await mint({ path: 'été/plage 1', width: 150 });
    expect(url).toContain('/img/%C3%A9t%C3%A9/plage%201/150/');
    const response = await fetchBody(server.url + url);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-image-source')).toBe('ORIGINAL');
  });
});

describe('format AUTO', () => {
  it.each([
    ['landscape', 'image/avif,image/webp,*/*', 'image/avif', 'heif'],
    ['landscape', 'image/webp,*/*;q=0.8', 'image/webp', 'webp'],
    ['landscape', 'image/avif;q=0,image/webp', 'image/webp', 'webp'],
    ['landscape', '*/*', 'image/jpeg', 'jpeg'],
    ['badge', 'image/*', 'image/png', 'png'],
    ['badge', '', 'image/png', 'png'],
  ])('%s with Accept %j is %s', async (asked, accept, contentType, format) => {
    const result = await mint({ path: asked, width: 100, format: 'AUTO' });
    expect(result).toMatchObject({ format: 'AUTO', contentType: null });
    const response = await fetchBody(server.url + result.url, { headers: accept ? { accept } : {} });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(response.headers.get('vary')).toBe('Accept');
    expect(await inspect(response.body)).toMatchObject({ format, width: result.width, height: result.height });
  });

  it('gives each negotiated format its own ETag', async () => {
    const { url } = await mint({ path: 'landscape', width: 90, format: 'AUTO' });
    const avif = await fetchBody(server.url + url, { headers: { accept: 'image/avif' } });
    const jpeg = await fetchBody(server.url + url, { headers: { accept: 'image/jpeg' } });
    expect(avif.headers.get('etag')).not.toBe(jpeg.headers.get('etag'));
    const revalidated = await fetchBody(server.url + url, { headers: { accept: 'image/jpeg', 'if-none-match': jpeg.headers.get('etag') as string } });
    expect(revalidated.status).toBe(304);
  });
});
