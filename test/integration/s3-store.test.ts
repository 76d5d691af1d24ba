import { existsSync } from 'node:fs';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { startFakeS3, type FakeS3 } from '../helpers/s3';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const cacheDir = path.join(root, 'cache');
const ADMIN = 'ops-token-0123456789abcdef';
const env = { GOIMGSERVER_SIGNING_SECRET: 's3-store-test-secret-0123456789abcdef', GOIMGSERVER_ADMIN_TOKENS: `ops:${ADMIN}` };
const CLEAR = 'mutation Clear($path: String) { clearCache(path: $path) { clearedFiles freedBytes } }';
const URL_OF = 'query($path: String!, $width: Int) { image(path: $path, width: $width) { url } }';
let s3: FakeS3;
let server: TestServer;

const flags = () => [
  '--imagesdir', imagesDir, '--cachedir', cacheDir,
  '--cache-store', 's3', '--s3-bucket', s3.bucket, '--s3-endpoint', s3.endpoint, '--s3-region', 'us-east-1',
  '--s3-prefix', 'site-a', '--s3-force-path-style', 'true', '--s3-timeout', '2',
];
const start = () => startServer(flags(), env);

beforeAll(async () => {
  s3 = await startFakeS3();
  await makeSource(imagesDir, 'photo.jpg', { width: 1200, height: 900 });
  await makeSource(imagesDir, 'cats/default.jpg', { width: 600, height: 600 });
  await makeSource(imagesDir, 'cats/tabby.jpg', { width: 500, height: 400 });
  server = await start();
});
afterAll(async () => {
  await server?.close();
  await s3?.close();
});

async function signedUrl(base: string, imagePath: string, width: number): Promise<string> {
  const answer = await graphql<{ image: { url: string } }>(base, URL_OF, { path: imagePath, width });
  return `${base}${answer.data?.image.url}`;
}

describe('--cache-store s3 against a fake S3 (s3rver)', () => {
  it('misses, stores the derivative as one object under the prefix and the requested path, then hits from memory', async () => {
    const url = await signedUrl(server.url, 'photo', 300);
    const miss = await fetchBody(url);
    expect([miss.status, miss.headers.get('x-cache-status')]).toEqual([200, 'MISS']);
    const etag = miss.headers.get('etag') as string;
    expect(await s3.keys('site-a/photo/')).toEqual([`site-a/photo/${etag.slice(1, -1)}.webp`]);

    const hit = await fetchBody(url);
    expect([hit.status, hit.headers.get('x-cache-status'), hit.headers.get('cache-control')]).toEqual([200, 'HIT', 'public, max-age=31536000, immutable']);
    expect(hit.body.equals(miss.body)).toBe(true);
  });

  it('answers If-None-Match with 304 and the same ETag', async () => {
    const url = await signedUrl(server.url, 'photo', 300);
    const first = await fetchBody(url);
    const again = await fetchBody(url, { headers: { 'if-none-match': first.headers.get('etag') as string } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
  });

  it('serves a HIT from the bucket after a restart (a new server on the same bucket, nothing in memory)', async () => {
    const url = await signedUrl(server.url, 'photo', 300);
    const before = await fetchBody(url);
    await server.close();
    server = await start();
    const processed = server.app.service.stats().imagesProcessed;
    const after = await fetchBody(url.replace(/^http:\/\/[^/]+/, server.url));
    expect([after.status, after.headers.get('x-cache-status')]).toEqual([200, 'HIT']);
    expect(after.body.equals(before.body)).toBe(true);
    expect(server.app.service.stats().imagesProcessed).toBe(processed);
  });

  it('keeps the generated placeholder in the local cache folder, never in the bucket', async () => {
    const response = await fetchBody(await signedUrl(server.url, 'no/such/image', 100));
    expect(response.headers.get('x-image-source')).toBe('GENERATED');
    await server.app.service.settled();
    expect(existsSync(path.join(cacheDir, '.placeholder'))).toBe(true);
    expect((await s3.keys()).filter((key) => key.includes('placeholder'))).toEqual([]);
  });

  it("clearCache(path) deletes one image's objects (not its group's members) and makes it a MISS", async () => {
    const group = await signedUrl(server.url, 'cats', 200);
    const member = await signedUrl(server.url, 'cats/tabby', 200);
    await fetchBody(group);
    await fetchBody(member);
    const answer = await graphql(server.url, CLEAR, { path: 'cats' }, { authorization: `Bearer ${ADMIN}` });
    expect(answer.data).toEqual({ clearCache: { clearedFiles: 1, freedBytes: expect.any(Number) } });
    expect(await s3.keys('site-a/cats/')).toEqual([expect.stringMatching(/^site-a\/cats\/tabby\/[0-9a-f]{32}\.webp$/)]);
    expect((await fetchBody(group)).headers.get('x-cache-status')).toBe('MISS');
    expect((await fetchBody(member)).headers.get('x-cache-status')).toBe('HIT');
  });

  it('clearCache() makes everything a MISS and deletes every derivative under the prefix in the background', async () => {
    const url = await signedUrl(server.url, 'photo', 300);
    expect((await fetchBody(url)).headers.get('x-cache-status')).toBe('HIT');
    const answer = await graphql(server.url, CLEAR, {}, { authorization: `Bearer ${ADMIN}` });
    expect(answer.errors).toBeUndefined();
    expect((await fetchBody(url)).headers.get('x-cache-status')).toBe('MISS');
    await server.app.cache.deleted();
    // What is left: the marker of the clear and, unless a deletion listed before its write
    // reached it after (it is then rendered again at its next request), the derivative rendered just now.
    const left = await s3.keys('site-a/');
    expect(left).toContain('site-a/.cleared');
    expect(left.filter((key) => key !== 'site-a/.cleared' && !/^site-a\/photo\/[0-9a-f]{32}\.webp$/.test(key))).toEqual([]);
    expect(left.length).toBeLessThanOrEqual(2);
  });

  it('refuses --cache-max-size with s3, and s3 without a bucket, each in one line', async () => {
    await expect(startServer([...flags(), '--cache-max-size', '10g'], env)).rejects.toThrow(/--cache-max-size bounds only --cache-store local/);
    await expect(startServer(['--imagesdir', imagesDir, '--cache-store', 's3'], env)).rejects.toThrow(/--cache-store s3 needs --s3-bucket/);
  });

  // Last: it stops the fake S3.
  it('keeps answering while the bucket is away: a new variant renders (MISS, never a 500) and is served from memory, the failures counted', async () => {
    const url = await signedUrl(server.url, 'photo', 260);
    await s3.stop();
    const miss = await fetchBody(url);
    expect([miss.status, miss.headers.get('x-cache-status')]).toEqual([200, 'MISS']);
    const hit = await fetchBody(url);
    expect([hit.status, hit.headers.get('x-cache-status')]).toEqual([200, 'HIT']);
    const health = (await fetchBody(`${server.url}/health`)).json();
    expect(health.cache).toMatchObject({ store: 's3', writeFailures: 1 });
    expect(health.cache.readFailures).toBeGreaterThanOrEqual(1);
    expect(server.logs).toEqual(expect.arrayContaining([expect.objectContaining({ msg: expect.stringContaining('the derivative store did not answer a read') })]));
  });
});
