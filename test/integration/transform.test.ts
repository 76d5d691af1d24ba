import path from 'node:path';
import sharp from 'sharp';
import { planOutput } from '../../src/images/plan';
import { wholeView } from '../../src/images/region';
import { normaliseSpec, type SpecInput } from '../../src/images/spec';
import { createTransformer } from '../../src/images/transform';
import { inspect, makeSource, meanColour, writeFile } from '../helpers/images';
import { tempDir } from '../helpers/temp';

const dir = tempDir();
const transformer = createTransformer({ maxSourcePixels: 50_000_000, timeoutSeconds: 30 });
const limits = { minDimension: 10, maxDimension: 4000 };
const bounds = { maxDimension: 4000, maxOutputPixels: 16_000_000 };

const SOURCES: Record<string, Parameters<typeof makeSource>[2]> = {
  landscape: { width: 1600, height: 1067 },
  portrait: { width: 600, height: 900, format: 'png' },
  'exif-rotated-6': { width: 1200, height: 800, orientation: 6 },
  'exif-rotated-8': { width: 1201, height: 799, orientation: 8 },
  'exif-flipped-5': { width: 333, height: 777, orientation: 5 },
  tiny: { width: 16, height: 9, format: 'webp' },
  alpha: { width: 500, height: 500, format: 'png', alpha: true },
};

const BOXES: SpecInput[] = [
  {},
  { width: 300 },
  { height: 300 },
  { width: 300, height: 300 },
  { width: 777, height: 333 },
  { width: 4000, height: 10 },
  { width: 10, height: 4000 },
  { width: 2000, height: 2000, enlarge: true },
];
const FITS = ['inside', 'cover', 'contain', 'fill', 'outside'];

const cases = Object.keys(SOURCES).flatMap((name) =>
  BOXES.flatMap((box) => FITS.map((fit) => [name, JSON.stringify(box), fit] as const)),
);

beforeAll(async () => {
  for (const [name, options] of Object.entries(SOURCES)) await makeSource(dir, name, options);
});

describe('planned size equals rendered size', () => {
  it.each(cases)('%s in %s, fit %s', async (name, box, fit) => {
    const file = path.join(dir, name);
    const spec = normaliseSpec({ ...JSON.parse(box), fit }, limits);
    const metadata = await transformer.readMetadata(file);
    const planned = planOutput(metadata, spec, bounds);
    const rendered = await inspect(await transformer.render(file, spec, planned, wholeView(metadata)));
    expect({ width: rendered.width, height: rendered.height }).toEqual(planned);
  });

  it.each(['webp', 'jpeg', 'png', 'avif'])('holds for %s output', async (format) => {
    const file = path.join(dir, 'exif-rotated-6');
    const spec = normaliseSpec({ width: 250, height: 250, format, fit: 'outside' }, limits);
    const metadata = await transformer.readMetadata(file);
    const planned = planOutput(metadata, spec, bounds);
    const rendered = await inspect(await transformer.render(file, spec, planned, wholeView(metadata)));
    expect(rendered).toMatchObject({ ...planned, format: format === 'avif' ? 'heif' : format });
  });
});

describe('pixels', () => {
  it('applies the EXIF orientation before resizing', async () => {
    // Stored landscape, left half red and right half blue; orientation 6 shows it turned clockwise,
    // so the red half ends up on top.
    const halves = await sharp({ create: { width: 400, height: 200, channels: 3, background: { r: 0, g: 0, b: 255 } } })
      .composite([{ input: { create: { width: 200, height: 200, channels: 3, background: { r: 255, g: 0, b: 0 } } }, left: 0, top: 0 }])
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const file = writeFile(dir, 'halves.jpg', halves);
    const spec = normaliseSpec({ width: 100, format: 'png' }, limits);
    const metadata = await transformer.readMetadata(file);
    expect(metadata).toMatchObject({ width: 200, height: 400 });
    const output = await transformer.render(file, spec, planOutput(metadata, spec, bounds), wholeView(metadata));
    const top = await sharp(output).extract({ left: 0, top: 0, width: 100, height: 90 }).png().toBuffer();
    const bottom = await sharp(output).extract({ left: 0, top: 110, width: 100, height: 90 }).png().toBuffer();
    expect((await meanColour(top)).r).toBeGreaterThan(200);
    expect((await meanColour(bottom)).b).toBeGreaterThan(200);
  });

  it('converts an embedded colour profile to sRGB and strips all metadata', async () => {
    const p3 = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 255, g: 0, b: 0 } } })
      .withIccProfile('p3')
      .withExif({ IFD0: { Copyright: 'someone' } })
      .png()
      .toBuffer();
    // The stored numbers are P3's, not sRGB's: a pipeline that ignored the profile would keep them.
    const [storedR, storedG] = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
    expect(storedR).toBeLessThan(240);
    expect(storedG).toBeGreaterThan(40);
    const file = writeFile(dir, 'p3.png', p3);
    const spec = normaliseSpec({ width: 32, format: 'png' }, limits);
    const metadata = await transformer.readMetadata(file);
    const output = await transformer.render(file, spec, planOutput(metadata, spec, bounds), wholeView(metadata));
    const out = await sharp(output).metadata();
    expect(out.icc).toBeUndefined();
    expect(out.exif).toBeUndefined();
    const mean = await meanColour(output);
    expect(mean.r).toBeGreaterThan(250);
    expect(mean.g).toBeLessThan(8);
  });

  it('renders the first frame of an animation', async () => {
    const frame = (r: number) => sharp({ create: { width: 40, height: 30, channels: 3, background: { r, g: 0, b: 0 } } }).png().toBuffer();
    const animated = await sharp([await frame(255), await frame(0)], { join: { animated: true } }).webp().toBuffer();
    const file = writeFile(dir, 'animated.webp', animated);
    const spec = normaliseSpec({ width: 20, format: 'png' }, limits);
    const metadata = await transformer.readMetadata(file);
    expect(metadata).toMatchObject({ width: 40, height: 30 });
    const output = await transformer.render(file, spec, planOutput(metadata, spec, bounds), wholeView(metadata));
    expect(await inspect(output)).toMatchObject({ width: 20, height: 15 });
    expect((await meanColour(output)).r).toBeGreaterThan(240);
  });
});
