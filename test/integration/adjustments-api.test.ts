import path from 'node:path';
import sharp from 'sharp';
import { inspect, writeFile } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'adjustments-test-secret-0123456789abcdef';
const PRESETS = 'turned: 100x50 cover rotate90 grayscale jpeg; padded: 120x120 contain bgff0000 png; righthalf: cropf0.5x0x0.5x1 trim50';
const IMAGE = `query($path: String!, $width: Int, $height: Int, $fit: ImageFit, $format: ImageFormat, $preset: String, $position: ImagePosition, $dpr: Float, $rotate: Int, $focalPoint: FocalPointInput,
  $flipHorizontal: Boolean, $flipVertical: Boolean, $background: String, $blur: Float, $sharpen: Float, $grayscale: Boolean, $crop: CropInput, $trim: Int) {
  image(path: $path, width: $width, height: $height, fit: $fit, format: $format, preset: $preset, position: $position, dpr: $dpr, rotate: $rotate, focalPoint: $focalPoint, flipHorizontal: $flipHorizontal,
    flipVertical: $flipVertical, background: $background, blur: $blur, sharpen: $sharpen, grayscale: $grayscale, crop: $crop, trim: $trim) { url width height }
}`;

const root = tempDir();
const imagesDir = path.join(root, 'images');

/** The colour name of a pixel of `data` at fractions (fx, fy) of its size. */
async function colourAt(data: Buffer, fx: number, fy: number): Promise<string> {
  const { data: raw, info } = await sharp(data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (Math.floor(fy * info.height) * info.width + Math.floor(fx * info.width)) * info.channels;
  const [r, g, b] = info.channels === 1 ? [raw[i]!, raw[i]!, raw[i]!] : [raw[i]!, raw[i + 1]!, raw[i + 2]!];
  if (r > 200 && g < 60 && b < 60) return 'red';
  if (g > 200 && r < 60 && b < 60) return 'green';
  if (Math.abs(r - g) < 6 && Math.abs(g - b) < 6) return 'grey';
  return `rgb(${r},${g},${b})`;
}

beforeAll(async () => {
  // 400×200: the left half red, the right half green.
  const halves = await sharp({ create: { width: 200, height: 200, channels: 3, background: { r: 255, g: 0, b: 0 } } })
    .extend({ right: 200, background: { r: 0, g: 255, b: 0 } })
    .png()
    .toBuffer();
  writeFile(imagesDir, 'halves.png', halves);
  // A green 60×40 block on a white 200×100 canvas, 20 px from the left and 10 from the top.
  const framed = await sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite([{ input: { create: { width: 60, height: 40, channels: 3, background: { r: 0, g: 255, b: 0 } } }, left: 20, top: 10 }])
    .png()
    .toBuffer();
  writeFile(imagesDir, 'framed.png', framed);
  writeFile(imagesDir, 'uniform.png', await sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 30, g: 60, b: 90 } } }).png().toBuffer());
});

let server: TestServer;
beforeAll(async () => {
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--allow-unsigned', '--presets', PRESETS], { GOIMGSERVER_SIGNING_SECRET: SECRET });
});
afterAll(() => server.close());

type Answer = { image: { url: string; width: number; height: number } };
const ask = (variables: Record<string, unknown>) => graphql<Answer>(server.url, IMAGE, { path: 'halves', ...variables });

describe('adjustments through the API and the bytes route', () => {
  it('answers a signed URL whose bytes are turned, mirrored and of the reported size', async () => {
    const answer = await ask({ width: 100, rotate: 90, flipHorizontal: true, format: 'PNG' });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.image).toMatchObject({ width: 100, height: 200 });
    expect(answer.data!.image.url).toMatch(/\/halves\/100\/inside\/png\/q100\/rotate90\/fliph\?v=/);
    const bytes = (await fetchBody(server.url + answer.data!.image.url)).body;
    expect(await inspect(bytes)).toMatchObject({ width: 100, height: 200 });
    // Turned clockwise, red is on top; mirrored, it stays on top.
    expect(await colourAt(bytes, 0.5, 0.25)).toBe('red');
    expect(await colourAt(bytes, 0.5, 0.75)).toBe('green');
  });

  it('folds what means the same bytes into one URL', async () => {
    const flipped = await ask({ width: 100, flipVertical: true });
    const turned = await ask({ width: 100, rotate: 180, flipHorizontal: true });
    expect(flipped.data!.image.url).toBe(turned.data!.image.url);
    const dpr = await ask({ width: 100, dpr: 2 });
    const wide = await ask({ width: 200 });
    expect(dpr.data!.image).toEqual(wide.data!.image);
  });

  it('serves the same derivative from the unsigned grammar', async () => {
    const signed = await ask({ width: 80, height: 80, fit: 'CONTAIN', background: 'ff0000', format: 'JPEG', grayscale: true, blur: 1.5 });
    const unsigned = await fetchBody(`${server.url}/img/halves/80x80/contain/jpeg/bgff0000/grayscale/blur1.5`);
    expect(unsigned.status).toBe(200);
    expect(unsigned.headers.get('etag')).toBe((await fetchBody(server.url + signed.data!.image.url)).headers.get('etag'));
    expect(await colourAt(unsigned.body, 0.5, 0.05)).toBe('grey');
  });

  it('crops around a focal point, signed and unsigned alike', async () => {
    // The red half is on the left: a square crop centred at x 0.1 keeps only red, at x 0.9 only green.
    const left = await ask({ width: 100, height: 100, fit: 'COVER', focalPoint: { x: 0.1, y: 0.5 } });
    expect(left.data!.image.url).toMatch(/\/100x100\/cover\/focus0\.1x0\.5\/webp\/q75\?v=/);
    expect(await colourAt((await fetchBody(server.url + left.data!.image.url)).body, 0.9, 0.5)).toBe('red');
    const right = await fetchBody(`${server.url}/img/halves/100x100/cover/focus0.9x0.5`);
    expect(await colourAt(right.body, 0.1, 0.5)).toBe('green');
    const refused = await ask({ width: 100, height: 100, fit: 'COVER', focalPoint: { x: 0.5, y: 0.5 }, position: 'NORTH' });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('leaves a background out of the URL where it cannot show, so the same image has one URL', async () => {
    const url = async (variables: Record<string, unknown>) => (await ask(variables)).data!.image.url;
    // The source is opaque: flattening has nothing to show, and INSIDE pads nothing.
    expect(await url({ width: 100, format: 'JPEG', background: 'ff0000' })).toBe(await url({ width: 100, format: 'JPEG' }));
    // A 2:1 box fits the 2:1 source exactly: no padding.
    expect(await url({ width: 100, height: 50, fit: 'CONTAIN', format: 'JPEG', background: 'ff0000' })).toBe(await url({ width: 100, height: 50, fit: 'CONTAIN', format: 'JPEG' }));
    // A transparent colour pads as the default does in a format with alpha.
    expect(await url({ width: 100, height: 100, fit: 'CONTAIN', format: 'WEBP', background: '00000000' })).toBe(await url({ width: 100, height: 100, fit: 'CONTAIN', format: 'WEBP' }));
    // Padding shows it.
    expect(await url({ width: 100, height: 100, fit: 'CONTAIN', format: 'JPEG', background: 'ff0000' })).toMatch(/\/bgff0000\?/);
  });

  it('ignores grammar words it cannot read, as the original does', async () => {
    const plain = await fetchBody(`${server.url}/img/halves/80`);
    const noisy = await fetchBody(`${server.url}/img/halves/80/rotate45/blur99/bgzz/dpr9/sharpen0`);
    expect(noisy.status).toBe(200);
    expect(noisy.headers.get('etag')).toBe(plain.headers.get('etag'));
  });

  it('lists and applies presets with adjustments', async () => {
    const listed = await graphql<{ imagePresets: unknown[] }>(server.url, '{ imagePresets { name rotate flipHorizontal background blur sharpen grayscale } }');
    expect(listed.data!.imagePresets).toEqual([
      { name: 'turned', rotate: 90, flipHorizontal: false, background: null, blur: 0, sharpen: 0, grayscale: true },
      { name: 'padded', rotate: 0, flipHorizontal: false, background: 'ff0000', blur: 0, sharpen: 0, grayscale: false },
      { name: 'righthalf', rotate: 0, flipHorizontal: false, background: null, blur: 0, sharpen: 0, grayscale: false },
    ]);
    const padded = await ask({ preset: 'padded' });
    expect(padded.data!.image).toMatchObject({ width: 120, height: 120 });
    const bytes = (await fetchBody(server.url + padded.data!.image.url)).body;
    expect(await colourAt(bytes, 0.5, 0.05)).toBe('red');
    expect(await colourAt(bytes, 0.75, 0.5)).toBe('green');
    const turned = await ask({ preset: 'turned', grayscale: false });
    expect(turned.data!.image.url).toMatch(/\/100x50\/cover\/jpeg\/q75\/rotate90\?v=/);
  });

  it('keeps the reported size exact in responsive with a quarter turn', async () => {
    const answer = await graphql<{ responsive: { width: number; height: number; src: string } }>(
      server.url,
      '{ responsive(path: "halves", widths: [100], rotate: 270) { width height src } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.responsive).toMatchObject({ width: 100, height: 200 });
    const bytes = (await fetchBody(server.url + answer.data!.responsive.src)).body;
    expect(await inspect(bytes)).toMatchObject({ width: 100, height: 200 });
    // Turned counter-clockwise, green is on top.
    expect(await colourAt(bytes, 0.5, 0.25)).toBe('green');
  });

  it('answers density descriptors for a fixed-size image, each the density it really has', async () => {
    const query = `query($densities: [Float!], $width: Int, $widths: [Int!]) {
      responsive(path: "halves", width: $width, densities: $densities, widths: $widths, formats: [WEBP]) { srcSet sizes sources { srcSet } candidates { url width } }
    }`;
    type Answer = { responsive: { srcSet: string; sizes: string; sources: Array<{ srcSet: string }>; candidates: Array<{ url: string; width: number }> } };
    const fixed = await graphql<Answer>(server.url, query, { width: 100, densities: [3, 1, 2, 2] });
    expect(fixed.errors).toBeUndefined();
    const descriptors = (srcSet: string) => srcSet.split(', ').map((entry) => entry.split(' ')[1]);
    expect(descriptors(fixed.data!.responsive.srcSet)).toEqual(['1x', '2x', '3x']);
    expect(descriptors(fixed.data!.responsive.sources[0]!.srcSet)).toEqual(['1x', '2x', '3x']);
    expect(fixed.data!.responsive.sizes).toBe('100px');
    const urls = fixed.data!.responsive.srcSet.split(', ').map((entry) => entry.split(' ')[0]!);
    expect((await inspect((await fetchBody(server.url + urls[2])).body)).width).toBe(300);
    // The source is 400 wide: 3x of 200 would be 600, so the largest candidate is 2x, and says so.
    const clamped = await graphql<Answer>(server.url, query, { width: 200, densities: [1, 2, 3] });
    expect(descriptors(clamped.data!.responsive.srcSet)).toEqual(['1x', '2x']);
    for (const [variables, argument] of [
      [{ densities: [1, 2] }, 'width'],
      [{ width: 100, densities: [1, 5] }, 'densities[1]'],
      [{ width: 100, densities: [] }, 'densities'],
      [{ width: 100, densities: [1, 2], widths: [100] }, 'densities'],
      [{ width: 100 }, 'width'],
    ] as const) {
      const refused = await graphql(server.url, query, variables);
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toContain(`for ${argument} but`);
    }
  });

  it.each([
    [{ dpr: 5 }, 'dpr', 'a number from 1 to 4'],
    [{ rotate: 45 }, 'rotate', 'one of 0, 90, 180, 270'],
    [{ background: 'crimson' }, 'background', 'RRGGBB or RRGGBBAA'],
    [{ blur: 50 }, 'blur', 'a number from 0.3 to 10'],
    [{ sharpen: 0.1 }, 'sharpen', 'a number from 0.5 to 3'],
    [{ crop: { left: 0, top: 0, width: 0, height: 10 } }, 'crop', 'width and height at least 1'],
    [{ crop: { left: 0, top: 0, width: 1.5, height: 1, unit: 'FRACTION' } }, 'crop', 'FRACTION'],
    [{ trim: 0 }, 'trim', 'a number from 1 to 100'],
  ])('refuses %j with BAD_USER_INPUT naming the argument and its range', async (variables, argument, range) => {
    const answer = await ask(variables);
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toContain(range);
    expect(answer.errors?.[0]?.message).toContain(`for ${argument} but`);
  });

  it('crops a region in pixels or fractions, the reported size is the bytes\' size, and the unsigned grammar says the same', async () => {
    const pixels = await ask({ crop: { left: 150, top: 50, width: 100, height: 100 }, format: 'PNG' });
    expect(pixels.errors).toBeUndefined();
    expect(pixels.data!.image).toMatchObject({ width: 100, height: 100 });
    expect(pixels.data!.image.url).toMatch(/\/halves\/1000x1000\/inside\/png\/q100\/crop150x50x100x100\?v=/);
    const bytes = (await fetchBody(server.url + pixels.data!.image.url)).body;
    expect(await inspect(bytes)).toMatchObject({ width: 100, height: 100 });
    expect(await colourAt(bytes, 0.25, 0.5)).toBe('red');
    expect(await colourAt(bytes, 0.75, 0.5)).toBe('green');
    const fraction = await ask({ width: 50, crop: { left: 0.5, top: 0, width: 0.5, height: 1, unit: 'FRACTION' } });
    expect(fraction.data!.image).toMatchObject({ width: 50, height: 50 });
    const unsigned = await fetchBody(`${server.url}/img/halves/50/cropf0.5x0x0.5x1`);
    expect(unsigned.headers.get('etag')).toBe((await fetchBody(server.url + fraction.data!.image.url)).headers.get('etag'));
    expect(await colourAt(unsigned.body, 0.1, 0.5)).toBe('green');
  });

  it('refuses a crop off the source, naming its size, and ignores it in the unsigned grammar', async () => {
    const refused = await ask({ crop: { left: 350, top: 0, width: 100, height: 100 } });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(refused.errors?.[0]?.message).toMatch(/inside the source's 400×200 pixels for crop/);
    const missed = await fetchBody(`${server.url}/img/halves/80/crop500x500x10x10`);
    expect(missed.status).toBe(200);
    expect(await inspect(missed.body)).toMatchObject({ width: 80, height: 40 });
  });

  it('trims a uniform border, reporting the trimmed size before anything is rendered', async () => {
    const answer = await graphql<Answer>(server.url, '{ image(path: "framed", trim: 10, format: PNG) { url width height } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.image).toMatchObject({ width: 60, height: 40 });
    const bytes = (await fetchBody(server.url + answer.data!.image.url)).body;
    expect(await inspect(bytes)).toMatchObject({ width: 60, height: 40 });
    expect(await colourAt(bytes, 0.02, 0.02)).toBe('green');
    const unsigned = await fetchBody(`${server.url}/img/framed/trim/png`);
    expect(await inspect(unsigned.body)).toMatchObject({ width: 60, height: 40 });
  });

  it('leaves a crop of the whole source and a trim that removes nothing out of the URL: the same image has one URL', async () => {
    const plain = await ask({ width: 100 });
    const whole = await ask({ width: 100, crop: { left: 0, top: 0, width: 400, height: 200 } });
    expect(whole.data!.image.url).toBe(plain.data!.image.url);
    // A uniform image has no border to trim.
    const uniform = await ask({ path: 'uniform', width: 100 });
    expect((await ask({ path: 'uniform', width: 100, trim: 10 })).data!.image.url).toBe(uniform.data!.image.url);
  });

  it('applies a crop and trim from a preset, and lists them', async () => {
    const listed = await graphql<{ imagePresets: Array<{ name: string; crop: unknown; trim: number }> }>(server.url, '{ imagePresets { name crop { left top width height unit } trim } }');
    expect(listed.data!.imagePresets.find((preset) => preset.name === 'righthalf')).toEqual({ name: 'righthalf', crop: { left: 0.5, top: 0, width: 0.5, height: 1, unit: 'FRACTION' }, trim: 50 });
    const answer = await ask({ preset: 'righthalf', format: 'PNG' });
    expect(answer.data!.image).toMatchObject({ width: 200, height: 200 });
    expect(await colourAt((await fetchBody(server.url + answer.data!.image.url)).body, 0.5, 0.5)).toBe('green');
  });

  it('refuses a wrong type before anything runs', async () => {
    const answer = await graphql(server.url, '{ image(path: "halves", rotate: "ninety") { url } }');
    expect(answer.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
