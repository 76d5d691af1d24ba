import path from 'node:path';
import fc from 'fast-check';
import { parseUrlSegments } from '../../src/images/path';
import { parseGrammar } from '../../src/images/spec';
import { makeSource, meanColour } from '../helpers/images';
import { graphql, rawGet, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const MAGENTA = { r: 255, g: 0, b: 255 };
const root = tempDir();
const imagesDir = path.join(root, 'images');
const limits = { minDimension: 10, maxDimension: 4000 };
let server: TestServer;

beforeAll(async () => {
  await makeSource(root, 'secret.jpg', { width: 64, height: 64, colour: MAGENTA });
  await makeSource(imagesDir, 'photo.jpg', { width: 300, height: 200 });
  await makeSource(imagesDir, 'cats/default.jpg', { width: 200, height: 200 });
  await makeSource(imagesDir, '_brand/logo.png', { width: 40, height: 20, format: 'png', alpha: true });
  const flags = ['--allow-unsigned', '--rate-limit-renders', 'off', '--rate-limit-image', 'off', '--watermarks', 'logo: _brand/logo.png'];
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), ...flags], {
    GOIMGSERVER_SIGNING_SECRET: 'url-grammar-abuse-secret-0123456789abcd',
  });
});
afterAll(() => server.close());

describe('long multibyte path segments', () => {
  const long = 'é'.repeat(200);

  it('are refused with 400 on the bytes route, naming the limit in bytes', async () => {
    const response = await rawGet(server.url, `/img/${encodeURIComponent(long)}/300`);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body.toString())).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('at most 255 bytes') });
  });

  it('are refused in GraphQL instead of being signed', async () => {
    const answer = await graphql(server.url, '{ image(path: $path) { url } }'.replace('$path', JSON.stringify(long)));
    expect(answer.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('at most 255 bytes') });
  });

  it('past 32 segments or 1024 bytes are refused on the unsigned route as in GraphQL', async () => {
    const deep = Array.from({ length: 40 }, (_, i) => `s${i}`).join('/');
    expect((await rawGet(server.url, `/img/${deep}/300`)).status).toBe(400);
    const long = Array.from({ length: 8 }, () => 'x'.repeat(200)).join('/');
    expect(JSON.parse((await rawGet(server.url, `/img/${long}/300`)).body.toString())).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('1024 bytes') });
  });

  it('up to the 1024-byte limit, fully percent-encoded, are answered at the URL the API signs', async () => {
    // Five segments of "é" (two bytes, six characters encoded): 1022 bytes, over 3072 characters with the parameters.
    const path = [...Array.from({ length: 4 }, () => 'é'.repeat(127)), 'é'].join('/');
    expect(Buffer.byteLength(path)).toBe(1022);
    const answer = await graphql<{ image: { url: string; width: number } }>(server.url, 'query ($path: String!) { image(path: $path, width: 100) { url width } }', { path });
    expect(answer.errors).toBeUndefined();
    const response = await rawGet(server.url, answer.data!.image.url);
    expect(response.status).toBe(200);
  });

  it('of up to 255 bytes are answered (by the fallback)', async () => {
    const response = await rawGet(server.url, `/img/${encodeURIComponent('é'.repeat(127))}/300`);
    expect(response.status).toBe(200);
  });
});

describe('paths that are not well-formed Unicode', () => {
  // JSON carries a lone surrogate (\ud800) that no file name or URL can spell.
  const lone = ['\ud800', 'cats/x\udfffy', 'photo\ud83d'];

  it('are BAD_USER_INPUT on their own item in image, images and responsiveImages, never an unexpected error', async () => {
    for (const path of lone) {
      const single = await graphql(server.url, 'query ($path: String!) { image(path: $path) { url } }', { path });
      expect(single.errors).toEqual([expect.objectContaining({ path: ['image'], extensions: { code: 'BAD_USER_INPUT' } })]);
    }
    const batch = await graphql<{ images: Array<{ url: string } | null> }>(server.url, 'query ($paths: [String!]!) { images(paths: $paths) { url } }', { paths: ['photo', ...lone] });
    expect(batch.data!.images[0]).toEqual({ url: expect.stringMatching(/^\/img\/photo\//) });
    expect(batch.errors!.map((error) => [error.path, error.extensions.code]).sort()).toEqual(lone.map((_, i) => [['images', i + 1], 'BAD_USER_INPUT']));
    const gallery = await graphql(server.url, 'query ($paths: [String!]!) { responsiveImages(paths: $paths, widths: [100]) { src } }', { paths: lone });
    expect(gallery.errors!.map((error) => error.extensions.code)).toEqual(lone.map(() => 'BAD_USER_INPUT'));
  });

  it('keep a well-formed pair (an emoji) an ordinary name', async () => {
    const answer = await graphql<{ image: { url: string } }>(server.url, '{ image(path: "photo😀") { url } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.image.url).toMatch(/^\/img\/photo%F0%9F%98%80\//);
  });
});

// Segments a stranger might send: parameters valid and not, names, encodings of every kind.
const segment = fc.oneof(
  fc.constantFrom('photo', 'photo.jpg', 'cats', 'default', '..', '.', '', '.git', '%2e%2e', '%2F', '%00', '%', '%zz', '%252e', 'é', '%C3%A9', '\\', 'q0', 'q101', 'q50', '300', '0', '99999', '300x', 'x300', '300x200', 'webp', 'auto', 'avif', 'cover', 'attention', 'enlarge', 'secret.jpg'),
  // Adjustment words, valid and not.
  fc.constantFrom('dpr2', 'dpr4', 'dpr9', 'dpr1.5', 'rotate90', 'rotate270', 'rotate45', 'fliph', 'flipv', 'bgff0000', 'bg00ff0080', 'bgzz', 'bg1', 'blur3', 'blur10', 'blur99', 'blur0.1', 'sharpen1', 'sharpen9', 'grayscale'),
  fc.constantFrom('crop0x0x100x100', 'crop9999x9999x10x10', 'crop0x0x0x0', 'cropf0.5x0.5x0.5x0.5', 'cropf0.9x0x0.5x1', 'cropf', 'trim', 'trim1', 'trim100', 'trim101', 'wm-logo', 'wm-logo-north-s100-o1-m25', 'wm-logo-s0', 'wm-nope', 'wm-logo-v0123456789', 'gif'),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 8 }).map(encodeURIComponent),
  // Sent as they are: Node's parser refuses bytes outside ASCII before any route runs.
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 4 }),
  fc.integer({ min: -10, max: 100000 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 9999 })).map(([w, h]) => `${w}x${h}`),
);
const urlPath = fc.array(segment, { minLength: 1, maxLength: 8 }).map((segments) => segments.join('/'));

describe('the graceful grammar, on generated URLs', () => {
  it('never throws anything but BAD_USER_INPUT while parsing', () => {
    fc.assert(
      fc.property(urlPath, (raw) => {
        try {
          parseGrammar(parseUrlSegments(raw), limits);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('BAD_USER_INPUT');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('answers every generated URL with an image, 400, 403 or 422, never a 500 and never the file outside', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(urlPath, fc.option(fc.constantFrom('?s=x', '?v=1&s=' + 'A'.repeat(32), '?v=&s=', '?x=1')), async (raw, query) => {
        const response = await rawGet(server.url, `/img/${raw}${query ?? ''}`);
        statuses.add(response.status);
        expect([200, 400, 403, 422]).toContain(response.status);
        if (response.status === 200) {
          const mean = await meanColour(response.body);
          expect(Math.abs((mean.g as number) - MAGENTA.g)).toBeGreaterThan(60);
        } else {
          expect(JSON.parse(response.body.toString()).code).not.toBe('INTERNAL_SERVER_ERROR');
        }
      }),
      { numRuns: 250 },
    );
    expect(statuses).toContain(200);
    expect(statuses).toContain(400);
  });
});

describe('GraphQL image arguments, generated', () => {
  const argument = fc.record(
    {
      path: fc.oneof(fc.constantFrom('photo', 'cats', '../secret', '/etc/passwd', '', 'a//b', '.git/config'), fc.string({ maxLength: 300 })),
      width: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.constant(null)),
      height: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.constant(null)),
      quality: fc.oneof(fc.integer({ min: -1, max: 102 }), fc.constant(null)),
      format: fc.constantFrom('WEBP', 'JPEG', 'PNG', 'AVIF', 'AUTO', 'GIF', null),
      fit: fc.constantFrom('INSIDE', 'COVER', 'CONTAIN', 'FILL', 'OUTSIDE', 'STRETCH', null),
      enlarge: fc.boolean(),
      crop: fc.option(
        fc.record({
          left: fc.oneof(fc.integer({ min: -5, max: 400 }), fc.double({ min: -1, max: 2, noNaN: true })),
          top: fc.integer({ min: -5, max: 300 }),
          width: fc.oneof(fc.integer({ min: -1, max: 400 }), fc.double({ min: 0, max: 1.5, noNaN: true })),
          height: fc.integer({ min: 0, max: 300 }),
          unit: fc.constantFrom('PIXELS', 'FRACTION', null),
        }),
      ),
      trim: fc.option(fc.integer({ min: -1, max: 150 })),
      watermark: fc.option(
        fc.record({
          name: fc.constantFrom('logo', 'nope', 'Logo', ''),
          position: fc.constantFrom('NORTH', 'SOUTHWEST', 'ENTROPY', null),
          size: fc.option(fc.integer({ min: -1, max: 120 })),
          opacity: fc.option(fc.integer({ min: -1, max: 120 })),
          margin: fc.option(fc.integer({ min: -1, max: 40 })),
        }),
      ),
    },
    { requiredKeys: ['path'] },
  );
  const QUERY = `query ($path: String!, $width: Int, $height: Int, $quality: Int, $format: ImageFormat, $fit: ImageFit, $enlarge: Boolean, $crop: CropInput, $trim: Int, $watermark: WatermarkInput) {
    image(path: $path, width: $width, height: $height, quality: $quality, format: $format, fit: $fit, enlarge: $enlarge, crop: $crop, trim: $trim, watermark: $watermark) { url width height }
  }`;

  it('answer an image within the bounds or BAD_USER_INPUT naming the argument, never an unexpected error', async () => {
    await fc.assert(
      fc.asyncProperty(argument, async (variables) => {
        const answer = await graphql<{ image: { url: string; width: number; height: number } | null }>(server.url, QUERY, variables);
        expect(answer.status).toBeLessThan(500);
        for (const error of answer.errors ?? []) {
          expect(['BAD_USER_INPUT', 'UNSUPPORTED_IMAGE']).toContain(error.extensions.code);
          if (error.extensions.code === 'BAD_USER_INPUT') expect(error.message).toMatch(/^(Expected|Variable)/);
        }
        const image = answer.data?.image;
        if (image) {
          expect(image.width).toBeLessThanOrEqual(4000);
          expect(image.height).toBeLessThanOrEqual(4000);
          expect(image.url).toMatch(/^\/img\//);
        }
      }),
      { numRuns: 300 },
    );
  });
});
