import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { inspect, makeSource, writeFile } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const SECRET = 'token-in-the-git-config-0123456789';
const env = { GOIMGSERVER_SIGNING_SECRET: 'source-files-abuse-secret-0123456789ab' };
let server: TestServer;

// An SVG that pulls a hidden file of the images folder into its text, as librsvg's XInclude allows.
const XINCLUDE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xi="http://www.w3.org/2001/XInclude" width="800" height="200">
  <text x="10" y="100" font-size="40"><xi:include href=".git/config" parse="text"/></text></svg>`;

beforeAll(async () => {
  writeFile(imagesDir, '.git/config', `[remote "origin"]\n\turl = https://ops:${SECRET}@example.com/images.git\n`);
  writeFile(imagesDir, 'readme.jpg', XINCLUDE_SVG);
  writeFile(imagesDir, 'logo.png', XINCLUDE_SVG);
  writeFile(imagesDir, 'pixels.jpg', 'P3\n2 2\n255\n255 0 0 0 255 0 0 0 255 255 255 255\n');
  writeFile(imagesDir, 'notes.jpg', 'just some text, not an image');
  writeFile(imagesDir, 'empty.jpg', '');
  writeFileSync(path.join(imagesDir, 'really-png.jpg'), await sharp({ create: { width: 120, height: 80, channels: 3, background: 'red' } }).png().toBuffer());
  await makeSource(imagesDir, 'wide.jpg', { width: 4000, height: 1000 });
  await makeSource(imagesDir, 'tall.jpg', { width: 20, height: 4000 });
  await makeSource(imagesDir, 'group/default.jpg', { width: 300, height: 200, colour: { r: 0, g: 200, b: 0 } });
  await makeSource(imagesDir, 'group/doomed.jpg', { width: 300, height: 200, colour: { r: 200, g: 0, b: 0 } });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--allow-unsigned', '--source-check-interval', '3600'], env);
});
afterAll(() => server.close());

const IMAGE = 'query ($path: String!, $width: Int, $height: Int, $enlarge: Boolean, $fit: ImageFit, $format: ImageFormat) { image(path: $path, width: $width, height: $height, enlarge: $enlarge, fit: $fit, format: $format) { url width height source } }';

describe('files whose content lies about their name', () => {
  it.each(['readme.jpg', 'logo.png', 'pixels.jpg', 'notes.jpg', 'empty.jpg'])('%s is UNSUPPORTED_IMAGE on both routes, and nothing of it leaks', async (name) => {
    const answer = await graphql(server.url, IMAGE, { path: name });
    expect(answer.errors?.[0]?.extensions.code).toBe('UNSUPPORTED_IMAGE');
    const response = await fetchBody(`${server.url}/img/${name}/300`);
    expect(response.status).toBe(422);
    expect(response.json()).toMatchObject({ code: 'UNSUPPORTED_IMAGE' });
    expect(answer.text + response.body.toString()).not.toContain(SECRET);
  });

  it('serves a PNG saved as .jpg, since its bytes are a supported raster format', async () => {
    const response = await fetchBody(`${server.url}/img/really-png.jpg/60/png`);
    expect(response.status).toBe(200);
    expect(await inspect(response.body)).toMatchObject({ format: 'png', width: 60, height: 40 });
  });
});

describe('outputs are bounded whatever the request', () => {
  it.each([
    ['wide', { height: 3990, enlarge: true, format: 'AVIF' }, [4000, 1000]],
    ['wide', { width: 4000, height: 4000, fit: 'OUTSIDE', enlarge: true }, [4000, 1000]],
    ['tall', { width: 4000, enlarge: true }, [20, 4000]],
    ['tall', { width: 4000 }, [20, 4000]],
  ])('%s with %j plans and renders %j', async (path, args, [width, height]) => {
    const answer = await graphql<{ image: { url: string; width: number; height: number } }>(server.url, IMAGE, { path, ...args });
    expect(answer.errors).toBeUndefined();
    expect([answer.data!.image.width, answer.data!.image.height]).toEqual([width, height]);
    const response = await fetchBody(server.url + answer.data!.image.url);
    expect(response.status).toBe(200);
    expect(await inspect(response.body)).toMatchObject({ width, height });
  });

  it('caps the output pixel count at --max-output-pixels, on both routes alike', async () => {
    const small = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'small-cache'), '--allow-unsigned', '--max-output-pixels', '1000000'], env);
    try {
      const answer = await graphql<{ image: { url: string; width: number; height: number } }>(small.url, IMAGE, { path: 'wide', width: 4000, height: 4000, fit: 'OUTSIDE', enlarge: true });
      const { width, height } = answer.data!.image;
      expect(width * height).toBeLessThanOrEqual(1_000_000);
      expect(width / height).toBeCloseTo(4, 1);
      expect(await inspect((await fetchBody(small.url + answer.data!.image.url)).body)).toMatchObject({ width, height });
      expect(await inspect((await fetchBody(`${small.url}/img/wide/4000x4000/outside/enlarge`)).body)).toMatchObject({ width, height });
    } finally {
      await small.close();
    }
  });
});

describe('a source deleted while its resolution is remembered', () => {
  it('falls back to the group default instead of failing', async () => {
    const first = await fetchBody(`${server.url}/img/group/doomed/100`);
    expect(first.headers.get('x-image-source')).toBe('ORIGINAL');
    rmSync(path.join(imagesDir, 'group/doomed.jpg'));
    const afterwards = await fetchBody(`${server.url}/img/group/doomed/120`);
    expect(afterwards.status).toBe(200);
    expect(afterwards.headers.get('x-image-source')).toBe('GROUP_DEFAULT');
    const described = await graphql<{ image: { source: string } }>(server.url, IMAGE, { path: 'group/doomed', width: 140 });
    expect(described.data?.image.source).toBe('GROUP_DEFAULT');
    mkdirSync(path.join(imagesDir, 'group'), { recursive: true });
  });
});
