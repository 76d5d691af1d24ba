import sharp from 'sharp';
import { isWhole } from '../../../src/images/integrity';

const FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif'] as const;
let files: Record<(typeof FORMATS)[number], Buffer>;

beforeAll(async () => {
  const image = sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 200, b: 90 } } });
  const encoded = await Promise.all(FORMATS.map((format) => image.clone().toFormat(format).toBuffer()));
  files = Object.fromEntries(FORMATS.map((format, i) => [format, encoded[i] as Buffer])) as typeof files;
});

describe('whole derivative files', () => {
  it.each(FORMATS)('a whole %s file is whole', (format) => {
    expect(isWhole(files[format], format)).toBe(true);
  });

  it.each(FORMATS)('a %s file cut anywhere, emptied or padded is not', (format) => {
    const data = files[format];
    for (const length of [0, 1, 8, 12, Math.floor(data.length / 2), data.length - 1]) {
      expect([length, isWhole(data.subarray(0, length), format)]).toEqual([length, false]);
    }
    expect(isWhole(Buffer.concat([data, Buffer.from([0])]), format)).toBe(false);
  });

  it.each(FORMATS)('a %s file is not taken for another format', (format) => {
    for (const other of FORMATS.filter((candidate) => candidate !== format)) expect(isWhole(files[format], other)).toBe(false);
  });
});

describe('whole GIF files', () => {
  it('an animated GIF is whole, and not once cut at any length', async () => {
    const frames = await Promise.all(['red', 'green', 'blue'].map((background) => sharp({ create: { width: 30, height: 20, channels: 3, background } }).png().toBuffer()));
    const gif = await sharp(frames, { join: { animated: true } }).gif({ delay: [50, 50, 50] }).toBuffer();
    expect(isWhole(gif, 'gif')).toBe(true);
    for (let length = 0; length < gif.length; length++) expect([length, isWhole(gif.subarray(0, length), 'gif')]).toEqual([length, false]);
  });
});
