import type { SourceSize } from './plan';
import type { Crop, Rotation, WatermarkSpec } from './spec';

/** A rectangle of pixels, from the top left corner. */
export interface Region {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The part of a source a spec renders from, as planning and rendering see it: `width` and
 * `height` are the region's, so the output is planned from what is really used.
 */
export interface SourceView extends SourceSize {
  readonly hasAlpha: boolean;
  /** Frames of an animated source; 1 for a still image. */
  readonly frames: number;
  /** The whole source as displayed (after the camera's orientation). */
  readonly whole: SourceSize;
  /** The region used, in the displayed source: the crop, then the trim inside it; null: all of it. */
  readonly region: Region | null;
}

/** The view of a source that is used whole. */
export function wholeView(header: SourceSize & { readonly hasAlpha: boolean; readonly frames: number }): SourceView {
  return { width: header.width, height: header.height, hasAlpha: header.hasAlpha, frames: header.frames, whole: { width: header.width, height: header.height }, region: null };
}

/**
 * Where a crop lies on a source of this size (as displayed): fractions scaled to pixels, the
 * region clipped to the source. null when nothing of it lies on the source.
 */
export function cropRegion(source: SourceSize, crop: Crop): Region | null {
  const scaled =
    crop.unit === 'pixels'
      ? crop
      : {
          left: Math.round(crop.left * source.width),
          top: Math.round(crop.top * source.height),
          // Edges are rounded, not sizes, so neighbouring fractions tile the source.
          width: Math.max(1, Math.round((crop.left + crop.width) * source.width) - Math.round(crop.left * source.width)),
          height: Math.max(1, Math.round((crop.top + crop.height) * source.height) - Math.round(crop.top * source.height)),
        };
  const left = Math.min(scaled.left, source.width);
  const top = Math.min(scaled.top, source.height);
  const width = Math.min(scaled.width, source.width - left);
  const height = Math.min(scaled.height, source.height - top);
  return width > 0 && height > 0 ? { left, top, width, height } : null;
}

/** Whether a crop lies wholly on a source of this size. */
export function cropFits(source: SourceSize, crop: Crop): boolean {
  return crop.unit === 'fraction' || (crop.left + crop.width <= source.width && crop.top + crop.height <= source.height);
}

/** A region inside another one (its offsets relative to it), as a region of what holds the outer one. */
export function within(outer: Region, inner: Region): Region {
  return { left: outer.left + inner.left, top: outer.top + inner.top, width: inner.width, height: inner.height };
}

/**
 * A region of the displayed source as it lies after turning the source `rotate` degrees
 * clockwise and then, if `mirrored`, mirroring it left to right: where the renderer cuts it out.
 */
export function turnedRegion(region: Region, source: SourceSize, rotate: Rotation, mirrored: boolean): Region {
  const { left: l, top: t, width: w, height: h } = region;
  const { width: W, height: H } = source;
  const turned: Region =
    rotate === 90 ? { left: H - t - h, top: l, width: h, height: w }
    : rotate === 180 ? { left: W - l - w, top: H - t - h, width: w, height: h }
    : rotate === 270 ? { left: t, top: W - l - w, width: h, height: w }
    : region;
  if (!mirrored) return turned;
  const turnedWidth = rotate === 90 || rotate === 270 ? H : W;
  return { ...turned, left: turnedWidth - turned.left - turned.width };
}

/**
 * Where a watermark of `mark`'s size lands on an output: `size` percent of the output's width
 * (less where its height or the margins would not fit), `margin` percent of the shorter side
 * from the edges its compass point names, centred along the others.
 */
export function watermarkPlacement(output: SourceSize, mark: SourceSize, placement: Pick<WatermarkSpec, 'position' | 'size' | 'margin'>): Region {
  const margin = Math.round((Math.min(output.width, output.height) * placement.margin) / 100);
  const boxWidth = Math.max(1, Math.min(Math.round((output.width * placement.size) / 100), output.width - 2 * margin));
  const boxHeight = Math.max(1, output.height - 2 * margin);
  const scale = Math.min(boxWidth / mark.width, boxHeight / mark.height);
  const width = Math.max(1, Math.min(output.width, Math.round(mark.width * scale)));
  const height = Math.max(1, Math.min(output.height, Math.round(mark.height * scale)));
  const along = (start: boolean, end: boolean, whole: number, part: number) =>
    Math.max(0, start ? Math.min(margin, whole - part) : end ? whole - part - margin : Math.round((whole - part) / 2));
  const { position } = placement;
  return {
    left: along(position.endsWith('west'), position.endsWith('east'), output.width, width),
    top: along(position.startsWith('north'), position.startsWith('south'), output.height, height),
    width,
    height,
  };
}
