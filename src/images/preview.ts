import { CONTENT_TYPES } from './formats';
import type { PlaceholderHashes } from './hashes';
import type { OutputSize } from './plan';
import type { DerivativeSpec } from './spec';

/** A placeholder to show while a variant loads. */
export interface Preview {
  /** A tiny blurred WebP of the variant (same crop and aspect ratio) as a data URI, a few hundred bytes. */
  readonly dataUri: string;
  /** The dominant colour, `#rrggbb`. */
  readonly color: string;
  /** ThumbHash of the variant, base64. */
  readonly thumbHash: string;
  /** BlurHash of the variant. */
  readonly blurHash: string;
}

/** Largest side of a preview in pixels: enough for shapes and colours, small enough to inline. */
export const PREVIEW_SIDE = 24;

/**
 * The spec of a variant's preview: the same crop (fit and position) within PREVIEW_SIDE
 * pixels a side, with the variant's aspect ratio. INSIDE and OUTSIDE outputs have the
 * source's aspect ratio, so filling their box scales without distortion. The preview is
 * planned with the variant's rotation, so its box already has the turned shape.
 */
export function previewSpec(spec: DerivativeSpec, output: OutputSize): DerivativeSpec {
  const scale = Math.min(1, PREVIEW_SIDE / output.width, PREVIEW_SIDE / output.height);
  const width = Math.max(1, Math.round(output.width * scale));
  const height = Math.max(1, Math.round(output.height * scale));
  const crops = spec.fit === 'cover' || spec.fit === 'contain';
  // The look stays (cropped, trimmed, turned, mirrored, in grey, on its background); filters and a watermark cannot show through the preview's own blur.
  const { crop, trim, rotate, flipHorizontal, background, grayscale } = spec;
  return Object.freeze({ width, height, format: 'webp', quality: 50, fit: crops ? spec.fit : 'fill', position: spec.position, focus: spec.focus, enlarge: false, crop, trim, rotate, flipHorizontal, background, blur: 0, sharpen: 0, grayscale, watermark: null });
}

const hex = (n: number) => Math.round(n).toString(16).padStart(2, '0');

/** A colour as `#rrggbb`. */
export const hexColour = ({ r, g, b }: { r: number; g: number; b: number }) => `#${hex(r)}${hex(g)}${hex(b)}`;

export function toPreview(image: Buffer, dominant: { r: number; g: number; b: number }, hashes: PlaceholderHashes): Preview {
  return {
    ...hashes,
    dataUri: `data:${CONTENT_TYPES.webp};base64,${image.toString('base64')}`,
    color: hexColour(dominant),
  };
}
