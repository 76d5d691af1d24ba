import { badInput } from '../errors';
import { FITS, OUTPUT_FORMATS, POSITIONS, type Fit, type FormatChoice, type OutputFormat, type Position } from './formats';

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
  /** What a COVER crop keeps; always `center` for the other fits, where nothing is cropped. */
  readonly position: Position;
  /** Whether the output may be larger than the source. @default false */
  readonly enlarge: boolean;
}

/** A spec as asked for: its format may still be `auto`, decided when the URL is fetched. */
export type RequestedSpec = Omit<DerivativeSpec, 'format'> & { readonly format: FormatChoice };

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
export const DEFAULT_POSITION: Position = 'center';

export interface SpecInput {
  width?: number | null;
  height?: number | null;
  format?: string | null;
  quality?: number | null;
  fit?: string | null;
  position?: string | null;
  enlarge?: boolean | null;
}

const FORMAT_WORDS: ReadonlyMap<string, OutputFormat> = new Map([
  ['webp', 'webp'],
  ['jpeg', 'jpeg'],
  ['jpg', 'jpeg'],
  ['png', 'png'],
  ['avif', 'avif'],
]);

/** A format name (any case, `jpg` for JPEG) as an output format; BAD_USER_INPUT naming `argument` otherwise. */
export function parseFormat(word: string, argument: string): OutputFormat {
  const found = FORMAT_WORDS.get(word.toLowerCase());
  if (!found) throw badInput(argument, `one of ${OUTPUT_FORMATS.join(', ')}`, word);
  return found;
}

/** Fills defaults and folds equivalent requests together. */
function normalise(width: number | null, height: number | null, format: OutputFormat, quality: number, fit: Fit, position: Position, enlarge: boolean): DerivativeSpec {
  const box = width === null && height === null;
  const bothSides = box || (width !== null && height !== null);
  const finalFit = bothSides ? fit : DEFAULT_FIT;
  return Object.freeze({
    width: box ? DEFAULT_BOX : width,
    height: box ? DEFAULT_BOX : height,
    format,
    quality: format === 'png' ? 100 : quality,
    fit: finalFit,
    position: finalFit === 'cover' ? position : DEFAULT_POSITION,
    enlarge,
  });
}

/** The plain request's variant: 1000×1000 box, WebP, quality 75, INSIDE. */
export function defaultSpec(): DerivativeSpec {
  return normalise(null, null, DEFAULT_FORMAT, DEFAULT_QUALITY, DEFAULT_FIT, DEFAULT_POSITION, false);
}

/** Like normaliseSpec, and `format` may also be `auto`. */
export function normaliseRequest(input: SpecInput, limits: SpecLimits): RequestedSpec {
  const auto = input.format?.toLowerCase() === 'auto';
  const spec = normaliseSpec(auto ? { ...input, format: null } : input, limits);
  return auto ? Object.freeze({ ...spec, format: 'auto' }) : spec;
}

/** A requested spec made renderable with the format chosen for it. */
export function withFormat(spec: RequestedSpec, format: OutputFormat): DerivativeSpec {
  return normalise(spec.width, spec.height, format, spec.quality, spec.fit, spec.position, spec.enlarge);
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

  const format = input.format === undefined || input.format === null ? DEFAULT_FORMAT : parseFormat(input.format, 'format');

  const quality = input.quality ?? DEFAULT_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw badInput('quality', 'an integer from 1 to 100', quality);

  let fit = DEFAULT_FIT;
  if (input.fit !== undefined && input.fit !== null) {
    const found = FITS.find((f) => f === input.fit?.toLowerCase());
    if (!found) throw badInput('fit', `one of ${FITS.join(', ')}`, input.fit);
    fit = found;
  }

  let position = DEFAULT_POSITION;
  if (input.position !== undefined && input.position !== null) {
    const found = POSITIONS.find((p) => p === input.position?.toLowerCase());
    if (!found) throw badInput('position', `one of ${POSITIONS.join(', ')}`, input.position);
    position = found;
  }
  return normalise(width, height, format, quality, fit, position, input.enlarge ?? false);
}

const DIMENSIONS = /^(?:(\d{1,9})(?:x(\d{1,9}))?|x(\d{1,9}))$/;
const QUALITY = /^q(\d{1,9})$/;
// Shapes that are read as parameters even when their value is invalid, such as "800x" or "q0".
const PARAMETER_SHAPE = /^(?:\d+(?:x\d*)?|x\d+|q\d+)$/;
const GRAMMAR_FORMATS: ReadonlyMap<string, FormatChoice> = new Map([...FORMAT_WORDS, ['auto', 'auto']]);

/** Whether a URL segment is written like a parameter (valid or not) rather than like a name. */
export function looksLikeParameter(segment: string): boolean {
  return PARAMETER_SHAPE.test(segment) || GRAMMAR_FORMATS.has(segment) || isFit(segment) || isPosition(segment) || segment === 'enlarge';
}

function isFit(segment: string): segment is Fit {
  return (FITS as readonly string[]).includes(segment);
}

export function isPosition(segment: string | undefined): segment is Position {
  return (POSITIONS as readonly (string | undefined)[]).includes(segment);
}

/**
 * The original goimgserver's graceful grammar: segments in any order, `{w}x{h}`, `{w}` or
 * `x{h}`, a format word (or `auto`), `q{n}`, plus a fit word, a position word (for `cover`)
 * and `enlarge`. The first valid
 * value of each kind wins; unknown or invalid segments are ignored, so missing values take
 * their defaults.
 */
export function parseGrammar(segments: readonly string[], limits: SpecLimits): RequestedSpec {
  let size: [number | null, number | null] | undefined;
  let format: FormatChoice | undefined;
  let quality: number | undefined;
  let fit: Fit | undefined;
  let position: Position | undefined;
  let enlarge = false;

  for (const segment of segments) {
    const word = readWord(segment, limits);
    switch (word?.kind) {
      case 'size':
        size ??= word.value;
        break;
      case 'quality':
        quality ??= word.value;
        break;
      case 'format':
        format ??= word.value;
        break;
      case 'fit':
        fit ??= word.value;
        break;
      case 'position':
        position ??= word.value;
        break;
      case 'enlarge':
        enlarge = true;
    }
  }
  const concrete = format === undefined || format === 'auto' ? DEFAULT_FORMAT : format;
  const spec = normalise(size?.[0] ?? null, size?.[1] ?? null, concrete, quality ?? DEFAULT_QUALITY, fit ?? DEFAULT_FIT, position ?? DEFAULT_POSITION, enlarge);
  return format === 'auto' ? Object.freeze({ ...spec, format: 'auto' }) : spec;
}

export type GrammarWord =
  | { kind: 'size'; value: [number | null, number | null] }
  | { kind: 'quality'; value: number }
  | { kind: 'format'; value: FormatChoice }
  | { kind: 'fit'; value: Fit }
  | { kind: 'position'; value: Position }
  | { kind: 'enlarge' };

/** One URL segment as a parameter of the grammar; null when it is not one or its value is out of range. */
export function readWord(segment: string, limits: SpecLimits): GrammarWord | null {
  const inRange = (n: number | null) => n === null || (n >= limits.minDimension && n <= limits.maxDimension);
  const dims = DIMENSIONS.exec(segment);
  if (dims) {
    const width = dims[1] === undefined ? null : Number(dims[1]);
    const h = dims[2] ?? dims[3];
    const height = h === undefined ? null : Number(h);
    return inRange(width) && inRange(height) ? { kind: 'size', value: [width, height] } : null;
  }
  const q = QUALITY.exec(segment);
  if (q) {
    const n = Number(q[1]);
    return n >= 1 && n <= 100 ? { kind: 'quality', value: n } : null;
  }
  const format = GRAMMAR_FORMATS.get(segment);
  if (format) return { kind: 'format', value: format };
  if (isFit(segment)) return { kind: 'fit', value: segment };
  if (isPosition(segment)) return { kind: 'position', value: segment };
  return segment === 'enlarge' ? { kind: 'enlarge' } : null;
}

/**
 * The one way a spec is written as URL segments, used by signed URLs and derivative keys:
 * size (`{w}x{h}`, `{w}` or `x{h}`), fit, the position when it is not `center` (only
 * `cover` has one), format, `q{n}`, then `enlarge` when set. Every other value is present,
 * so the form ends in `q{n}` or `enlarge`, and the segment before the format is a fit or a
 * position word: the parameters can be told from the path by counting from the end.
 */
export function canonicalParams(spec: RequestedSpec): string[] {
  const size = spec.height === null ? `${spec.width}` : spec.width === null ? `x${spec.height}` : `${spec.width}x${spec.height}`;
  const position = spec.position === DEFAULT_POSITION ? [] : [spec.position];
  return [size, spec.fit, ...position, spec.format, `q${spec.quality}`, ...(spec.enlarge ? ['enlarge'] : [])];
}

/** Reads segments written by canonicalParams; null unless they are exactly that form and in range. */
export function parseCanonicalParams(segments: readonly string[], limits: SpecLimits): RequestedSpec | null {
  const spec = parseGrammar(segments, limits);
  return canonicalParams(spec).join('/') === segments.join('/') ? spec : null;
}
