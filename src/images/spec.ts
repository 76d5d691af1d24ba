import { badInput } from '../errors';
import { FITS, OUTPUT_FORMATS, type Fit, type OutputFormat } from './formats';

/**
 * A normalised request for a derivative. Two requests for the same bytes normalise to the
 * same spec, so they share one cache entry, one ETag and one URL.
 */
export interface DerivativeSpec {
  /** Box width in pixels, or null to follow the height and the aspect ratio. */
  readonly width: number | null;
  readonly height: number | null;
  readonly format: OutputFormat;
  /** 1-100; PNG is lossless, so its quality is always 100. */
  readonly quality: number;
  /** How the source fills a box; only meaningful when both width and height are set. */
  readonly fit: Fit;
  /** Whether the output may be larger than the source. @default false */
  readonly enlarge: boolean;
}

export interface SpecLimits {
  /** @default 10 */
  readonly minDimension: number;
  /** @default 4000 */
  readonly maxDimension: number;
}

export const DEFAULT_BOX = 1000;
export const DEFAULT_QUALITY = 75;
export const DEFAULT_FORMAT: OutputFormat = 'webp';
export const DEFAULT_FIT: Fit = 'inside';

export interface SpecInput {
  width?: number | null;
  height?: number | null;
  format?: string | null;
  quality?: number | null;
  fit?: string | null;
  enlarge?: boolean | null;
}

const FORMAT_WORDS: ReadonlyMap<string, OutputFormat> = new Map([
  ['webp', 'webp'],
  ['jpeg', 'jpeg'],
  ['jpg', 'jpeg'],
  ['png', 'png'],
  ['avif', 'avif'],
]);

/** Fills defaults and folds equivalent requests together. */
function normalise(width: number | null, height: number | null, format: OutputFormat, quality: number, fit: Fit, enlarge: boolean): DerivativeSpec {
  const box = width === null && height === null;
  const bothSides = box || (width !== null && height !== null);
  return Object.freeze({
    width: box ? DEFAULT_BOX : width,
    height: box ? DEFAULT_BOX : height,
    format,
    quality: format === 'png' ? 100 : quality,
    fit: bothSides ? fit : DEFAULT_FIT,
    enlarge,
  });
}

/** Strict validation for API arguments: anything out of range is a BAD_USER_INPUT naming the argument. */
export function normaliseSpec(input: SpecInput, limits: SpecLimits): DerivativeSpec {
  const dimension = (name: 'width' | 'height'): number | null => {
    const value = input[name];
    if (value === undefined || value === null) return null;
    if (!Number.isInteger(value) || value < limits.minDimension || value > limits.maxDimension) {
      throw badInput(name, `an integer from ${limits.minDimension} to ${limits.maxDimension}`, value);
    }
    return value;
  };
  const width = dimension('width');
  const height = dimension('height');

  let format = DEFAULT_FORMAT;
  if (input.format !== undefined && input.format !== null) {
    const found = FORMAT_WORDS.get(input.format.toLowerCase());
    if (!found) throw badInput('format', `one of ${OUTPUT_FORMATS.join(', ')}`, input.format);
    format = found;
  }

  const quality = input.quality ?? DEFAULT_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw badInput('quality', 'an integer from 1 to 100', quality);

  let fit = DEFAULT_FIT;
  if (input.fit !== undefined && input.fit !== null) {
    const found = FITS.find((f) => f === input.fit?.toLowerCase());
    if (!found) throw badInput('fit', `one of ${FITS.join(', ')}`, input.fit);
    fit = found;
  }
  return normalise(width, height, format, quality, fit, input.enlarge ?? false);
}

const DIMENSIONS = /^(\d{1,9})(?:x(\d{1,9}))?$/;
const QUALITY = /^q(\d{1,9})$/;
// Shapes that are read as parameters even when their value is invalid, such as "800x" or "q0".
const PARAMETER_SHAPE = /^(?:\d+(?:x\d*)?|x\d+|q\d+)$/;

/** Whether a URL segment is written like a parameter (valid or not) rather than like a name. */
export function looksLikeParameter(segment: string): boolean {
  return PARAMETER_SHAPE.test(segment) || FORMAT_WORDS.has(segment) || (FITS as readonly string[]).includes(segment) || segment === 'enlarge';
}

/**
 * The original goimgserver's graceful grammar: segments in any order, `{w}x{h}` or `{w}`,
 * a format word, `q{n}`, plus a fit word and `enlarge`. The first valid value of each kind
 * wins; unknown or invalid segments are ignored, so missing values take their defaults.
 */
export function parseGrammar(segments: readonly string[], limits: SpecLimits): DerivativeSpec {
  let size: [number, number | null] | undefined;
  let format: OutputFormat | undefined;
  let quality: number | undefined;
  let fit: Fit | undefined;
  let enlarge = false;
  const inRange = (n: number) => n >= limits.minDimension && n <= limits.maxDimension;

  for (const segment of segments) {
    const dims = DIMENSIONS.exec(segment);
    if (dims) {
      const w = Number(dims[1]);
      const h = dims[2] === undefined ? null : Number(dims[2]);
      if (!size && inRange(w) && (h === null || inRange(h))) size = [w, h];
      continue;
    }
    const q = QUALITY.exec(segment);
    if (q) {
      const n = Number(q[1]);
      if (quality === undefined && n >= 1 && n <= 100) quality = n;
      continue;
    }
    if (FORMAT_WORDS.has(segment)) {
      format ??= FORMAT_WORDS.get(segment);
    } else if ((FITS as readonly string[]).includes(segment)) {
      fit ??= segment as Fit;
    } else if (segment === 'enlarge') {
      enlarge = true;
    }
  }
  return normalise(size?.[0] ?? null, size?.[1] ?? null, format ?? DEFAULT_FORMAT, quality ?? DEFAULT_QUALITY, fit ?? DEFAULT_FIT, enlarge);
}
