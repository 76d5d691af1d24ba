import { decode as decodeBlurHash } from 'blurhash';
import { placeholderHashes } from '../../../src/images/hashes';

const WHITE = { r: 255, g: 255, b: 255 };

describe('placeholder hashes', () => {
  const pixels = (width: number, height: number, channels: number, value = 128) => ({ data: Buffer.alloc(width * height * channels, value), width, height, channels });

  it('hashes RGB and RGBA pixels alike when they are opaque', async () => {
    const opaque = Buffer.from(Array.from({ length: 24 * 16 * 4 }, (_, index) => (index % 4 === 3 ? 255 : 128)));
    expect(await placeholderHashes(pixels(24, 16, 3), WHITE)).toEqual(await placeholderHashes({ ...pixels(24, 16, 4), data: opaque }, WHITE));
  });

  it('uses 3×4 BlurHash components for a portrait image, 4×3 otherwise', async () => {
    // The first character encodes the component counts: (y - 1) * 9 + (x - 1).
    const sizeFlag = (hash: string) => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~'.indexOf(hash[0]!);
    expect(sizeFlag((await placeholderHashes(pixels(24, 16, 3), WHITE)).blurHash)).toBe(2 * 9 + 3);
    expect(sizeFlag((await placeholderHashes(pixels(16, 24, 3), WHITE)).blurHash)).toBe(3 * 9 + 2);
  });

  it('flattens transparency onto the background for the BlurHash, which has no alpha', async () => {
    const transparent = pixels(8, 8, 4, 0);
    const decoded = decodeBlurHash((await placeholderHashes(transparent, { r: 200, g: 40, b: 40 })).blurHash, 8, 8);
    // BlurHash keeps the mean colour; single pixels carry its quantisation noise.
    const mean = (channel: number) => decoded.filter((_, index) => index % 4 === channel).reduce((sum, value) => sum + value, 0) / 64;
    expect([mean(0), mean(1), mean(2)].map(Math.round)).toEqual([expect.closeTo(200, -1.5), expect.closeTo(40, -1.5), expect.closeTo(40, -1.5)]);
  });

  it.each([
    [101, 10, 3],
    [10, 101, 4],
    [2, 10, 4],
    [10, 10, 2],
  ])('refuses %i×%i pixels of %i channels', async (width, height, channels) => {
    await expect(placeholderHashes(pixels(width, height, channels), WHITE)).rejects.toThrow(RangeError);
  });
});
