import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect, makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'gallery-test-secret-0123456789abcdefgh';
const GALLERY = `query Gallery($paths: [String!]!, $widths: [Int!], $sizes: String, $formats: [ImageFormat!], $height: Int, $fit: ImageFit) {
  responsiveImages(paths: $paths, widths: $widths, sizes: $sizes, formats: $formats, height: $height, fit: $fit) {
    path source width height src srcSet sizes
    sources { type srcSet }
    placeholder { dataUri color }
  }
}`;

interface GalleryItem {
  path: string;
  source: string;
  width: number;
  height: number;
  src: string;
  srcSet: string;
  sizes: string;
  sources: Array<{ type: string; srcSet: string }>;
  placeholder: { dataUri: string; color: string };
}

const root = tempDir();
const imagesDir = path.join(root, 'images');
const PHOTOS = Array.from({ length: 50 }, (_, i) => `photos/p${i}`);
const start = (flags: string[] = []) =>
  startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, `cache-${Math.random()}`), '--precache', 'false', ...flags], { GOIMGSERVER_SIGNING_SECRET: SECRET });

beforeAll(async () => {
  // Fifty distinct sources, so every placeholder is its own render.
  for (const [i, name] of PHOTOS.entries()) {
    await makeSource(imagesDir, `${name}.jpg`, { width: 400 + i * 8, height: 300, colour: { r: i * 5, g: 100, b: 200 - i * 3 } });
  }
  writeFileSync(path.join(imagesDir, 'photos/broken.jpg'), 'not a jpeg at all');
}, 60_000);

describe('a gallery in one query (responsiveImages)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());

  it('answers 50 images with their candidates and placeholders in one request, within the default cost', async () => {
    const answer = await graphql<{ responsiveImages: GalleryItem[] }>(server.url, GALLERY, { paths: PHOTOS, widths: [160, 320], sizes: '(min-width: 640px) 33vw, 100vw' });
    expect(answer.errors).toBeUndefined();
    const items = answer.data!.responsiveImages;
    expect(items.map((item) => item.path)).toEqual(PHOTOS);
    for (const [i, item] of items.entries()) {
      expect(item).toMatchObject({ source: 'ORIGINAL', width: 320, height: Math.round((300 * 320) / (400 + i * 8)), sizes: '(min-width: 640px) 33vw, 100vw' });
      expect(item.sources.map((source) => source.type)).toEqual(['image/avif', 'image/webp']);
      expect(item.srcSet.split(', ').map((entry) => entry.split(' ')[1])).toEqual(['160w', '320w']);
      expect(item.placeholder.dataUri).toMatch(/^data:image\/webp;base64,/);
    }
    // Different sources, different placeholders: each item got its own.
    expect(new Set(items.map((item) => item.placeholder.color)).size).toBeGreaterThan(10);
    const bytes = await fetchBody(server.url + items[7]!.src);
    expect(await inspect(bytes.body)).toMatchObject({ format: 'jpeg', width: 320, height: items[7]!.height });
  });

  it('keeps every other image when one path fails, naming the failed one by index and path', async () => {
    const paths = ['photos/p1', 'photos/broken', '../outside', 'photos/p2'];
    const answer = await graphql<{ responsiveImages: Array<GalleryItem | null> }>(server.url, GALLERY, { paths, widths: [200] });
    expect(answer.data!.responsiveImages.map((item) => item?.path ?? null)).toEqual(['photos/p1', null, null, 'photos/p2']);
    const errors = [...answer.errors!].sort((a, b) => Number(a.path![1]) - Number(b.path![1]));
    expect(errors.map((error) => [error.path, error.extensions])).toEqual([
      [['responsiveImages', 1], { code: 'UNSUPPORTED_IMAGE', imagePath: 'photos/broken' }],
      [['responsiveImages', 2], { code: 'BAD_USER_INPUT', imagePath: '../outside' }],
    ]);
  });

  it.each([
    [{ paths: ['photos/p1'], sizes: '"><script>' }, 'sizes'],
    [{ paths: ['photos/p1'], widths: [5] }, 'widths'],
    [{ paths: ['photos/p1'], formats: ['AUTO'] }, 'formats[0]'],
    [{ paths: Array.from({ length: 101 }, (_, i) => `p${i}`) }, 'paths'],
  ])('fails the whole field for a shared argument no path could make right: %j', async (variables, argument) => {
    const answer = await graphql(server.url, GALLERY.replace(/placeholder \{[^}]*\}/, ''), variables);
    expect(answer.data).toBeNull();
    expect(answer.errors).toEqual([expect.objectContaining({ path: ['responsiveImages'], extensions: { code: 'BAD_USER_INPUT' } })]);
    expect(answer.errors![0]!.message).toContain(argument);
  });

  it('costs each path its candidate URLs (one per two) and a placeholder 10, within the default bound up to 76 paths of 2 widths', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => PHOTOS[i % PHOTOS.length]!);
    // 2 widths × 3 formats = 6 URLs: 3, and 10 for the placeholder, per path.
    const within = await graphql(server.url, GALLERY, { paths: many(76), widths: [160, 320] });
    expect(within.errors).toBeUndefined();
    const over = await graphql(server.url, GALLERY, { paths: many(77), widths: [160, 320] });
    expect(over.status).toBe(400);
    expect(over.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(over.errors![0]!.message).toContain('--max-cost');
    // The default 6 widths: 9 and 10 per path, so a gallery of 50 still fits.
    expect((await graphql(server.url, GALLERY, { paths: many(50) })).errors).toBeUndefined();
  });

  it('refuses galleries that would mint more URLs than the cost bound pays for, before minting any', async () => {
    const widths = Array.from({ length: 16 }, (_, i) => 100 + i * 100);
    const document = `query($p: [String!]!, $w: [Int!]) { ${Array.from({ length: 10 }, (_, i) => `a${i}: responsiveImages(paths: $p, widths: $w, formats: [AVIF, WEBP]) { srcSet sources { srcSet } }`).join(' ')} }`;
    const answer = await graphql(server.url, document, { p: PHOTOS, w: widths });
    expect([answer.status, answer.errors![0]!.message]).toEqual([400, expect.stringContaining('--max-cost')]);
  });
});

describe('gallery budgets', () => {
  it('counts each path against the images budget', async () => {
    const server = await start(['--rate-limit-images', '5/1m']);
    try {
      const first = await graphql(server.url, 'query($paths: [String!]!) { responsiveImages(paths: $paths, widths: [100]) { src } }', { paths: PHOTOS.slice(0, 3) });
      expect(first.errors).toBeUndefined();
      const second = await graphql(server.url, 'query($paths: [String!]!) { responsiveImages(paths: $paths, widths: [100]) { src } }', { paths: PHOTOS.slice(0, 3) });
      expect(second.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) }) })]);
    } finally {
      await server.close();
    }
  });

  it('shares one budget of paths with images, whichever field asks', async () => {
    const server = await start(['--rate-limit-images', '5/1m', '--trusted-proxies', '127.0.0.1']);
    const gallery = 'query($paths: [String!]!) { responsiveImages(paths: $paths, widths: [100]) { src } }';
    const list = 'query($paths: [String!]!) { images(paths: $paths) { url } }';
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const limited = [expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) }) })];
    try {
      expect((await graphql(server.url, gallery, { paths: PHOTOS.slice(0, 3) }, from('203.0.113.1'))).errors).toBeUndefined();
      expect((await graphql(server.url, list, { paths: PHOTOS.slice(0, 2) }, from('203.0.113.1'))).errors).toBeUndefined();
      // Five paths spent, three through responsiveImages and two through images: neither field has one left.
      expect((await graphql(server.url, list, { paths: PHOTOS.slice(0, 1) }, from('203.0.113.1'))).errors).toEqual(limited);
      expect((await graphql(server.url, gallery, { paths: PHOTOS.slice(0, 1) }, from('203.0.113.1'))).errors).toEqual(limited);
      // The two fields as aliases of one request draw from it together too.
      const both = await graphql(server.url, 'query($paths: [String!]!) { a: images(paths: $paths) { url } b: responsiveImages(paths: $paths, widths: [100]) { src } }', { paths: PHOTOS.slice(0, 3) }, from('203.0.113.2'));
      expect(both.errors?.map((error) => error.extensions.code)).toEqual(['RATE_LIMITED']);
    } finally {
      await server.close();
    }
  });

  it('counts each placeholder rendered against the render budget, however many run at once', async () => {
    const server = await start(['--rate-limit-renders', '3/1m']);
    try {
      const answer = await graphql<{ responsiveImages: Array<GalleryItem | null> }>(server.url, GALLERY, { paths: PHOTOS.slice(0, 8), widths: [100] });
      expect(answer.data!.responsiveImages.filter((item) => item !== null)).toHaveLength(3);
      expect(answer.errors).toHaveLength(5);
      for (const error of answer.errors!) {
        expect(error.path).toEqual(['responsiveImages', expect.any(Number), 'placeholder']);
        expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', imagePath: PHOTOS[error.path![1] as number] });
      }
    } finally {
      await server.close();
    }
  });
});
