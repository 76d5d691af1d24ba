import { promises as fs } from 'node:fs';
import path from 'node:path';
import { inspect, makeSource, writeFile } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'graphql-api-test-secret-0123456789abcdef';
const FIELDS = 'url path source width height format contentType quality';
const IMAGE = `query Image($path: String!, $width: Int, $height: Int, $format: ImageFormat, $quality: Int, $fit: ImageFit, $enlarge: Boolean) {
  image(path: $path, width: $width, height: $height, format: $format, quality: $quality, fit: $fit, enlarge: $enlarge) { ${FIELDS} }
}`;
const IMAGES = `query Images($paths: [String!]!, $width: Int, $height: Int, $format: ImageFormat, $quality: Int, $fit: ImageFit) {
  images(paths: $paths, width: $width, height: $height, format: $format, quality: $quality, fit: $fit) { ${FIELDS} }
}`;

interface ImageResult {
  url: string;
  path: string;
  source: string;
  width: number;
  height: number;
  format: string;
  contentType: string | null;
  quality: number;
}

const root = tempDir();
const imagesDir = path.join(root, 'images');
const cacheDir = path.join(root, 'cache');
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'landscape.jpg', { width: 1200, height: 800 });
  await makeSource(imagesDir, 'portrait.webp', { width: 600, height: 900, format: 'webp' });
  await makeSource(imagesDir, 'badge.png', { width: 120, height: 120, format: 'png', alpha: true });
  await makeSource(imagesDir, 'rotated.jpg', { width: 400, height: 200, orientation: 6 });
  await makeSource(imagesDir, 'tiny.png', { width: 16, height: 12, format: 'png' });
  await makeSource(imagesDir, 'cats/default.jpg', { width: 400, height: 300 });
  await makeSource(imagesDir, 'cats/cat_white.jpg', { width: 300, height: 400 });
  await makeSource(imagesDir, 'default.jpg', { width: 500, height: 500 });
  writeFile(imagesDir, 'corrupt.jpg', 'this is not a jpeg');
  // A test changes a source and expects the very next query to see it.
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--source-check-interval', '0'], { GOIMGSERVER_SIGNING_SECRET: SECRET });
});
afterAll(() => server.close());

async function image(variables: Record<string, unknown>, base = server.url): Promise<ImageResult> {
  const answer = await graphql<{ image: ImageResult }>(base, IMAGE, variables);
  expect(answer.errors).toBeUndefined();
  return (answer.data as { image: ImageResult }).image;
}

async function images(variables: Record<string, unknown>): Promise<ImageResult[]> {
  const answer = await graphql<{ images: ImageResult[] }>(server.url, IMAGES, variables);
  expect(answer.errors).toBeUndefined();
  return (answer.data as { images: ImageResult[] }).images;
}

const fetchImage = (url: string, headers: Record<string, string> = {}) => fetchBody(server.url + url, { headers });
const SHARP_FORMAT: Record<string, string> = { WEBP: 'webp', JPEG: 'jpeg', PNG: 'png', AVIF: 'heif' };

describe('image', () => {
  it('answers with the defaults: a 1000×1000 box, WebP, quality 75, INSIDE', async () => {
    const result = await image({ path: 'landscape' });
    expect(result).toEqual({
      url: expect.stringMatching(/^\/img\/landscape\/1000x1000\/inside\/webp\/q75\?v=[\w-]{22}&s=[\w-]{32}$/),
      path: 'landscape',
      source: 'ORIGINAL',
      width: 1000,
      height: 667,
      format: 'WEBP',
      contentType: 'image/webp',
      quality: 75,
    });
  });

  it('gives the same URL for the same question, and a different one for a different question', async () => {
    const [first, second, other] = await Promise.all([
      image({ path: 'landscape', width: 300, format: 'JPEG' }),
      image({ path: 'landscape', width: 300, format: 'JPEG', quality: 75, fit: 'INSIDE' }),
      image({ path: 'landscape', width: 301, format: 'JPEG' }),
    ]);
    expect(second.url).toBe(first.url);
    expect(other.url).not.toBe(first.url);
  });

  it.each([
    ['cats', 'ORIGINAL'],
    ['cats/cat_white', 'ORIGINAL'],
    ['cats/cat_white.jpg', 'ORIGINAL'],
    ['cats/tiger', 'GROUP_DEFAULT'],
    ['unicorn', 'DEFAULT'],
  ])('says which source answered %s (%s), as the bytes route does', async (asked, source) => {
    const result = await image({ path: asked, width: 100 });
    expect(result).toMatchObject({ path: asked, source });
    const fetched = await fetchImage(result.url);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('x-image-source')).toBe(source);
  });

  const SOURCES = ['landscape', 'portrait', 'badge', 'rotated', 'tiny'];
  const BOXES: Array<Record<string, number | boolean>> = [
    { width: 300 },
    { height: 250 },
    { width: 150, height: 150 },
    { width: 500, height: 100 },
    { width: 900, height: 700, enlarge: true },
  ];
  const FITS = ['INSIDE', 'COVER', 'CONTAIN', 'FILL', 'OUTSIDE'];
  const FORMATS = ['WEBP', 'JPEG', 'PNG', 'AVIF'];
  const cases = BOXES.flatMap((box) => ('width' in box && 'height' in box ? FITS : ['INSIDE']).map((fit) => ({ box, fit })));

  it.each(cases.map(({ box, fit }, index) => [JSON.stringify(box), fit, FORMATS[index % FORMATS.length] as string, box]))(
    'reports exactly what the URL returns: box %s, fit %s, %s, for every source',
    async (_label, fit, format, box) => {
      for (const asked of SOURCES) {
        const result = await image({ path: asked, fit, format, ...box });
        const fetched = await fetchImage(result.url);
        expect(fetched.status).toBe(200);
        expect(fetched.headers.get('content-type')).toBe(result.contentType);
        expect(await inspect(fetched.body)).toMatchObject({ format: SHARP_FORMAT[format], width: result.width, height: result.height });
      }
    },
  );
});

describe('images', () => {
  it('answers in the order asked, duplicates included', async () => {
    const paths = ['portrait', 'landscape', 'cats/tiger', 'portrait'];
    const results = await images({ paths, width: 200 });
    expect(results.map((result) => [result.path, result.source, result.width])).toEqual([
      ['portrait', 'ORIGINAL', 200],
      ['landscape', 'ORIGINAL', 200],
      ['cats/tiger', 'GROUP_DEFAULT', 200],
      ['portrait', 'ORIGINAL', 200],
    ]);
    expect(results[3]?.url).toBe(results[0]?.url);
  });

  it('reads each source header once per request, and once per source version across requests (a touched file keeps its version)', async () => {
    await makeSource(imagesDir, 'batch/one.jpg', { width: 640, height: 480 });
    await makeSource(imagesDir, 'batch/two.jpg', { width: 480, height: 640 });
    const reads = () => server.app.service.stats().metadataReads;
    const paths = ['batch/one', 'batch/two', 'batch/one.jpg', 'batch/one', 'batch/two.jpg'];

    const before = reads();
    const first = await images({ paths, width: 100 });
    expect(reads() - before).toBe(2);

    const again = await images({ paths, width: 100 });
    expect(reads() - before).toBe(2);
    expect(again).toEqual(first);

    const later = new Date(Date.now() + 5000);
    await fs.utimes(path.join(imagesDir, 'batch/one.jpg'), later, later);
    expect(await images({ paths, width: 100 })).toEqual(first);
    expect(reads() - before).toBe(2);

    await makeSource(imagesDir, 'batch/one.jpg', { width: 640, height: 480, colour: { r: 10, g: 20, b: 30 } });
    const changed = await images({ paths, width: 100 });
    expect(reads() - before).toBe(3);
    expect(changed[0]?.url).not.toBe(first[0]?.url);
    expect(changed[1]?.url).toBe(first[1]?.url);
  });

  it('refuses more paths than the limit, naming the argument', async () => {
    const answer = await graphql(server.url, IMAGES, { paths: Array.from({ length: 101 }, (_, i) => `p${i}`) });
    expect(answer.errors).toEqual([
      expect.objectContaining({ message: 'Expected at most 100 paths for paths but received "101 paths"', extensions: { code: 'BAD_USER_INPUT' } }),
    ]);
  });

  it.each([
    [['landscape', 'corrupt', 'portrait'], 1, 'UNSUPPORTED_IMAGE', 'The source is corrupt or not a supported image.'],
    [['landscape', 'portrait', '../landscape'], 2, 'BAD_USER_INPUT', 'Expected path segments that do not start with "." for paths[2] but received ".."'],
  ])('answers %j with the failing item null at its index, its error naming the path and code, and the others whole', async (paths, index, code, message) => {
    const answer = await graphql<{ images: Array<ImageResult | null> }>(server.url, IMAGES, { paths, width: 100 });
    expect(answer.errors).toEqual([{ locations: expect.any(Array), path: ['images', index], message, extensions: { code, imagePath: paths[index] } }]);
    const items = answer.data!.images;
    expect(items).toHaveLength(paths.length);
    items.forEach((item, at) => {
      if (at === index) expect(item).toBeNull();
      else expect(item).toEqual(expect.objectContaining({ path: paths[at], source: 'ORIGINAL', width: 100 }));
    });
  });

  it('reports every failing item of a batch on its own, however many fail', async () => {
    const paths = ['corrupt', 'landscape', '../x', 'corrupt', 'a//b'];
    const answer = await graphql<{ images: Array<ImageResult | null> }>(server.url, IMAGES, { paths });
    expect(answer.data!.images.map((item) => item?.path ?? null)).toEqual([null, 'landscape', null, null, null]);
    // Errors come in the order the items finished, so they are compared by index.
    const byIndex = [...answer.errors!].sort((a, b) => Number(a.path![1]) - Number(b.path![1]));
    expect(byIndex.map((error) => [error.path, error.extensions?.code, error.extensions?.imagePath])).toEqual([
      [['images', 0], 'UNSUPPORTED_IMAGE', 'corrupt'],
      [['images', 2], 'BAD_USER_INPUT', '../x'],
      [['images', 3], 'UNSUPPORTED_IMAGE', 'corrupt'],
      [['images', 4], 'BAD_USER_INPUT', 'a//b'],
    ]);
  });

  it('fails the whole field for an argument every path shares', async () => {
    const answer = await graphql(server.url, IMAGES, { paths: ['landscape', 'corrupt'], width: 5 });
    expect(answer.data).toBeNull();
    expect(answer.errors).toEqual([expect.objectContaining({ path: ['images'], extensions: { code: 'BAD_USER_INPUT' } })]);
  });
});

describe('errors', () => {
  it.each([
    [{ path: 'landscape', width: 9 }, 'Expected an integer from 10 to 4000 for width but received 9'],
    [{ path: 'landscape', width: 4001 }, 'Expected an integer from 10 to 4000 for width but received 4001'],
    [{ path: 'landscape', height: -1 }, 'Expected an integer from 10 to 4000 for height but received -1'],
    [{ path: 'landscape', quality: 0 }, 'Expected an integer from 1 to 100 for quality but received 0'],
    [{ path: 'landscape', quality: 101 }, 'Expected an integer from 1 to 100 for quality but received 101'],
    [{ path: '' }, 'Expected a non-empty image path for path but received ""'],
    [{ path: '../secret' }, 'Expected path segments that do not start with "." for path but received ".."'],
    [{ path: 'cats/../../secret' }, 'Expected path segments that do not start with "." for path but received ".."'],
    [{ path: '/etc/passwd' }, 'Expected a relative path inside the images directory for path but received "/etc/passwd"'],
    [{ path: '.git/config' }, 'Expected path segments that do not start with "." for path but received ".git"'],
    [{ path: 'cats//default' }, 'Expected a path without empty segments for path but received ""'],
    [{ path: 'cats\\default' }, 'Expected path segments without "/", "\\", "%" or control characters for path but received "cats\\\\default"'],
    [{ path: 'cat%2e%2e' }, 'Expected path segments without "/", "\\", "%" or control characters for path but received "cat%2e%2e"'],
    [{ path: 'nul\u0000byte' }, 'Expected path segments without "/", "\\", "%" or control characters for path but received "nul\\u0000byte"'],
  ])('%j is BAD_USER_INPUT: %s', async (variables, message) => {
    const answer = await graphql(server.url, IMAGE, variables);
    expect(answer.errors).toEqual([expect.objectContaining({ message, path: ['image'], extensions: { code: 'BAD_USER_INPUT' } })]);
  });

  it('names the variable and the expected type when a value has the wrong type', async () => {
    const answer = await graphql(server.url, IMAGE, { path: 'landscape', width: 'wide' });
    expect(answer.status).toBe(400);
    expect(answer.errors).toEqual([
      expect.objectContaining({ message: expect.stringContaining('Variable "$width" got invalid value "wide"; Int cannot represent'), extensions: { code: 'BAD_USER_INPUT' } }),
    ]);
  });

  it.each([
    ['corrupt', 'The source is corrupt or not a supported image.'],
    ['heavy', 'The source is larger than 300000 bytes.'],
  ])('a source that cannot be read (%s) is UNSUPPORTED_IMAGE', async (asked, message) => {
    const noise = Buffer.alloc(400_000, 7);
    writeFile(imagesDir, 'heavy.jpg', noise);
    const limited = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--max-source-bytes', '300000'], { GOIMGSERVER_SIGNING_SECRET: SECRET });
    try {
      const answer = await graphql(limited.url, IMAGE, { path: asked });
      expect(answer.errors).toEqual([expect.objectContaining({ message, path: ['image'], extensions: { code: 'UNSUPPORTED_IMAGE' } })]);
    } finally {
      await limited.close();
    }
  });

  it('masks an unexpected failure (injected: no real input makes resolution throw) and logs it under the request id', async () => {
    const { resolver } = server.app;
    const withSource = resolver.withSource;
    resolver.withSource = () => Promise.reject(new Error(`EIO: i/o error, open '${imagesDir}/landscape.jpg'`));
    try {
      const answer = await graphql(server.url, IMAGE, { path: 'landscape' }, { 'x-request-id': 'req-masking-1' });
      expect(answer.errors).toEqual([{ message: 'Unexpected error.', locations: expect.any(Array), path: ['image'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      expect(answer.text).not.toContain(imagesDir);
      expect(server.logs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ reqId: 'req-masking-1', msg: 'graphql request failed', err: expect.objectContaining({ message: expect.stringContaining('EIO') }) }),
        ]),
      );
    } finally {
      resolver.withSource = withSource;
    }
  });
});
