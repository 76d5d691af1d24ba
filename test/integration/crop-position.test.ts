import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { inspect, meanColour } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'crop-position-test-secret-0123456789abcdef';
const COVER = `query($path: String!, $position: ImagePosition, $fit: ImageFit) {
  image(path: $path, width: 100, height: 100, fit: $fit, position: $position, format: PNG) { url width height }
}`;

const root = tempDir();
const imagesDir = path.join(root, 'images');
let server: TestServer;

/** A 400×200 image whose left half is `left` and right half is `right`, each a function of (x, y) → RGB. */
async function halves(file: string, left: (x: number, y: number) => number[], right: (x: number, y: number) => number[]) {
  const width = 400;
  const height = 200;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(x < width / 2 ? left(x, y) : right(x, y), (y * width + x) * 3);
  }
  await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toFile(path.join(imagesDir, file));
}

const RED = () => [220, 20, 20];
const BLUE = () => [20, 20, 220];
const GREY = () => [128, 128, 128];
// Deterministic busy pixels: detail that entropy and attention both look for.
const BUSY = (x: number, y: number) => [(x * 97 + y * 31) % 256, (x * 13 + y * 211) % 256, (x * y * 7) % 256];

beforeAll(async () => {
  mkdirSync(imagesDir, { recursive: true });
  await halves('red-blue.png', RED, BLUE);
  await halves('flat-busy.png', GREY, BUSY);
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')], { GOIMGSERVER_SIGNING_SECRET: SECRET });
});
afterAll(() => server.close());

async function crop(imagePath: string, position: string | null, fit = 'COVER') {
  const answer = await graphql<{ image: { url: string; width: number; height: number } }>(server.url, COVER, { path: imagePath, position, fit });
  expect(answer.errors).toBeUndefined();
  const { url } = answer.data!.image;
  const response = await fetchBody(server.url + url);
  expect(response.status).toBe(200);
  return { url, bytes: response.body, colour: await meanColour(response.body) };
}

describe('the part a COVER crop keeps', () => {
  it.each([
    ['WEST', { r: 220, b: 20 }],
    ['NORTHWEST', { r: 220, b: 20 }],
    ['EAST', { r: 20, b: 220 }],
    ['SOUTHEAST', { r: 20, b: 220 }],
  ])('keeps the %s side', async (position, expected) => {
    const { url, colour, bytes } = await crop('red-blue', position);
    expect(url).toContain(`/100x100/cover/${position.toLowerCase()}/png/q100?`);
    expect(colour).toMatchObject(expected);
    expect(await inspect(bytes)).toMatchObject({ width: 100, height: 100 });
  });

  it('keeps the middle by default and leaves the position out of the URL', async () => {
    const { url, colour } = await crop('red-blue', null);
    expect(url).toContain('/100x100/cover/png/q100?');
    expect(colour.r).toBeGreaterThan(80);
    expect(colour.b).toBeGreaterThan(80);
    expect((await crop('red-blue', 'CENTER')).url).toBe(url);
  });

  it.each(['ENTROPY', 'ATTENTION'])('finds the detailed half with %s', async (position) => {
    const greyShare = async (bytes: Buffer) => {
      const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      let grey = 0;
      for (let i = 0; i < data.length; i += info.channels) if (data[i] === 128 && data[i + 1] === 128 && data[i + 2] === 128) grey++;
      return grey / (info.width * info.height);
    };
    expect(await greyShare((await crop('flat-busy', 'CENTER')).bytes)).toBeGreaterThan(0.3);
    expect(await greyShare((await crop('flat-busy', position)).bytes)).toBeLessThan(0.1);
  });

  it('ignores the position for fits that do not crop, so they share one URL', async () => {
    const contain = await crop('red-blue', 'EAST', 'CONTAIN');
    expect(contain.url).toBe((await crop('red-blue', null, 'CONTAIN')).url);
  });

  it('refuses an unknown position before any resolver runs', async () => {
    const answer = await graphql(server.url, COVER, { path: 'red-blue', position: 'MIDDLE' });
    expect(answer.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });
});
