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

/** Sides of the pixels hashed: ThumbHash takes at most 100, and either hash gives wrong colours below 3. */
export const HASH_SIDES = { min: 3, max: 100 } as const;

// thumbhash is published as an ES module only; it is loaded once, when first needed.
let thumbhash: Promise<typeof ThumbHash> | undefined;

type Rgb = { r: number; g: number; b: number };

/** The pixels as RGBA; with `background`, transparency flattened onto it (BlurHash has no alpha). */
function rgba(pixels: SmallPixels, background?: Rgb): Uint8ClampedArray {
  const out = new Uint8ClampedArray(pixels.width * pixels.height * 4);
  for (let i = 0, o = 0; i < pixels.data.length; i += pixels.channels, o += 4) {
    const alpha = pixels.channels === 4 ? (pixels.data[i + 3] as number) : 255;
    const [r, g, b] = [pixels.data[i] as number, pixels.data[i + 1] as number, pixels.data[i + 2] as number];
    if (background) {
      const over = (value: number, under: number) => (value * alpha + under * (255 - alpha)) / 255;
      [out[o], out[o + 1], out[o + 2], out[o + 3]] = [over(r, background.r), over(g, background.g), over(b, background.b), 255];
    } else {
      [out[o], out[o + 1], out[o + 2], out[o + 3]] = [r, g, b, alpha];
    }
  }
  return out;
}

/**
 * Both hashes of a small rendering (HASH_SIDES pixels a side). ThumbHash keeps transparency;
 * the BlurHash is of the pixels flattened onto `background` (the placeholder's colour), which
 * is what a page shows behind a transparent image.
 */
export async function placeholderHashes(pixels: SmallPixels, background: Rgb): Promise<PlaceholderHashes> {
  const sides = [pixels.width, pixels.height];
  if (sides.some((side) => side < HASH_SIDES.min || side > HASH_SIDES.max) || (pixels.channels !== 3 && pixels.channels !== 4)) {
    throw new RangeError(`placeholder hashes take RGB or RGBA of ${HASH_SIDES.min} to ${HASH_SIDES.max} pixels a side`);
  }
  const { rgbaToThumbHash } = await (thumbhash ??= import('thumbhash'));
  const [x, y] = pixels.width >= pixels.height ? [4, 3] : [3, 4];
  return {
    thumbHash: Buffer.from(rgbaToThumbHash(pixels.width, pixels.height, rgba(pixels))).toString('base64'),
    blurHash: encodeBlurHash(rgba(pixels, background), pixels.width, pixels.height, x, y),
  };
}
