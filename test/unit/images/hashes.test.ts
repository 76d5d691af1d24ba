import { placeholderHashes } from '../../../src/images/hashes';

describe('placeholder hashes', () => {
  const pixels = (width: number, height: number, channels: number) => ({ data: Buffer.alloc(width * height * channels, 128), width, height, channels });

  it('hashes RGB and RGBA pixels alike when they are opaque', async () => {
    const rgb = await placeholderHashes(pixels(24, 16, 3));
    const opaque = Buffer.from(Array.from({ length: 24 * 16 * 4 }, (_, index) => (index % 4 === 3 ? 255 : 128)));
    const rgba = await placeholderHashes({ ...pixels(24, 16, 4), data: opaque });
    expect(rgb).toEqual(rgba);
  });

  it('uses 3×4 BlurHash components for a portrait image, 4×3 otherwise', async () => {
    // The first character encodes the component counts: (y - 1) * 9 + (x - 1).
    const sizeFlag = (hash: string) => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~'.indexOf(hash[0]!);
    expect(sizeFlag((await placeholderHashes(pixels(24, 16, 3))).blurHash)).toBe(2 * 9 + 3);
    expect(sizeFlag((await placeholderHashes(pixels(16, 24, 3))).blurHash)).toBe(3 * 9 + 2);
  });

  it.each([
    [101, 10, 3],
    [10, 101, 4],
    [10, 10, 2],
  ])('refuses %i×%i pixels of %i channels', async (width, height, channels) => {
    await expect(placeholderHashes(pixels(width, height, channels))).rejects.toThrow(RangeError);
  });
});
