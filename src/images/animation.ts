import { ANIMATED_FORMATS, type FormatChoice } from './formats';
import type { OutputSize } from './plan';
import type { DerivativeSpec } from './spec';

/** What an animated output may cost: its frames, and the pixels of every frame decoded and encoded. */
export interface AnimationBounds {
  /** Most frames an output keeps. @default 100 */
  readonly maxFrames: number;
  /** Most pixels over all frames, of the source and of the output alike. @default --max-source-pixels */
  readonly maxPixels: number;
}

/** A source as far as animation goes: one frame's size and how many there are. */
export interface FramedSource {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
}

/**
 * Whether an output keeps its source's frames: the source is animated, the format holds
 * frames (WebP, GIF; `auto` picks one of them for an animated source), every frame can be
 * turned as asked (a half turn, not a quarter: libvips turns no animation by 90°), and the
 * frames are within the bounds. Otherwise the output is the first frame.
 */
export function animates(source: FramedSource, spec: Pick<DerivativeSpec, 'rotate'> & { readonly format: FormatChoice }, size: OutputSize, bounds: AnimationBounds): boolean {
  if (spec.format !== 'auto' && !ANIMATED_FORMATS.has(spec.format)) return false;
  return keepsFrames(source, spec, bounds) && source.frames * size.width * size.height <= bounds.maxPixels;
}

/** Whether outputs of an animated source may keep its frames at all: what `animates` asks of the source and the turn. */
export function keepsFrames(source: FramedSource, spec: Pick<DerivativeSpec, 'rotate'>, bounds: AnimationBounds): boolean {
  const { frames } = source;
  return frames >= 2 && spec.rotate !== 90 && spec.rotate !== 270 && frames <= bounds.maxFrames && frames * source.width * source.height <= bounds.maxPixels;
}
