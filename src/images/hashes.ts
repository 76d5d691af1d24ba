import { encode as encodeBlurHash } from 'blurhash';
import type * as ThumbHash from 'thumbhash' with { 'resolution-mode': 'import' };

/** Pixels of a small rendering, row by row, 3 (RGB) or 4 (RGBA) bytes each. */
export interface SmallPixels {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

export interface PlaceholderHashes {
  /** ThumbHash, base64: decoded in a few lines of JavaScript into a placeholder with the image's aspect ratio and transparency. */
  readonly thumbHash: string;
  /** BlurHash: 4×3 components (3×4 for portrait images). */
  readonly blurHash: string;
}

/** ThumbHash's own bound on the input's sides. */
export const THUMBHASH_MAX_SIDE = 100;

// thumbhash is published as an ES module only; it is loaded once, when first needed.
let thumbhash: Promise<typeof ThumbHash> | undefined;

function rgba(pixels: SmallPixels): Uint8ClampedArray {
  if (pixels.channels === 4) return new Uint8ClampedArray(pixels.data.buffer, pixels.data.byteOffset, pixels.data.length);
  const out = new Uint8ClampedArray(pixels.width * pixels.height * 4);
  for (let i = 0, o = 0; i < pixels.data.length; i += pixels.channels, o += 4) {
    out[o] = pixels.data[i] as number;
    out[o + 1] = pixels.data[i + 1] as number;
    out[o + 2] = pixels.data[i + 2] as number;
    out[o + 3] = 255;
  }
  return out;
}

/** Both hashes of a small rendering (at most THUMBHASH_MAX_SIDE pixels a side). */
export async function placeholderHashes(pixels: SmallPixels): Promise<PlaceholderHashes> {
  if (pixels.width > THUMBHASH_MAX_SIDE || pixels.height > THUMBHASH_MAX_SIDE || (pixels.channels !== 3 && pixels.channels !== 4)) {
    throw new RangeError(`placeholder hashes take RGB or RGBA of at most ${THUMBHASH_MAX_SIDE}×${THUMBHASH_MAX_SIDE} pixels`);
  }
  const { rgbaToThumbHash } = await (thumbhash ??= import('thumbhash'));
  const data = rgba(pixels);
  const [x, y] = pixels.width >= pixels.height ? [4, 3] : [3, 4];
  return {
    thumbHash: Buffer.from(rgbaToThumbHash(pixels.width, pixels.height, data)).toString('base64'),
    blurHash: encodeBlurHash(data, pixels.width, pixels.height, x, y),
  };
}
