import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createRemote, GIT_TEST_ENV, publish } from '../helpers/git';
import { inspect } from '../helpers/images';
import { fetchBody, graphql, spawnServer, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'watermark-test-secret-0123456789abcdef';
const TOKEN = 'watermark-admin-token-0123456789abcdef';
const WATERMARKS = 'logo: _brand/logo.png; dot: _brand/dot.png';
const PRESETS = 'stamped: 400 png wm-logo-northwest-s50';
const IMAGE = `query($path: String!, $width: Int, $format: ImageFormat, $preset: String, $watermark: WatermarkInput, $blur: Float, $grayscale: Boolean) {
  image(path: $path, width: $width, format: $format, preset: $preset, watermark: $watermark, blur: $blur, grayscale: $grayscale) { url width height }
}`;

type Rgb = [number, number, number];
const BLUE: Rgb = [0, 0, 255];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const solid = (width: number, height: number, [r, g, b]: Rgb) => sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).png().toBuffer();

/** The pixel of a rendered image at (x, y). */
async function pixel(data: Buffer, x: number, y: number): Promise<Rgb> {
  const { data: raw, info } = await sharp(data).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [raw[at]!, raw[at + 1]!, raw[at + 2]!];
}
const near = (a: Rgb, b: Rgb, tolerance = 30) => a.every((value, index) => Math.abs(value - b[index]!) <= tolerance);

const root = tempDir();
let publisher: string;
let server: TestServer;

beforeAll(async () => {
  const repo = createRemote(root);
  publisher = repo.publisher;
  // A blue 400×200 photo; a red 100×50 logo; a dot that is transparent but for its middle.
  writeFileSync(path.join(publisher, 'photo.png'), await solid(400, 200, BLUE));
  mkdirSync(path.join(publisher, '_brand'));
  writeFileSync(path.join(publisher, '_brand', 'logo.png'), await solid(100, 50, RED));
  const dot = await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: await solid(10, 10, GREEN), left: 15, top: 15 }])
    .png()
    .toBuffer();
  writeFileSync(path.join(publisher, '_brand', 'dot.png'), dot);
  publish(publisher, 'photo and watermarks');
  server = await startServer(
    ['--imagesdir', path.join(root, 'images'), '--cachedir', path.join(root, 'cache'), '--git-url', repo.remote, '--watermarks', WATERMARKS, '--presets', PRESETS, '--allow-unsigned'],
    { ...GIT_TEST_ENV, GOIMGSERVER_SIGNING_SECRET: SECRET, GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}` },
  );
});
afterAll(() => server.close());

type Answer = { image: { url: string; width: number; height: number } };
const ask = (variables: Record<string, unknown>) => graphql<Answer>(server.url, IMAGE, { path: 'photo', width: 400, format: 'PNG', ...variables });
async function bytesOf(variables: Record<string, unknown>): Promise<Buffer> {
  const answer = await ask(variables);
  expect(answer.errors).toBeUndefined();
  return (await fetchBody(server.url + answer.data!.image.url)).body;
}

describe('watermarks', () => {
  it('lays the logo at its defaults: bottom right, a fifth of the width, 2% margin, opaque, at the reported size', async () => {
    const answer = await ask({ watermark: { name: 'logo' } });
    expect(answer.data!.image).toMatchObject({ width: 400, height: 200 });
    // The logo's version starts its content id, as a source's does: SHA-256 of git's blob framing of its bytes.
    const logo = readFileSync(path.join(publisher, '_brand', 'logo.png'));
    const version = createHash('sha256').update(`blob ${logo.length}\0`).update(logo).digest('hex').slice(0, 10);
    expect(answer.data!.image.url).toMatch(new RegExp(`/photo/400/inside/png/q100/wm-logo-southeast-s20-o100-m2-v${version}\\?v=`));
    const bytes = (await fetchBody(server.url + answer.data!.image.url)).body;
    expect(await inspect(bytes)).toMatchObject({ width: 400, height: 200 });
    // 80×40 at 4 px from the right and bottom edges: x 316-395, y 156-195.
    expect(near(await pixel(bytes, 355, 175), RED)).toBe(true);
    expect(near(await pixel(bytes, 318, 158), RED)).toBe(true);
    expect(near(await pixel(bytes, 313, 175), BLUE)).toBe(true);
    expect(near(await pixel(bytes, 355, 153), BLUE)).toBe(true);
    expect(near(await pixel(bytes, 398, 198), BLUE)).toBe(true);
    expect(near(await pixel(bytes, 20, 20), BLUE)).toBe(true);
  });

  it('places, sizes and fades it as asked', async () => {
    const placed = await bytesOf({ watermark: { name: 'logo', position: 'NORTHWEST', size: 50, margin: 0 } });
    // 200×100 in the top left corner.
    expect(near(await pixel(placed, 1, 1), RED)).toBe(true);
    expect(near(await pixel(placed, 198, 98), RED)).toBe(true);
    expect(near(await pixel(placed, 202, 50), BLUE)).toBe(true);
    expect(near(await pixel(placed, 100, 102), BLUE)).toBe(true);
    const faded = await bytesOf({ watermark: { name: 'logo', position: 'CENTER', opacity: 50 } });
    expect(near(await pixel(faded, 200, 100), [128, 0, 128], 12)).toBe(true);
  });

  it('keeps the transparency of the watermark file: only its opaque part shows', async () => {
    // 40% of 400: the 40×40 dot becomes 160×160, its green middle 40×40 at the centre.
    const bytes = await bytesOf({ watermark: { name: 'dot', position: 'CENTER', size: 40 } });
    expect(near(await pixel(bytes, 200, 100), GREEN)).toBe(true);
    expect(near(await pixel(bytes, 140, 40), BLUE)).toBe(true);
  });

  it('is laid over the finished output: filters do not blur or grey it', async () => {
    const bytes = await bytesOf({ watermark: { name: 'logo', position: 'CENTER', size: 50 }, blur: 10, grayscale: true });
    // The logo's own edge stays sharp and red while the photo around it is grey.
    expect(near(await pixel(bytes, 102, 52), RED)).toBe(true);
    const around = await pixel(bytes, 20, 20);
    expect(Math.max(...around) - Math.min(...around)).toBeLessThan(6);
  });

  it('answers the same bytes from the unsigned grammar and ignores a name that is not configured', async () => {
    const signed = await fetchBody(server.url + (await ask({ watermark: { name: 'logo', position: 'NORTHWEST', size: 50 } })).data!.image.url);
    const unsigned = await fetchBody(`${server.url}/img/photo/400/png/wm-logo-northwest-s50`);
    expect(unsigned.status).toBe(200);
    expect(unsigned.headers.get('etag')).toBe(signed.headers.get('etag'));
    const plain = await fetchBody(`${server.url}/img/photo/400/png`);
    for (const ignored of ['wm-nope', 'wm-logo-up', 'wm-logo-s0', 'wm-logo-s20-s30', 'wm-Logo']) {
      const answer = await fetchBody(`${server.url}/img/photo/400/png/${ignored}`);
      expect([ignored, answer.headers.get('etag')]).toEqual([ignored, plain.headers.get('etag')]);
    }
  });

  it.each([
    [{ name: 'nope' }, /a configured watermark \(logo, dot\)/],
    [{ name: 'logo', position: 'ENTROPY' }, /a position among center, north/],
    [{ name: 'logo', size: 0 }, /size 1-100/],
    [{ name: 'logo', opacity: 101 }, /opacity 1-100/],
    [{ name: 'logo', margin: 26 }, /margin 0-25/],
    [{ name: 'Logo' }, /lower-case letters/],
  ])('refuses %j with BAD_USER_INPUT naming watermark', async (watermark, expected) => {
    const answer = await ask({ watermark });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toMatch(expected);
    expect(answer.errors?.[0]?.message).toContain('for watermark but');
  });

  it('is forced by a preset that lays one, and listed with it', async () => {
    const stamped = await graphql<Answer>(server.url, '{ image(path: "photo", preset: "stamped") { url } }');
    expect(stamped.data!.image.url).toMatch(/\/wm-logo-northwest-s50-o100-m2-v[0-9a-f]{10}\?/);
    const replaced = await graphql<Answer>(server.url, '{ image(path: "photo", preset: "stamped", watermark: { name: "dot" }) { url } }');
    expect(replaced.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/no watermark beside the preset stamped/) });
    const listed = await graphql<{ imagePresets: unknown[] }>(server.url, '{ imagePresets { name watermark { name position size opacity margin } } }');
    expect(listed.data!.imagePresets).toEqual([{ name: 'stamped', watermark: { name: 'logo', position: 'NORTHWEST', size: 50, opacity: 100, margin: 2 } }]);
  });

  it('follows a logo changed by a sync: new URLs with the new logo, and the old URL briefly cacheable', async () => {
    const before = await ask({ watermark: { name: 'logo', position: 'CENTER' } });
    const oldUrl = server.url + before.data!.image.url;
    expect((await fetchBody(oldUrl)).headers.get('cache-control')).toContain('immutable');
    writeFileSync(path.join(publisher, '_brand', 'logo.png'), await solid(100, 50, GREEN));
    publish(publisher, 'a green logo');
    const synced = await graphql(server.url, 'mutation { syncImages { updated } }', {}, { authorization: `Bearer ${TOKEN}` });
    expect(synced.data).toEqual({ syncImages: { updated: true } });

    const after = await ask({ watermark: { name: 'logo', position: 'CENTER' } });
    expect(after.data!.image.url).not.toBe(before.data!.image.url);
    expect(near(await pixel((await fetchBody(server.url + after.data!.image.url)).body, 200, 100), GREEN)).toBe(true);
    const old = await fetchBody(oldUrl);
    expect(old.status).toBe(200);
    expect(old.headers.get('cache-control')).toBe('public, max-age=60');
    expect(near(await pixel(old.body, 200, 100), GREEN)).toBe(true);
  });
});

describe('watermarks at start-up', () => {
  const imagesDir = path.join(root, 'plain-images');
  beforeAll(async () => {
    mkdirSync(path.join(imagesDir, '_brand'), { recursive: true });
    writeFileSync(path.join(imagesDir, 'photo.png'), await solid(40, 20, BLUE));
    writeFileSync(path.join(imagesDir, '_brand', 'notes.png'), 'not an image');
    writeFileSync(path.join(root, 'outside.png'), await solid(10, 10, RED));
    symlinkSync(path.join(root, 'outside.png'), path.join(imagesDir, '_brand', 'escape.png'));
    mkdirSync(path.join(imagesDir, '.git'));
    writeFileSync(path.join(imagesDir, '.git', 'logo.png'), await solid(10, 10, RED));
    symlinkSync(path.join('..', '.git', 'logo.png'), path.join(imagesDir, '_brand', 'hidden.png'));
  });

  it.each([
    ['a missing file', ['--watermarks', 'logo: _brand/missing.png'], /The watermark logo \(_brand\/missing.png\) is not a file in the images folder.*--watermarks/],
    ['a file that is not an image', ['--watermarks', 'logo: _brand/notes.png'], /The watermark logo .* is not a supported image.*--watermarks/],
    ['a link leading outside the images folder', ['--watermarks', 'logo: _brand/escape.png'], /leads outside the images folder.*--watermarks/],
    ['a path outside the images folder', ['--watermarks', 'logo: ../outside.png'], /--watermarks/],
    ['a link to a hidden file', ['--watermarks', 'logo: _brand/hidden.png'], /leads to a hidden file.*--watermarks/],
    ['a preset laying a watermark that is not configured', ['--presets', 'stamped: 200 wm-logo'], /The preset stamped lays the watermark logo, which --watermarks does not configure/],
  ])('refuses %s with one line naming the setting', async (_name, flags, expected) => {
    const started = spawnServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'plain-cache'), ...flags], { GOIMGSERVER_SIGNING_SECRET: SECRET }, root);
    await expect(started).rejects.toThrow(expected);
  });
});
