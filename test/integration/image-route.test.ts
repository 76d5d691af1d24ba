import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { inspect, makeSource, meanColour, pngHeaderOnly, writeFile } from '../helpers/images';
import { fetchBody, rawGet, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const RED = { r: 220, g: 20, b: 20 };
const BLUE = { r: 20, g: 20, b: 220 };
const GREEN = { r: 20, g: 200, b: 20 };
const GREY = { r: 128, g: 128, b: 128 };

const root = tempDir();
const imagesDir = path.join(root, 'images');
const cacheDir = path.join(root, 'cache');
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'landscape.jpg', { width: 1200, height: 800 });
  await makeSource(imagesDir, 'logo.jpg', { width: 200, height: 100, colour: RED });
  await makeSource(imagesDir, 'logo.png', { width: 200, height: 100, format: 'png', colour: BLUE });
  await makeSource(imagesDir, 'only.webp', { width: 300, height: 300, format: 'webp', colour: BLUE });
  await makeSource(imagesDir, 'badge.png', { width: 100, height: 100, format: 'png', alpha: true, colour: RED });
  await makeSource(imagesDir, 'cats/default.jpg', { width: 400, height: 300, colour: GREEN });
  await makeSource(imagesDir, 'cats/cat_white.jpg', { width: 300, height: 400, colour: { r: 250, g: 250, b: 250 } });
  await makeSource(imagesDir, 'default.jpg', { width: 500, height: 500, colour: GREY });
  await makeSource(imagesDir, 'big.jpg', { width: 1500, height: 1500 });
  writeFile(imagesDir, 'corrupt.jpg', Buffer.from('this is not a jpeg at all'));
  writeFile(imagesDir, 'text.png', 'plain text with an image extension\n');
  const whole = await sharp({ create: { width: 600, height: 400, channels: 3, background: RED } }).jpeg().toBuffer();
  writeFile(imagesDir, 'truncated.jpg', whole.subarray(0, Math.floor(whole.length / 2)));
  writeFile(imagesDir, 'bomb.png', pngHeaderOnly(100_000, 100_000));
  const noise = Buffer.alloc(400 * 400 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  writeFile(imagesDir, 'heavy.png', await sharp(noise, { raw: { width: 400, height: 400, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer());
  server = await startServer([
    '--imagesdir', imagesDir,
    '--cachedir', cacheDir,
    '--allow-unsigned',
    '--max-source-pixels', '2000000',
    '--max-source-bytes', '300000',
  ]);
});
afterAll(() => server.close());

const get = (urlPath: string, init?: RequestInit) => fetchBody(server.url + urlPath, init);

describe('the bytes route in the original grammar', () => {
  it.each([
    ['/img/landscape/300', 'ORIGINAL', { format: 'webp', width: 300, height: 200 }],
    ['/img/landscape.jpg/300x300/jpeg/q60', 'ORIGINAL', { format: 'jpeg', width: 300, height: 200 }],
    ['/img/landscape/200x200/cover/png', 'ORIGINAL', { format: 'png', width: 200, height: 200 }],
    ['/img/landscape/avif/100', 'ORIGINAL', { format: 'heif', width: 100, height: 67 }],
    ['/img/landscape', 'ORIGINAL', { format: 'webp', width: 1000, height: 667 }],
    ['/img/landscape/99999x1/invalidformat/q95005', 'ORIGINAL', { format: 'webp', width: 1000, height: 667 }],
    ['/img/only/50', 'ORIGINAL', { format: 'webp', width: 50, height: 50 }],
    ['/img/cats/cat_white/800x600/webp/q90/wow/extra', 'ORIGINAL', { width: 300, height: 400 }],
    ['/img/cats/nothing/100', 'GROUP_DEFAULT', { width: 100, height: 75 }],
    ['/img/nothing/100', 'DEFAULT', { width: 100, height: 100 }],
  ])('%s is served from %s as asked', async (url, source, expected) => {
    const response = await get(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-image-source')).toBe(source);
    expect(await inspect(response.body)).toMatchObject(expected);
  });

  it.each([
    ['/img/logo/50', RED],
    ['/img/logo.png/50', BLUE],
    ['/img/cats/50', GREEN],
    ['/img/cats/missing/50', GREEN],
    ['/img/nothing/50', GREY],
  ])('%s comes from the right file', async (url, colour) => {
    const { body } = await get(url);
    const mean = await meanColour(body);
    for (const channel of ['r', 'g', 'b'] as const) expect(Math.abs((mean[channel] as number) - colour[channel])).toBeLessThan(12);
  });

  it('keeps alpha in WebP and PNG and flattens it on white for JPEG', async () => {
    expect(await inspect((await get('/img/badge/50/png')).body)).toMatchObject({ hasAlpha: true });
    expect(await inspect((await get('/img/badge/50/webp')).body)).toMatchObject({ hasAlpha: true });
    const jpeg = (await get('/img/badge/50/jpeg')).body;
    expect(await inspect(jpeg)).toMatchObject({ format: 'jpeg', hasAlpha: false });
    expect((await meanColour(jpeg)).g).toBeGreaterThan(100);
  });

  it('sends the caching, CORS and security headers, a MISS then a HIT', async () => {
    const first = await get('/img/landscape/120/jpeg');
    expect(first.headers.get('x-cache-status')).toBe('MISS');
    expect(first.headers.get('content-type')).toBe('image/jpeg');
    expect(Number(first.headers.get('content-length'))).toBe(first.body.length);
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(first.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(new Date(first.headers.get('last-modified') as string).getTime()).toBeGreaterThan(0);
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(first.headers.get('x-request-id')).toBeTruthy();

    const second = await get('/img/landscape/jpeg/120');
    expect(second.headers.get('x-cache-status')).toBe('HIT');
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(second.body.equals(first.body)).toBe(true);
  });

  it('answers a matching If-None-Match with 304 and no rendering', async () => {
    const etag = (await get('/img/landscape/130')).headers.get('etag') as string;
    const processed = server.app.service.stats().imagesProcessed;
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await get('/img/landscape/130', { headers: { 'If-None-Match': header } });
      expect(response.status).toBe(304);
      expect(response.body.length).toBe(0);
      expect(response.headers.get('etag')).toBe(etag);
    }
    expect((await get('/img/landscape/130', { headers: { 'If-None-Match': '"stale"' } })).status).toBe(200);
    expect(server.app.service.stats().imagesProcessed).toBe(processed);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const response = await get('/img/landscape/140', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(0);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
    const full = await get('/img/landscape/140');
    expect(Number(response.headers.get('content-length'))).toBe(full.body.length);
  });
});

describe('bad sources and bad requests', () => {
  it.each([
    ['/img/corrupt.jpg/100', 'corrupt.jpg', 'The source is corrupt or not a supported image.'],
    ['/img/text.png/100', 'text.png', 'The source is corrupt or not a supported image.'],
    ['/img/truncated/100', 'truncated', 'The source is corrupt or not a supported image.'],
    ['/img/bomb/100', 'bomb', 'The source has more than 2000000 pixels.'],
    ['/img/big/100', 'big', 'The source has more than 2000000 pixels.'],
    ['/img/heavy/100', 'heavy', 'The source is larger than 300000 bytes.'],
  ])('%s is 422 with a JSON body and nothing cached', async (url, requestPath, message) => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await get(url);
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.json()).toEqual({ code: 'UNSUPPORTED_IMAGE', message });
      expect(response.body.toString()).not.toContain(root);
    }
    await expect(fs.readdir(path.join(cacheDir, requestPath))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each(['/img/', '/img/..%2f..%2fetc', '/img/cats/%00', '/img/%E0%A4%A', '/img/.git/config'])('%s is 400 BAD_USER_INPUT', async (url) => {
    const response = await rawGet(server.url, url);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body.toString())).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('masks an unexpected failure as 500 "Unexpected error." and logs its cause under the request id', async () => {
    // A 304 names the variant without rendering it, so it is in neither the memory nor the disk cache.
    const unrendered = await get('/img/landscape/160', { headers: { 'If-None-Match': '*' } });
    expect(unrendered.status).toBe(304);
    const key = (unrendered.headers.get('etag') as string).slice(1, -1);
    const entry = path.join(cacheDir, 'landscape', `${key}.webp`);
    await fs.mkdir(entry, { recursive: true });
    try {
      const response = await get('/img/landscape/160', { headers: { 'X-Request-Id': 'trace-500' } });
      expect(response.status).toBe(500);
      expect(response.json()).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' });
      const failure = server.logs.find((line) => line.reqId === 'trace-500' && line.msg === 'request failed');
      expect(failure).toMatchObject({ level: 50, err: expect.objectContaining({ code: 'EISDIR' }) });
    } finally {
      await fs.rmdir(entry);
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await get('/nothing-here');
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('logs one line per request with its request id and outcome', async () => {
    await get('/img/corrupt.jpg/100', { headers: { 'X-Request-Id': 'trace-422' } });
    const lines = server.logs.filter((line) => line.reqId === 'trace-422');
    expect(lines).toEqual([expect.objectContaining({ msg: 'request', status: 422, code: 'UNSUPPORTED_IMAGE', url: '/img/corrupt.jpg/100' })]);
  });
});

describe('health', () => {
  it('reports status, version, uptime, cache size and images processed', async () => {
    const response = await get('/health');
    expect(response.status).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/), uptimeSeconds: expect.any(Number) });
    expect(body.cache.files).toBeGreaterThan(0);
    expect(body.cache.bytes).toBeGreaterThan(0);
    expect(body.imagesProcessed).toBe(server.app.service.stats().imagesProcessed);
  });
});

describe('unsigned access', () => {
  it('is refused with 403 unless turned on', async () => {
    const locked = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir]);
    try {
      const response = await fetchBody(`${locked.url}/img/landscape/100`);
      expect(response.status).toBe(403);
      expect(response.json()).toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      await locked.close();
    }
  });
});
