import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { decode as decodeBlurHash, isBlurhashValid } from 'blurhash';
import sharp from 'sharp';
import { inspect, makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'responsive-test-secret-0123456789abcdef';
const RESPONSIVE = `query Responsive($path: String!, $widths: [Int!], $sizes: String, $formats: [ImageFormat!], $height: Int, $fit: ImageFit, $position: ImagePosition) {
  responsive(path: $path, widths: $widths, sizes: $sizes, formats: $formats, height: $height, fit: $fit, position: $position) {
    path source width height aspectRatio src srcSet sizes
    sources { type srcSet }
    candidates { url width height format contentType }
  }
}`;
const PLACEHOLDER = 'query($path: String!, $height: Int, $fit: ImageFit) { responsive(path: $path, widths: [400], height: $height, fit: $fit) { placeholder { dataUri color } } }';

interface Responsive {
  path: string;
  source: string;
  width: number;
  height: number;
  aspectRatio: number;
  src: string;
  srcSet: string;
  sizes: string;
  sources: Array<{ type: string; srcSet: string }>;
  candidates: Array<{ url: string; width: number; height: number; format: string; contentType: string }>;
}

const root = tempDir();
const imagesDir = path.join(root, 'images');
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 1200, height: 800, colour: { r: 40, g: 120, b: 200 } });
  await makeSource(imagesDir, 'badge.png', { width: 300, height: 300, format: 'png', alpha: true });
  await makeSource(imagesDir, 'default.jpg', { width: 500, height: 500 });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')], { GOIMGSERVER_SIGNING_SECRET: SECRET });
});
afterAll(() => server.close());

async function responsive(variables: Record<string, unknown>): Promise<Responsive> {
  const answer = await graphql<{ responsive: Responsive }>(server.url, RESPONSIVE, variables);
  expect(answer.errors).toBeUndefined();
  return answer.data!.responsive;
}

/** "url 320w, url 640w" as [url, width] pairs. */
const parseSrcSet = (srcSet: string) => srcSet.split(', ').map((entry) => entry.split(' ') as [string, string]);

describe('responsive images', () => {
  it('gives every width and format a signed URL whose bytes have exactly the reported size and type', async () => {
    const image = await responsive({ path: 'photo' });
    expect(image).toMatchObject({ path: 'photo', source: 'ORIGINAL', width: 1200, height: 800, aspectRatio: 1.5, sizes: '(min-width: 1200px) 1200px, 100vw' });
    expect(image.sources.map((source) => source.type)).toEqual(['image/avif', 'image/webp']);
    expect(image.candidates.map((candidate) => `${candidate.format} ${candidate.width}x${candidate.height}`)).toEqual(
      ['AVIF', 'WEBP', 'JPEG'].flatMap((format) => ['320x213', '640x427', '960x640', '1200x800'].map((size) => `${format} ${size}`)),
    );
    for (const candidate of image.candidates) {
      const response = await fetchBody(server.url + candidate.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(candidate.contentType);
      expect(await inspect(response.body)).toMatchObject({ width: candidate.width, height: candidate.height });
    }
  });

  it('writes srcset attributes from the candidates and makes the largest fallback the src', async () => {
    const image = await responsive({ path: 'photo', widths: [300, 600] });
    const jpeg = image.candidates.filter((candidate) => candidate.format === 'JPEG');
    expect(parseSrcSet(image.srcSet)).toEqual(jpeg.map((candidate) => [candidate.url, `${candidate.width}w`]));
    expect(image.src).toBe(jpeg.at(-1)!.url);
    const webp = image.candidates.filter((candidate) => candidate.format === 'WEBP');
    expect(parseSrcSet(image.sources[1]!.srcSet)).toEqual(webp.map((candidate) => [candidate.url, `${candidate.width}w`]));
  });

  it('gives the same URL for a width as image() does, so the two share cached files', async () => {
    const image = await responsive({ path: 'photo', widths: [640], formats: ['WEBP'] });
    const single = await graphql<{ image: { url: string } }>(server.url, 'query { image(path: "photo", width: 640, format: WEBP) { url } }');
    expect(image.candidates[0]!.url).toBe(single.data!.image.url);
  });

  it('falls back to PNG for a source with transparency', async () => {
    const image = await responsive({ path: 'badge', widths: [100, 200] });
    expect(image.candidates.filter((candidate) => candidate.format === 'PNG').map((candidate) => candidate.width)).toEqual([100, 200]);
    expect((await fetchBody(server.url + image.src)).headers.get('content-type')).toBe('image/png');
  });

  it('crops every candidate to the aspect ratio of the largest width and the height', async () => {
    const image = await responsive({ path: 'photo', widths: [200, 400], height: 400, fit: 'COVER', position: 'NORTH', formats: [] });
    expect(image.sources).toEqual([]);
    expect(image.candidates.map((candidate) => [candidate.width, candidate.height])).toEqual([
      [200, 200],
      [400, 400],
    ]);
    expect(image.candidates[0]!.url).toContain('/200x200/cover/north/jpeg/q75?');
  });

  it('passes a sizes attribute through and reports the fallback that answered a missing image', async () => {
    const image = await responsive({ path: 'nothing-here', widths: [250], sizes: '(max-width: 600px) 100vw, 50vw' });
    expect(image).toMatchObject({ source: 'DEFAULT', sizes: '(max-width: 600px) 100vw, 50vw', width: 250, height: 250 });
  });

  it('renders a placeholder of the same crop once per source version and crop', async () => {
    const rendered = () => server.app.previews.rendered();
    const before = rendered();
    const ask = async (variables: Record<string, unknown>) => {
      const answer = await graphql<{ responsive: { placeholder: { dataUri: string; color: string } } }>(server.url, PLACEHOLDER, variables);
      expect(answer.errors).toBeUndefined();
      return answer.data!.responsive.placeholder;
    };
    const first = await ask({ path: 'photo' });
    expect(first.color).toMatch(/^#[0-9a-f]{6}$/);
    const [r, g, b] = [1, 3, 5].map((at) => parseInt(first.color.slice(at, at + 2), 16));
    expect(Math.abs(r! - 40) + Math.abs(g! - 120) + Math.abs(b! - 200)).toBeLessThan(30);
    expect(first.dataUri).toMatch(/^data:image\/webp;base64,/);
    const bytes = Buffer.from(first.dataUri.split(',')[1]!, 'base64');
    expect(bytes.length).toBeLessThan(1000);
    expect(await inspect(bytes)).toMatchObject({ format: 'webp', width: 24, height: 16 });

    expect(await ask({ path: 'photo' })).toEqual(first);
    expect(rendered()).toBe(before + 1);

    const square = await ask({ path: 'photo', height: 400, fit: 'COVER' });
    expect(await sharp(Buffer.from(square.dataUri.split(',')[1]!, 'base64')).metadata()).toMatchObject({ width: 24, height: 24 });
    expect(rendered()).toBe(before + 2);
  });

  it('hands out a ThumbHash and a BlurHash of the same crop beside the data URI', async () => {
    const { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA, thumbHashToRGBA } = await import('thumbhash');
    type Hashes = { responsive: { placeholder: { color: string; thumbHash: string; blurHash: string } } };
    const hashesOf = async (variables: Record<string, unknown>) => {
      const answer = await graphql<Hashes>(server.url, 'query($path: String!, $height: Int, $fit: ImageFit) { responsive(path: $path, widths: [400], height: $height, fit: $fit) { placeholder { color thumbHash blurHash } } }', variables);
      expect(answer.errors).toBeUndefined();
      return answer.data!.responsive.placeholder;
    };
    const near = (a: { r: number; g: number; b: number }, b: { r: number; g: number; b: number }) => Math.abs(a.r - b.r) + Math.abs(a.g - b.g) + Math.abs(a.b - b.b);
    const photoColour = { r: 40, g: 120, b: 200 };

    const photo = await hashesOf({ path: 'photo' });
    const thumb = Buffer.from(photo.thumbHash, 'base64');
    expect(thumb.length).toBeLessThan(40);
    const average = thumbHashToAverageRGBA(thumb);
    expect(near({ r: average.r * 255, g: average.g * 255, b: average.b * 255 }, photoColour)).toBeLessThan(30);
    expect(thumbHashToApproximateAspectRatio(thumb)).toBeCloseTo(1.5, 0);
    expect(isBlurhashValid(photo.blurHash)).toEqual({ result: true });
    const blurred = decodeBlurHash(photo.blurHash, 8, 8);
    const mean = (offset: number) => blurred.filter((_, index) => index % 4 === offset).reduce((sum, value) => sum + value, 0) / 64;
    expect(near({ r: mean(0), g: mean(1), b: mean(2) }, photoColour)).toBeLessThan(30);

    // A COVER crop to a square: the hashes are of the square.
    const square = await hashesOf({ path: 'photo', height: 400, fit: 'COVER' });
    expect(thumbHashToApproximateAspectRatio(Buffer.from(square.thumbHash, 'base64'))).toBeCloseTo(1, 1);

    // Transparency is kept in the ThumbHash.
    const badge = await hashesOf({ path: 'badge' });
    const decoded = thumbHashToRGBA(Buffer.from(badge.thumbHash, 'base64'));
    expect(Math.min(...decoded.rgba.filter((_, index) => index % 4 === 3))).toBeLessThan(255);

    // A strip taller than ThumbHash's 100 pixels is hashed from a smaller copy, keeping its shape.
    await makeSource(imagesDir, 'strip.png', { width: 100, height: 1000, format: 'png' });
    const strip = await hashesOf({ path: 'strip' });
    expect(thumbHashToApproximateAspectRatio(Buffer.from(strip.thumbHash, 'base64'))).toBeLessThan(0.3);
    expect(isBlurhashValid(strip.blurHash)).toEqual({ result: true });
  });

  it('keeps placeholders right in grey, for transparent images and for extreme shapes', async () => {
    const { thumbHashToAverageRGBA } = await import('thumbhash');
    type Placeholder = { responsive: { placeholder: { dataUri: string; color: string; thumbHash: string; blurHash: string } } };
    const ask = async (variables: Record<string, unknown>) => {
      const answer = await graphql<Placeholder>(server.url, 'query($path: String!, $grayscale: Boolean) { responsive(path: $path, widths: [400], grayscale: $grayscale) { placeholder { dataUri color thumbHash blurHash } } }', variables);
      expect(answer.errors).toBeUndefined();
      return answer.data!.responsive.placeholder;
    };
    const grey = await ask({ path: 'photo', grayscale: true });
    const [r, g, b] = [1, 3, 5].map((at) => parseInt(grey.color.slice(at, at + 2), 16));
    expect(Math.max(r!, g!, b!) - Math.min(r!, g!, b!)).toBeLessThan(4);

    // Mostly transparent, with a red square: the colour is the red that shows, not the black under the transparency.
    const square = await sharp({ create: { width: 400, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: { create: { width: 100, height: 100, channels: 4, background: { r: 220, g: 20, b: 20, alpha: 1 } } }, left: 150, top: 100 }])
      .png()
      .toBuffer();
    await writeFile(path.join(imagesDir, 'sticker.png'), square);
    expect((await ask({ path: 'sticker' })).color).toMatch(/^#[c-f][0-9a-f](0|1|2)[0-9a-f](0|1|2)[0-9a-f]$/);

    // 1920×100 and 4000×20 banners: their previews are a pixel or two high, the hashes still have their colour.
    for (const [name, width, height] of [['banner-wide', 1920, 100], ['banner-thin', 4000, 20]] as const) {
      await makeSource(imagesDir, `${name}.png`, { width, height, format: 'png', colour: { r: 32, g: 96, b: 192 } });
      const placeholder = await ask({ path: name });
      const average = thumbHashToAverageRGBA(Buffer.from(placeholder.thumbHash, 'base64'));
      expect([average.r * 255, average.g * 255, average.b * 255].map((value, index) => Math.abs(value - [32, 96, 192][index]!) < 30)).toEqual([true, true, true]);
      expect(Buffer.from(placeholder.dataUri.split(',')[1]!, 'base64').length).toBeLessThan(1000);
    }
  });

  it('does not render a placeholder nobody asked for', async () => {
    const before = server.app.previews.rendered();
    await responsive({ path: 'badge', widths: [120] });
    expect(server.app.previews.rendered()).toBe(before);
  });

  it.each([
    ['no widths', { widths: [] }, 'widths'],
    ['a width over the limit', { widths: [320, 9000] }, 'widths[1]'],
    ['AUTO among the formats', { formats: ['AUTO'] }, 'formats[0]'],
    ['sizes that would break out of the attribute', { sizes: '100vw" onerror="alert(1)' }, 'sizes'],
    ['sizes of 1001 characters', { sizes: 'x'.repeat(1001) }, 'sizes'],
    ['a height under the limit', { height: 1 }, 'height'],
  ])('refuses %s with BAD_USER_INPUT naming %s', async (_name, variables, argument) => {
    const answer = await graphql(server.url, RESPONSIVE, { path: 'photo', ...variables });
    expect(answer.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toContain(`for ${argument} but`);
  });
});
