import type { DerivativeSpec } from './spec';

/** What planning needs to know of a source: its size as displayed (after EXIF orientation). */
export interface SourceSize {
  readonly width: number;
  readonly height: number;
}

export interface OutputSize {
  readonly width: number;
  readonly height: number;
}

/** What any output may be at most, whatever the request and the source. */
export interface OutputBounds {
  /** Largest width or height, in pixels. @default 4000 */
  readonly maxDimension: number;
  /** Most pixels (width × height). @default 16_000_000 */
  readonly maxOutputPixels: number;
}

const side = (n: number) => Math.max(1, Math.round(n));

/**
 * Scales a planned size down, keeping its shape, until each side is within the largest
 * dimension and the area within the pixel bound. Enlarging, OUTSIDE or one side given can
 * plan far past the box the request named (20×4000 at width 4000 is 4000×800000).
 */
function bounded(size: OutputSize, bounds: OutputBounds): OutputSize {
  const scale = Math.min(1, bounds.maxDimension / size.width, bounds.maxDimension / size.height, Math.sqrt(bounds.maxOutputPixels / (size.width * size.height)));
  if (scale === 1) return size;
  // Flooring keeps the result within the bounds where rounding could step just past them.
  return { width: Math.max(1, Math.floor(size.width * scale)), height: Math.max(1, Math.floor(size.height * scale)) };
}

/**
 * The exact output size of a derivative, computed without rendering. The renderer resizes
 * to this size, so what it returns always matches what the API reports.
 *
 * - one side given: scale to it, keep the aspect ratio;
 * - INSIDE / OUTSIDE: the largest / smallest scaled source that fits in / covers the box;
 * - COVER, CONTAIN, FILL: exactly the box;
 * - unless `enlarge`, nothing is scaled up: INSIDE/OUTSIDE stop at the source size, and the
 *   boxes of COVER/CONTAIN shrink (keeping their aspect ratio) until they fit in the source,
 *   FILL clamps each side;
 * - then the size is capped to `bounds`, keeping its shape.
 * A rotation by 90 or 270 degrees plans with the source's sides swapped.
 */
export function planOutput(source: SourceSize, spec: Pick<DerivativeSpec, 'width' | 'height' | 'fit' | 'enlarge' | 'rotate'>, bounds: OutputBounds): OutputSize {
  // A quarter turn comes before sizing: the box is filled by the turned source.
  const turned = spec.rotate === 90 || spec.rotate === 270 ? { width: source.height, height: source.width } : source;
  return bounded(unbounded(turned, spec), bounds);
}

function unbounded(source: SourceSize, spec: Pick<DerivativeSpec, 'width' | 'height' | 'fit' | 'enlarge'>): OutputSize {
  const { width: sw, height: sh } = source;
  const { width: bw, height: bh, enlarge } = spec;
  const limit = (scale: number) => (enlarge ? scale : Math.min(scale, 1));

  if (bw === null || bh === null) {
    const scale = limit(bw !== null ? bw / sw : (bh as number) / sh);
    return { width: side(sw * scale), height: side(sh * scale) };
  }
  switch (spec.fit) {
    case 'inside':
    case 'outside': {
      const pick = spec.fit === 'inside' ? Math.min : Math.max;
      const scale = limit(pick(bw / sw, bh / sh));
      return { width: side(sw * scale), height: side(sh * scale) };
    }
    case 'cover':
    case 'contain': {
      const shrink = enlarge ? 1 : Math.min(1, sw / bw, sh / bh);
      return { width: side(bw * shrink), height: side(bh * shrink) };
    }
    case 'fill':
      return enlarge ? { width: bw, height: bh } : { width: Math.min(bw, sw), height: Math.min(bh, sh) };
  }
}

/**
 * Whether a background colour can show in an output of `size`: under the source's
 * transparency, or as CONTAIN's padding where the fitted source leaves some. Where it cannot,
 * the spec is the same image without it, and shares its URL.
 */
export function showsBackground(source: SourceSize & { readonly hasAlpha: boolean }, spec: Pick<DerivativeSpec, 'fit' | 'rotate'>, size: OutputSize): boolean {
  if (source.hasAlpha) return true;
  if (spec.fit !== 'contain') return false;
  const turned = spec.rotate === 90 || spec.rotate === 270 ? { width: source.height, height: source.width } : source;
  const scale = Math.min(size.width / turned.width, size.height / turned.height);
  return side(turned.width * scale) !== size.width || side(turned.height * scale) !== size.height;
}
