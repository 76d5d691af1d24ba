import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'animation-test-secret-0123456789abcdef';
const IMAGE = `query($path: String!, $width: Int, $height: Int, $fit: ImageFit, $format: ImageFormat, $rotate: Int, $crop: CropInput, $watermark: WatermarkInput) {
  image(path: $path, width: $width, height: $height, fit: $fit, format: $format, rotate: $rotate, crop: $crop, watermark: $watermark) { url width height format animated }
}`;

type Rgb = [number, number, number];
const FRAMES: Rgb[] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
];
const solid = (width: number, height: number, [r, g, b]: Rgb) => sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).png().toBuffer();

/** An animated image of one solid frame per colour, 100 ms each. */
async function animation(width: number, height: number, colours: readonly Rgb[], format: 'gif' | 'webp'): Promise<Buffer> {
  const frames = await Promise.all(colours.map((colour) => solid(width, height, colour)));
  const joined = sharp(frames, { join: { animated: true } });
  const delay = colours.map(() => 100);
  return format === 'gif' ? joined.gif({ delay, loop: 0 }).toBuffer() : joined.webp({ delay, loop: 0, lossless: true }).toBuffer();
}

/** The frames of an image: how many, their size, their delays, and the colour at (x, y) of each. */
async function framesOf(data: Buffer, x = 0, y = 0) {
  const meta = await sharp(data, { animated: true }).metadata();
  const { data: raw, info } = await sharp(data, { animated: true }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const pages = meta.pages ?? 1;
  const pageHeight = meta.pageHeight ?? meta.height!;
  const colours = Array.from({ length: pages }, (_, page) => {
    const at = ((page * pageHeight + y) * info.width + x) * info.channels;
    return [raw[at]!, raw[at + 1]!, raw[at + 2]!] as Rgb;
  });
  return { format: meta.format, pages, width: meta.width, height: pageHeight, delay: meta.delay, colours };
}
const near = (a: Rgb, b: Rgb, tolerance = 40) => a.every((value, index) => Math.abs(value - b[index]!) <= tolerance);
const nearAll = (found: Rgb[], expected: Rgb[]) => found.length === expected.length && found.every((colour, index) => near(colour, expected[index]!));

const root = tempDir();
const imagesDir = path.join(root, 'images');
let server: TestServer;

beforeAll(async () => {
  mkdirSync(path.join(imagesDir, '_brand'), { recursive: true });
  writeFileSync(path.join(imagesDir, 'spinner.gif'), await animation(120, 80, FRAMES, 'gif'));
  writeFileSync(path.join(imagesDir, 'clip.webp'), await animation(120, 80, [...FRAMES, [255, 255, 0]], 'webp'));
  writeFileSync(path.join(imagesDir, 'photo.png'), await solid(120, 80, [200, 200, 200]));
  writeFileSync(path.join(imagesDir, '_brand', 'logo.png'), await solid(40, 20, [255, 255, 255]));
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--allow-unsigned', '--watermarks', 'logo: _brand/logo.png'], {
    GOIMGSERVER_SIGNING_SECRET: SECRET,
  });
});
afterAll(() => server.close());

type Answer = { image: { url: string; width: number; height: number; format: string; animated: boolean } };
async function render(variables: Record<string, unknown>, accept?: string) {
  const answer = await graphql<Answer>(server.url, IMAGE, { path: 'spinner', width: 60, ...variables });
  expect(answer.errors).toBeUndefined();
  const fetched = await fetchBody(server.url + answer.data!.image.url, accept ? { headers: { accept } } : undefined);
  expect(fetched.status).toBe(200);
  return { image: answer.data!.image, bytes: fetched.body, headers: fetched.headers };
}

describe('animated sources', () => {
  it.each(['WEBP', 'GIF'])('keep every frame and its delay in %s, each frame at the reported size', async (format) => {
    const { image, bytes } = await render({ format });
    expect(image).toMatchObject({ width: 60, height: 40, animated: true });
    const frames = await framesOf(bytes);
    expect(frames).toMatchObject({ format: format.toLowerCase(), pages: 3, width: 60, height: 40, delay: [100, 100, 100] });
    expect(nearAll(frames.colours, FRAMES)).toBe(true);
  });

  it('keep the frames of an animated WebP source too', async () => {
    const { image, bytes } = await render({ path: 'clip', format: 'GIF' });
    expect(image.animated).toBe(true);
    expect((await framesOf(bytes)).pages).toBe(4);
  });

  it.each(['JPEG', 'PNG', 'AVIF'])('give their first frame in %s, and say so', async (format) => {
    const { image, bytes } = await render({ format });
    expect(image.animated).toBe(false);
    const frames = await framesOf(bytes);
    expect(frames.pages).toBe(1);
    expect(near(frames.colours[0]!, FRAMES[0]!)).toBe(true);
  });

  it('keep their frames through a half turn, a crop and a COVER crop, but not a quarter turn', async () => {
    const turned = await render({ rotate: 180 });
    expect(turned.image.animated).toBe(true);
    expect((await framesOf(turned.bytes)).pages).toBe(3);
    const cropped = await render({ width: null, crop: { left: 10, top: 10, width: 50, height: 30 } });
    expect(cropped.image).toMatchObject({ width: 50, height: 30, animated: true });
    expect(await framesOf(cropped.bytes)).toMatchObject({ pages: 3, width: 50, height: 30 });
    const covered = await render({ width: 30, height: 30, fit: 'COVER' });
    expect(await framesOf(covered.bytes)).toMatchObject({ pages: 3, width: 30, height: 30 });
    const quarter = await render({ rotate: 90 });
    expect(quarter.image).toMatchObject({ width: 60, height: 90, animated: false });
    expect(await framesOf(quarter.bytes)).toMatchObject({ pages: 1, width: 60, height: 90 });
  });

  it('carry a watermark on every frame', async () => {
    const { bytes } = await render({ format: 'WEBP', watermark: { name: 'logo', position: 'NORTHWEST', size: 50, margin: 0 } });
    const frames = await framesOf(bytes, 5, 5);
    expect(frames.pages).toBe(3);
    expect(frames.colours.every((colour) => near(colour, [255, 255, 255]))).toBe(true);
    expect(nearAll((await framesOf(bytes, 55, 35)).colours, FRAMES)).toBe(true);
  });

  it('get a format that keeps the frames from auto: WebP when the client names it, otherwise GIF', async () => {
    const described = await graphql<Answer>(server.url, IMAGE, { path: 'spinner', width: 60, format: 'AUTO' });
    expect(described.data!.image).toMatchObject({ format: 'AUTO', animated: true });
    const url = server.url + described.data!.image.url;
    for (const accept of ['image/avif,image/webp,*/*', 'image/avif', 'image/webp']) {
      const modern = await fetchBody(url, { headers: { accept } });
      expect(await framesOf(modern.body)).toMatchObject({ format: 'webp', pages: 3 });
    }
    const old = await fetchBody(url, { headers: { accept: '*/*' } });
    expect(old.headers.get('content-type')).toBe('image/gif');
    expect((await framesOf(old.body)).pages).toBe(3);
    const still = await fetchBody(`${server.url}/img/photo/60/auto`, { headers: { accept: 'image/avif,image/webp' } });
    expect(still.headers.get('content-type')).toBe('image/avif');
  });

  it('answer the same from the unsigned grammar', async () => {
    const answer = await fetchBody(`${server.url}/img/spinner/60/gif`);
    expect(answer.headers.get('content-type')).toBe('image/gif');
    expect((await framesOf(answer.body)).pages).toBe(3);
  });

  it('offer a <picture> without AVIF, whose fallback is an animated GIF', async () => {
    const answer = await graphql<{ responsive: { src: string; sources: Array<{ type: string }>; candidates: Array<{ format: string; animated: boolean }> } }>(
      server.url,
      '{ responsive(path: "spinner", widths: [60, 120]) { src sources { type } candidates { format animated } } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.responsive.sources).toEqual([{ type: 'image/webp' }]);
    expect(answer.data!.responsive.candidates.every((candidate) => candidate.animated)).toBe(true);
    expect(new Set(answer.data!.responsive.candidates.map((candidate) => candidate.format))).toEqual(new Set(['WEBP', 'GIF']));
    expect((await framesOf((await fetchBody(server.url + answer.data!.responsive.src)).body)).pages).toBe(3);
  });

  it('render a still image as a one-frame GIF', async () => {
    const { image, bytes } = await render({ path: 'photo', format: 'GIF' });
    expect(image).toMatchObject({ animated: false, format: 'GIF' });
    expect(await framesOf(bytes)).toMatchObject({ format: 'gif', pages: 1, width: 60, height: 40 });
  });
});

describe('animation bounds', () => {
  let bounded: TestServer;
  beforeAll(async () => {
    bounded = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'bounded-cache'), '--max-frames', '2'], { GOIMGSERVER_SIGNING_SECRET: SECRET });
  });
  afterAll(() => bounded.close());

  it('give the first frame when an animation has more frames than --max-frames, and say so', async () => {
    const answer = await graphql<Answer>(bounded.url, IMAGE, { path: 'spinner', width: 60, format: 'WEBP' });
    expect(answer.data!.image.animated).toBe(false);
    const frames = await framesOf((await fetchBody(bounded.url + answer.data!.image.url)).body);
    expect(frames.pages).toBe(1);
    expect(near(frames.colours[0]!, FRAMES[0]!)).toBe(true);
  });
});
