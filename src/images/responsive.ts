import { badInput } from '../errors';
import type { OutputFormat } from './formats';
import { planOutput, type OutputBounds, type OutputSize, type SourceSize } from './plan';
import { normaliseSpec, parseFormat, type DerivativeSpec, type SpecInput, type SpecLimits } from './spec';

/** Candidate widths when none are asked for: phones to large desktop screens at 2×. */
export const DEFAULT_WIDTHS: readonly number[] = [320, 640, 960, 1280, 1920, 2560];
/** Most widths one responsive image may ask for. */
export const MAX_WIDTHS = 16;
/** `<source>` formats when none are asked for, before the JPEG or PNG fallback. */
export const DEFAULT_SOURCE_FORMATS: readonly OutputFormat[] = ['avif', 'webp'];
// The order browsers should try formats in: smallest files first.
const PICTURE_ORDER: readonly OutputFormat[] = ['avif', 'webp', 'jpeg', 'png', 'gif'];

export interface ResponsiveRequest extends Omit<SpecInput, 'width' | 'format' | 'enlarge' | 'dpr'> {
  widths?: readonly number[] | null;
  /** Pixel densities of a fixed-size image (`1x, 2x`), instead of widths; with `width`. */
  densities?: readonly number[] | null;
  /** The width, in CSS pixels, that `densities` multiply. */
  width?: number | null;
  /** Height at the largest width: every candidate keeps that aspect ratio. */
  height?: number | null;
  formats?: readonly string[] | null;
}

export interface Candidate {
  readonly spec: DerivativeSpec;
  readonly size: OutputSize;
  /** With densities: the density it really has (its width over the CSS width, two decimals), which the source may hold below the one asked. */
  readonly density: number | null;
}

/** Most densities one responsive image may ask for, and their range. */
export const MAX_DENSITIES = 4;
const DENSITY_RANGE = { min: 1, max: 4 };

export interface ResponsivePlan {
  /** Fallback-format candidates, smallest first, each a distinct real width. */
  readonly candidates: readonly Candidate[];
  /** `<source>` formats in `<picture>` order; the fallback is not among them. */
  readonly sourceFormats: readonly OutputFormat[];
  /** JPEG, PNG for a source with transparency, GIF for an animated one: what every browser decodes. */
  readonly fallback: OutputFormat;
}

/** What every candidate shares besides its width and format: the crop, quality and adjustments. */
function looks(request: ResponsiveRequest): SpecInput {
  const { fit, position, focalPoint, quality, crop, trim, rotate, flipHorizontal, flipVertical, background, blur, sharpen, grayscale } = request;
  return { fit, position, focalPoint, quality, crop, trim, rotate, flipHorizontal, flipVertical, background, blur, sharpen, grayscale };
}

function checkWidths(widths: readonly number[], limits: SpecLimits): number[] {
  if (widths.length === 0 || widths.length > MAX_WIDTHS) throw badInput('widths', `from 1 to ${MAX_WIDTHS} widths`, `${widths.length} widths`);
  widths.forEach((width, index) => {
    if (!Number.isInteger(width) || width < limits.minDimension || width > limits.maxDimension) {
      throw badInput(`widths[${index}]`, `an integer from ${limits.minDimension} to ${limits.maxDimension}`, width);
    }
  });
  return [...new Set(widths)].sort((a, b) => a - b);
}

function checkFormats(formats: readonly string[]): OutputFormat[] {
  return formats.map((format, index) => {
    if (format.toLowerCase() === 'auto') throw badInput(`formats[${index}]`, 'a concrete format (AUTO is what <picture> does itself)', format);
    return parseFormat(format, `formats[${index}]`);
  });
}

/**
 * Checks what a responsive request asks for apart from its source (widths, formats, height,
 * fit, position, quality), naming the argument at fault; answers the widths sorted and
 * unique, and the formats asked for.
 */
export function checkResponsiveRequest(request: ResponsiveRequest, limits: SpecLimits): { widths: number[]; formats: Set<OutputFormat>; cssWidth: number | null } {
  const densities = request.densities ?? null;
  const cssWidth = densities === null ? null : checkCssWidth(request, limits);
  if (densities === null && request.width !== undefined && request.width !== null) throw badInput('width', 'densities beside a width (widths alone need none)', request.width);
  const widths = cssWidth === null ? checkWidths(request.widths ?? DEFAULT_WIDTHS, limits) : checkDensities(densities as readonly number[], cssWidth, limits);
  const formats = new Set(checkFormats(request.formats ?? DEFAULT_SOURCE_FORMATS));
  normaliseSpec({ ...looks(request), width: widths[widths.length - 1], height: request.height, format: 'jpeg' }, limits);
  return { widths, formats, cssWidth };
}

function checkCssWidth(request: ResponsiveRequest, limits: SpecLimits): number {
  if (request.widths !== undefined && request.widths !== null) throw badInput('densities', 'either widths or densities, not both', `${request.densities?.length} densities beside widths`);
  const width = request.width;
  if (width === undefined || width === null || !Number.isInteger(width) || width < limits.minDimension || width > limits.maxDimension) {
    throw badInput('width', `an integer from ${limits.minDimension} to ${limits.maxDimension} (the CSS width the densities multiply)`, width ?? null);
  }
  return width;
}

/** The pixel widths of each density, within the largest dimension, sorted and unique. */
function checkDensities(densities: readonly number[], cssWidth: number, limits: SpecLimits): number[] {
  if (densities.length === 0 || densities.length > MAX_DENSITIES) throw badInput('densities', `from 1 to ${MAX_DENSITIES} densities`, `${densities.length} densities`);
  densities.forEach((density, index) => {
    if (!Number.isFinite(density) || density < DENSITY_RANGE.min || density > DENSITY_RANGE.max) {
      throw badInput(`densities[${index}]`, `a number from ${DENSITY_RANGE.min} to ${DENSITY_RANGE.max}`, density);
    }
  });
  return [...new Set(densities.map((density) => Math.min(limits.maxDimension, Math.round(cssWidth * density))))].sort((a, b) => a - b);
}

/**
 * Plans a responsive image: one candidate per asked width, never wider than the source
 * allows (a width beyond it becomes the widest real one) and never two of the same real
 * width, each with the output size it will really have. With a height, every candidate
 * keeps the aspect ratio of (largest width × height). With densities, the widths are the
 * CSS width times each density, and each candidate says the density it really has.
 */
export function planResponsive(source: SourceSize & { hasAlpha: boolean; animated: boolean }, request: ResponsiveRequest, limits: SpecLimits & OutputBounds): ResponsivePlan {
  const { widths, formats, cssWidth } = checkResponsiveRequest(request, limits);
  const { animated } = source;
  const fallback: OutputFormat = animated ? 'gif' : source.hasAlpha ? 'png' : 'jpeg';
  // A browser takes the first <source> it decodes: an AVIF still would win over an animated WebP.
  const sourceFormats = PICTURE_ORDER.filter((format) => format !== fallback && formats.has(format) && !(animated && format === 'avif'));

  const widest = widths[widths.length - 1] as number;
  const base = { ...looks(request), height: request.height, format: fallback };
  const ratio = request.height ? request.height / widest : null;
  const within = (n: number) => Math.min(limits.maxDimension, Math.max(limits.minDimension, Math.round(n)));
  const specFor = (width: number) => normaliseSpec({ ...base, width, height: ratio === null ? null : within(width * ratio) }, limits);

  const candidates = new Map<number, Candidate>();
  for (const width of widths) {
    let spec = specFor(width);
    let size = planOutput(source, spec, limits);
    if (size.width < width && size.width >= limits.minDimension) {
      // Clamped by the source: ask for the real width, so the URL is the one that width gets anyway.
      spec = specFor(size.width);
      size = planOutput(source, spec, limits);
    }
    const density = cssWidth === null ? null : Math.round((size.width / cssWidth) * 100) / 100;
    if (!candidates.has(size.width)) candidates.set(size.width, { spec, size, density });
  }
  return { candidates: [...candidates.values()].sort((a, b) => a.size.width - b.size.width), sourceFormats, fallback };
}
