import { badInput } from '../errors';
import { ALPHA_FORMATS, FITS, FIXED_QUALITY_FORMATS, OUTPUT_FORMATS, POSITIONS, type Fit, type FormatChoice, type OutputFormat, type Position } from './formats';

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
  /** The point a COVER crop is centred on, as fractions of the (turned) source; instead of `position`. null for the other fits. */
  readonly focus: FocalPoint | null;
  /** The region of the source (as displayed) that is used, taken before anything else; null: all of it. */
  readonly crop: Crop | null;
  /** Removes a uniform border (within the crop) whose colour differs from the top left pixel's by at most this; 0: none. @default 0 */
  readonly trim: number;
  /** Whether the output may be larger than the source. @default false */
  readonly enlarge: boolean;
  /** Degrees clockwise, after the EXIF orientation and before sizing. @default 0 */
  readonly rotate: Rotation;
  /** Mirrored left to right, after rotating. A vertical flip is folded into this and a half turn. @default false */
  readonly flipHorizontal: boolean;
  /** `rrggbb` or `rrggbbaa`: CONTAIN's padding and what transparency is flattened onto for JPEG; null: transparent padding where the format allows it, otherwise white. */
  readonly background: string | null;
  /** Gaussian blur of the output, sigma in output pixels; 0: none. @default 0 */
  readonly blur: number;
  /** Sharpening of the output, sigma in output pixels; 0: none. @default 0 */
  readonly sharpen: number;
  /** Shades of grey only. @default false */
  readonly grayscale: boolean;
  /** A configured image laid over the finished output; null: none. */
  readonly watermark: WatermarkSpec | null;
}

/** Where a watermark sits: a compass point of the output. */
export const WATERMARK_POSITIONS = ['center', 'north', 'northeast', 'east', 'southeast', 'south', 'southwest', 'west', 'northwest'] as const;
export type WatermarkPosition = (typeof WATERMARK_POSITIONS)[number];
export const WATERMARK_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** A watermark's placement on an output. */
export interface WatermarkSpec {
  /** The configured name (`--watermarks`). */
  readonly name: string;
  readonly position: WatermarkPosition;
  /** Width in percent of the output's width (smaller when its height would not fit). */
  readonly size: number;
  /** Opacity in percent. */
  readonly opacity: number;
  /** Distance from the edges it is placed against, in percent of the output's shorter side. */
  readonly margin: number;
  /** The watermark file's content version this spec was made with; empty until the server binds it. */
  readonly version: string;
}

/** Bounds and defaults of a watermark's placement, in percent. */
export const WATERMARK_RANGES = {
  size: { min: 1, max: 100, default: 20 },
  opacity: { min: 1, max: 100, default: 100 },
  margin: { min: 0, max: 25, default: 2 },
} as const;
export const DEFAULT_WATERMARK_POSITION: WatermarkPosition = 'southeast';

/** A point of an image as fractions of its width and height, from the top left corner. */
export interface FocalPoint {
  readonly x: number;
  readonly y: number;
}

/**
 * A region of the source as displayed (after the camera's orientation): in pixels, or in
 * fractions of its width and height (three decimals kept), from the top left corner.
 */
export interface Crop {
  readonly unit: CropUnit;
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export const CROP_UNITS = ['pixels', 'fraction'] as const;
export type CropUnit = (typeof CROP_UNITS)[number];
/** Largest pixel value of a crop: libvips' own bound on an image side. */
export const MAX_CROP_PIXELS = 100_000;

export const ROTATIONS = [0, 90, 180, 270] as const;
export type Rotation = (typeof ROTATIONS)[number];

/** Bounds of the numeric adjustments; a blur's cost grows with its sigma, so it stays below a resize's. */
export const ADJUSTMENT_RANGES = {
  dpr: { min: 1, max: 4 },
  blur: { min: 0.3, max: 10 },
  sharpen: { min: 0.5, max: 3 },
  trim: { min: 1, max: 100 },
} as const;
/** The threshold of `trim` given without one. */
export const DEFAULT_TRIM = 10;

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
  /** Where a COVER crop is centred, fractions 0-1; excludes `position`. */
  focalPoint?: { x: number; y: number } | null;
  enlarge?: boolean | null;
  /** A region of the source taken first; `unit` defaults to pixels. */
  crop?: { left: number; top: number; width: number; height: number; unit?: string | null } | null;
  /** Threshold 1-100 of a uniform border to remove. */
  trim?: number | null;
  /** Device pixel ratio: multiplies the box, so it is folded into the size. */
  dpr?: number | null;
  rotate?: number | null;
  flipHorizontal?: boolean | null;
  flipVertical?: boolean | null;
  /** `rrggbb` or `rrggbbaa`, with or without `#`, any case. */
  background?: string | null;
  blur?: number | null;
  sharpen?: number | null;
  grayscale?: boolean | null;
  /** A configured watermark by name, with its placement (percentages). */
  watermark?: { name: string; position?: string | null; size?: number | null; opacity?: number | null; margin?: number | null } | null;
}

/** The fields of a spec besides its box and format, as `normalise` takes them. */
type SpecFields = Omit<DerivativeSpec, 'width' | 'height' | 'format'>;

const PLAIN: Omit<SpecFields, 'quality' | 'fit' | 'position' | 'focus' | 'enlarge'> = { crop: null, trim: 0, rotate: 0, flipHorizontal: false, background: null, blur: 0, sharpen: 0, grayscale: false, watermark: null };
const tenths = (n: number) => Math.round(n * 10) / 10;

/**
 * A vertical flip is a half turn and a horizontal flip: folding it in gives every look one
 * spelling. Rotations are applied first, then the mirror.
 */
function foldFlips(rotate: Rotation, flipHorizontal: boolean, flipVertical: boolean): { rotate: Rotation; flipHorizontal: boolean } {
  if (!flipVertical) return { rotate, flipHorizontal };
  return { rotate: ((rotate + 180) % 360) as Rotation, flipHorizontal: !flipHorizontal };
}

/** The box times `dpr`, both sides by one factor so the box keeps its shape, within the largest dimension. */
function scaledBox(width: number | null, height: number | null, dpr: number, limits: SpecLimits): [number | null, number | null] {
  if (dpr === 1) return [width, height];
  const [w, h] = width === null && height === null ? [DEFAULT_BOX, DEFAULT_BOX] : [width, height];
  const factor = Math.min(dpr, ...[w, h].filter((n): n is number => n !== null).map((n) => limits.maxDimension / n));
  const scale = (n: number | null) => (n === null ? null : Math.max(1, Math.round(n * factor)));
  return [scale(w), scale(h)];
}

const hundredths = (n: number) => Math.round(n * 100) / 100;

/** A focal point with both fractions from 0 to 1, kept to two decimals; null otherwise. */
function readFocus(x: unknown, y: unknown): FocalPoint | null {
  const fraction = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 1;
  return fraction(x) && fraction(y) ? { x: hundredths(x as number), y: hundredths(y as number) } : null;
}

const thousandths = (n: number) => Math.round(n * 1000) / 1000;

/**
 * A crop in range, its fractions kept to three decimals; null otherwise. A crop of the whole
 * source in fractions is no crop (`whole`).
 */
function readCrop(unit: CropUnit, left: number, top: number, width: number, height: number): Crop | 'whole' | null {
  const values = [left, top, width, height];
  if (!values.every((n) => Number.isFinite(n) && n >= 0)) return null;
  if (unit === 'pixels') {
    if (!values.every((n) => Number.isInteger(n) && n <= MAX_CROP_PIXELS) || width < 1 || height < 1) return null;
    return { unit, left, top, width, height };
  }
  const [l, t, w, h] = values.map(thousandths) as [number, number, number, number];
  if (w <= 0 || h <= 0 || thousandths(l + w) > 1 || thousandths(t + h) > 1) return null;
  return l === 0 && t === 0 && w === 1 && h === 1 ? 'whole' : { unit, left: l, top: t, width: w, height: h };
}

/** A watermark placement with every value in range and the defaults filled; null otherwise. */
function readWatermark(input: NonNullable<SpecInput['watermark']>, version = ''): WatermarkSpec | null {
  const percent = (value: number | null | undefined, range: { min: number; max: number; default: number }) =>
    value === undefined || value === null ? range.default : Number.isInteger(value) && value >= range.min && value <= range.max ? value : null;
  const position = input.position === undefined || input.position === null ? DEFAULT_WATERMARK_POSITION : WATERMARK_POSITIONS.find((p) => p === input.position?.toLowerCase());
  const size = percent(input.size, WATERMARK_RANGES.size);
  const opacity = percent(input.opacity, WATERMARK_RANGES.opacity);
  const margin = percent(input.margin, WATERMARK_RANGES.margin);
  if (typeof input.name !== 'string' || !WATERMARK_NAME.test(input.name) || position === undefined || size === null || opacity === null || margin === null) return null;
  return { name: input.name, position, size, opacity, margin, version };
}

const HEX_COLOUR = /^#?([0-9a-f]{6}|[0-9a-f]{8})$/i;

/** A colour as `rrggbb` or `rrggbbaa` (an opaque alpha dropped); null if it is not one. */
function readColour(text: string): string | null {
  const match = HEX_COLOUR.exec(text);
  if (!match) return null;
  const hex = (match[1] as string).toLowerCase();
  return hex.endsWith('ff') && hex.length === 8 ? hex.slice(0, 6) : hex;
}

const FORMAT_WORDS: ReadonlyMap<string, OutputFormat> = new Map([
  ['webp', 'webp'],
  ['jpeg', 'jpeg'],
  ['jpg', 'jpeg'],
  ['png', 'png'],
  ['avif', 'avif'],
  ['gif', 'gif'],
]);

/** A format name (any case, `jpg` for JPEG) as an output format; BAD_USER_INPUT naming `argument` otherwise. */
export function parseFormat(word: string, argument: string): OutputFormat {
  const found = FORMAT_WORDS.get(word.toLowerCase());
  if (!found) throw badInput(argument, `one of ${OUTPUT_FORMATS.join(', ')}`, word);
  return found;
}

/** Fills defaults and folds equivalent requests together. */
function normalise(width: number | null, height: number | null, format: OutputFormat, fields: SpecFields, auto = false): DerivativeSpec {
  const box = width === null && height === null;
  const bothSides = box || (width !== null && height !== null);
  const finalFit = bothSides ? fields.fit : DEFAULT_FIT;
  // A background shows only as CONTAIN's padding or under flattened transparency (an `auto` format may turn out JPEG);
  // a transparent one pads as the default does where the format keeps alpha.
  const keepsAlpha = !auto && ALPHA_FORMATS.has(format);
  const shows = (finalFit === 'contain' || !keepsAlpha) && !(keepsAlpha && fields.background?.endsWith('00') && fields.background.length === 8);
  const background = shows ? fields.background : null;
  return Object.freeze({
    width: box ? DEFAULT_BOX : width,
    height: box ? DEFAULT_BOX : height,
    format,
    quality: FIXED_QUALITY_FORMATS.has(format) ? 100 : fields.quality,
    fit: finalFit,
    position: finalFit === 'cover' && fields.focus === null ? fields.position : DEFAULT_POSITION,
    focus: finalFit === 'cover' ? fields.focus : null,
    enlarge: fields.enlarge,
    crop: fields.crop,
    trim: fields.trim,
    rotate: fields.rotate,
    flipHorizontal: fields.flipHorizontal,
    background,
    blur: fields.blur,
    sharpen: fields.sharpen,
    grayscale: fields.grayscale,
    watermark: fields.watermark,
  });
}

/** The plain request's variant: 1000×1000 box, WebP, quality 75, INSIDE. */
export function defaultSpec(): DerivativeSpec {
  return normalise(null, null, DEFAULT_FORMAT, { quality: DEFAULT_QUALITY, fit: DEFAULT_FIT, position: DEFAULT_POSITION, focus: null, enlarge: false, ...PLAIN });
}

/** Like normaliseSpec, and `format` may also be `auto`. */
export function normaliseRequest(input: SpecInput, limits: SpecLimits): RequestedSpec {
  const auto = input.format?.toLowerCase() === 'auto';
  const spec = checked(auto ? { ...input, format: null } : input, limits, auto);
  return auto ? Object.freeze({ ...spec, format: 'auto' }) : spec;
}

/** A requested spec made renderable with the format chosen for it. */
export function withFormat(spec: RequestedSpec, format: OutputFormat): DerivativeSpec {
  return normalise(spec.width, spec.height, format, spec);
}

/** Strict validation for API arguments: anything out of range is a BAD_USER_INPUT naming the argument. */
export function normaliseSpec(input: SpecInput, limits: SpecLimits): DerivativeSpec {
  return checked(input, limits, false);
}

function checked(input: SpecInput, limits: SpecLimits, auto: boolean): DerivativeSpec {
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

  let focus: FocalPoint | null = null;
  if (input.focalPoint !== undefined && input.focalPoint !== null) {
    if (input.position !== undefined && input.position !== null) throw badInput('focalPoint', 'either focalPoint or position, not both', `${JSON.stringify(input.focalPoint)} beside position ${input.position}`);
    focus = readFocus(input.focalPoint.x, input.focalPoint.y);
    if (focus === null) throw badInput('focalPoint', 'x and y as fractions from 0 to 1 (two decimals kept)', input.focalPoint);
  }
  const ranged = (name: keyof typeof ADJUSTMENT_RANGES, none: number): number => {
    const value = input[name];
    if (value === undefined || value === null) return none;
    const { min, max } = ADJUSTMENT_RANGES[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw badInput(name, `a number from ${min} to ${max}`, value);
    return value;
  };
  const dpr = ranged('dpr', 1);
  const trim = Math.round(ranged('trim', 0));

  let crop: Crop | null = null;
  if (input.crop !== undefined && input.crop !== null) {
    const { left, top, width: w, height: h, unit: given } = input.crop;
    const unit = CROP_UNITS.find((u) => u === (given ?? 'pixels').toLowerCase());
    const read = unit === undefined ? null : readCrop(unit, left, top, w, h);
    if (read === null) {
      throw badInput('crop', `left, top, width and height in PIXELS (integers up to ${MAX_CROP_PIXELS}, width and height at least 1) or as FRACTION of the source (0-1, the region within it)`, input.crop);
    }
    crop = read === 'whole' ? null : read;
  }
  const blur = tenths(ranged('blur', 0));
  const sharpen = tenths(ranged('sharpen', 0));

  const rotation = input.rotate ?? 0;
  if (!(ROTATIONS as readonly number[]).includes(rotation)) throw badInput('rotate', `one of ${ROTATIONS.join(', ')} (degrees clockwise)`, rotation);

  let background: string | null = null;
  if (input.background !== undefined && input.background !== null) {
    background = readColour(input.background);
    if (background === null) throw badInput('background', 'a colour as RRGGBB or RRGGBBAA hexadecimal digits, with or without #', input.background);
  }

  let watermark: WatermarkSpec | null = null;
  if (input.watermark !== undefined && input.watermark !== null) {
    watermark = readWatermark(input.watermark);
    if (watermark === null) {
      const { size, opacity, margin } = WATERMARK_RANGES;
      throw badInput(
        'watermark',
        `a configured name (lower-case letters, digits, _), a position among ${WATERMARK_POSITIONS.join(', ')}, size ${size.min}-${size.max}, opacity ${opacity.min}-${opacity.max} and margin ${margin.min}-${margin.max} in whole percent`,
        input.watermark,
      );
    }
  }

  const [boxWidth, boxHeight] = scaledBox(width, height, dpr, limits);
  return normalise(boxWidth, boxHeight, format, {
    quality,
    fit,
    position,
    focus,
    enlarge: input.enlarge ?? false,
    crop,
    trim,
    ...foldFlips(rotation as Rotation, input.flipHorizontal ?? false, input.flipVertical ?? false),
    background,
    blur,
    sharpen,
    grayscale: input.grayscale ?? false,
    watermark,
  }, auto);
}

const DIMENSIONS = /^(?:(\d{1,9})(?:x(\d{1,9}))?|x(\d{1,9}))$/;
const QUALITY = /^q(\d{1,9})$/;
const DECIMAL = '(\\d{1,3}(?:\\.\\d{1,3})?)';
const DPR = new RegExp(`^dpr${DECIMAL}$`);
const ROTATE = /^rotate(\d{1,9})$/;
const BACKGROUND = /^bg([0-9a-f]{1,16})$/i;
const BLUR = new RegExp(`^blur${DECIMAL}$`);
const SHARPEN = new RegExp(`^sharpen${DECIMAL}$`);
const FOCUS = /^focus(\d(?:\.\d{1,3})?)x(\d(?:\.\d{1,3})?)$/;
const CROP = /^crop(\d{1,6})x(\d{1,6})x(\d{1,6})x(\d{1,6})$/;
const FRACTION = '(\\d(?:\\.\\d{1,3})?)';
const CROP_FRACTION = new RegExp(`^cropf${FRACTION}x${FRACTION}x${FRACTION}x${FRACTION}$`);
const TRIM = /^trim(\d{1,3})?$/;
const WATERMARK = /^wm-([a-z][a-z0-9_]{0,31})((?:-[a-z0-9]{1,12}){0,5})$/;
const WATERMARK_VERSION = /^v[0-9a-f]{10}$/;
// Shapes that are read as parameters even when their value is invalid, such as "800x", "q0" or "blur99".
const PARAMETER_SHAPE = /^(?:\d+(?:x\d*)?|x\d+|q\d+|dpr[\d.]+|rotate\d+|bg[0-9a-fA-F]+|blur[\d.]+|sharpen[\d.]+|focus[\d.]+x[\d.]+|cropf?[\d.x]+|trim\d*|wm-[\w-]+)$/;
const FLAG_WORDS = new Set(['enlarge', 'fliph', 'flipv', 'grayscale']);
const GRAMMAR_FORMATS: ReadonlyMap<string, FormatChoice> = new Map([...FORMAT_WORDS, ['auto', 'auto']]);

/** Whether a URL segment is written like a parameter (valid or not) rather than like a name. */
export function looksLikeParameter(segment: string): boolean {
  return PARAMETER_SHAPE.test(segment) || GRAMMAR_FORMATS.has(segment) || isFit(segment) || isPosition(segment) || FLAG_WORDS.has(segment);
}

function isFit(segment: string): segment is Fit {
  return (FITS as readonly string[]).includes(segment);
}

export function isPosition(segment: string | undefined): segment is Position {
  return (POSITIONS as readonly (string | undefined)[]).includes(segment);
}

/**
 * The original goimgserver's graceful grammar: segments in any order, `{w}x{h}`, `{w}` or
 * `x{h}`, a format word (or `auto`), `q{n}`, plus a fit word, a position word (for `cover`),
 * `enlarge`, and the adjustments: `dpr{n}`, `crop{l}x{t}x{w}x{h}` (pixels) or `cropf…`
 * (fractions), `trim` or `trim{threshold}`, `rotate{90|180|270}`, `fliph`, `flipv`,
 * `bg{rrggbb[aa]}`, `blur{sigma}`, `sharpen{sigma}`, `grayscale`, `wm-{name}[-{part}...]`. The first valid value of
 * each kind wins; unknown or invalid segments are ignored, so missing values take their
 * defaults.
 */
export function parseGrammar(segments: readonly string[], limits: SpecLimits): RequestedSpec {
  const read: {
    size?: [number | null, number | null];
    format?: FormatChoice;
    quality?: number;
    fit?: Fit;
    position?: Position | FocalPoint;
    dpr?: number;
    crop?: Crop | 'whole';
    trim?: number;
    watermark?: WatermarkSpec;
    rotate?: Rotation;
    background?: string;
    blur?: number;
    sharpen?: number;
  } = {};
  const flags = new Set<string>();
  for (const segment of segments) {
    const word = readWord(segment, limits);
    if (word === null) continue;
    if (word.value === undefined) flags.add(word.kind);
    // Each kind's first valid value wins: the assignment only fills what is still unset.
    else (read as Record<string, unknown>)[word.kind] ??= word.value;
  }
  const concrete = read.format === undefined || read.format === 'auto' ? DEFAULT_FORMAT : read.format;
  const [width, height] = scaledBox(read.size?.[0] ?? null, read.size?.[1] ?? null, read.dpr ?? 1, limits);
  const spec = normalise(width, height, concrete, {
    quality: read.quality ?? DEFAULT_QUALITY,
    fit: read.fit ?? DEFAULT_FIT,
    // A focal point is a position: the first valid one of either wins.
    position: typeof read.position === 'string' ? read.position : DEFAULT_POSITION,
    focus: typeof read.position === 'object' ? read.position : null,
    enlarge: flags.has('enlarge'),
    crop: read.crop === undefined || read.crop === 'whole' ? null : read.crop,
    trim: read.trim ?? 0,
    ...foldFlips(read.rotate ?? 0, flags.has('fliph'), flags.has('flipv')),
    background: read.background ?? null,
    blur: read.blur ?? 0,
    sharpen: read.sharpen ?? 0,
    grayscale: flags.has('grayscale'),
    watermark: read.watermark ?? null,
  }, read.format === 'auto');
  return read.format === 'auto' ? Object.freeze({ ...spec, format: 'auto' }) : spec;
}

export type GrammarWord =
  | { kind: 'size'; value: [number | null, number | null] }
  | { kind: 'quality'; value: number }
  | { kind: 'format'; value: FormatChoice }
  | { kind: 'fit'; value: Fit }
  | { kind: 'position'; value: Position | FocalPoint }
  | { kind: 'dpr'; value: number }
  | { kind: 'crop'; value: Crop | 'whole' }
  | { kind: 'trim'; value: number }
  | { kind: 'watermark'; value: WatermarkSpec }
  | { kind: 'rotate'; value: Rotation }
  | { kind: 'background'; value: string }
  | { kind: 'blur'; value: number }
  | { kind: 'sharpen'; value: number }
  | { kind: 'enlarge' | 'fliph' | 'flipv' | 'grayscale'; value?: undefined };

/** A decimal word's number when it lies in the adjustment's range, in tenths for the filters. */
function rangedWord(match: RegExpExecArray | null, name: keyof typeof ADJUSTMENT_RANGES): number | null {
  if (!match) return null;
  const n = Number(match[1]);
  const { min, max } = ADJUSTMENT_RANGES[name];
  return n >= min && n <= max ? (name === 'dpr' ? n : tenths(n)) : null;
}

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
  const focus = FOCUS.exec(segment);
  if (focus) {
    const point = readFocus(Number(focus[1]), Number(focus[2]));
    return point === null ? null : { kind: 'position', value: point };
  }
  if (FLAG_WORDS.has(segment)) return { kind: segment as 'enlarge' | 'fliph' | 'flipv' | 'grayscale' };
  const rotate = ROTATE.exec(segment);
  if (rotate) {
    const n = Number(rotate[1]);
    return (ROTATIONS as readonly number[]).includes(n) ? { kind: 'rotate', value: n as Rotation } : null;
  }
  const background = BACKGROUND.exec(segment);
  if (background) {
    const colour = readColour(background[1] as string);
    return colour === null ? null : { kind: 'background', value: colour };
  }
  const crop = CROP.exec(segment) ?? CROP_FRACTION.exec(segment);
  if (crop) {
    const [l, t, w, h] = crop.slice(1).map(Number) as [number, number, number, number];
    const region = readCrop(segment.startsWith('cropf') ? 'fraction' : 'pixels', l, t, w, h);
    return region === null ? null : { kind: 'crop', value: region };
  }
  const watermark = WATERMARK.exec(segment);
  if (watermark) {
    const placed = readWatermarkWord(watermark[1] as string, (watermark[2] as string).split('-').slice(1));
    return placed === null ? null : { kind: 'watermark', value: placed };
  }
  const trim = TRIM.exec(segment);
  if (trim) {
    const n = trim[1] === undefined ? DEFAULT_TRIM : Number(trim[1]);
    const { min, max } = ADJUSTMENT_RANGES.trim;
    return n >= min && n <= max ? { kind: 'trim', value: n } : null;
  }
  for (const [kind, pattern] of [['dpr', DPR], ['blur', BLUR], ['sharpen', SHARPEN]] as const) {
    const n = rangedWord(pattern.exec(segment), kind);
    if (n !== null) return { kind, value: n };
  }
  return null;
}

/**
 * The one way a spec is written as URL segments, used by signed URLs and derivative keys:
 * size (`{w}x{h}`, `{w}` or `x{h}`), fit, the position when it is not `center` (only
 * `cover` has one), format, `q{n}`, `enlarge` when set, then the adjustments that are not
 * plain, in this order: `crop…` or `cropf…`, `trim{n}`, `rotate{n}`, `fliph`, `bg{hex}`,
 * `blur{σ}`, `sharpen{σ}`, `grayscale`, `wm-{name}-{position}-s{n}-o{n}-m{n}-v{version}`. A DPR is already in the size, a vertical flip in the rotation and the
 * mirror. Every other value is present, so the parameters can be told from the path by
 * counting from the end: adjustment words, then `enlarge` or `q{n}`.
 */
export function canonicalParams(spec: RequestedSpec): string[] {
  const size = spec.height === null ? `${spec.width}` : spec.width === null ? `x${spec.height}` : `${spec.width}x${spec.height}`;
  const position = spec.focus !== null ? [focusWord(spec.focus)] : spec.position === DEFAULT_POSITION ? [] : [spec.position];
  return [size, spec.fit, ...position, spec.format, `q${spec.quality}`, ...(spec.enlarge ? ['enlarge'] : []), ...adjustmentWords(spec)];
}

export const focusWord = (focus: FocalPoint) => `focus${focus.x}x${focus.y}`;

/** Whether a segment is a position of the canonical form: a position word or a focal point. */
export function isCanonicalPosition(segment: string | undefined): boolean {
  return isPosition(segment) || (segment !== undefined && FOCUS.test(segment));
}

/**
 * The parts of a watermark word after its name, each at most once, in any order: a position,
 * `s{size}`, `o{opacity}`, `m{margin}` (whole percent) and the content version `v{hex}`.
 */
function readWatermarkWord(name: string, parts: readonly string[]): WatermarkSpec | null {
  const given: { position?: string; size?: number; opacity?: number; margin?: number; version?: string } = {};
  for (const part of parts) {
    let key: keyof typeof given;
    let value: string | number;
    const percent = /^([som])(\d{1,3})$/.exec(part);
    if ((WATERMARK_POSITIONS as readonly string[]).includes(part)) [key, value] = ['position', part];
    else if (WATERMARK_VERSION.test(part)) [key, value] = ['version', part.slice(1)];
    else if (percent) [key, value] = [({ s: 'size', o: 'opacity', m: 'margin' } as const)[percent[1] as 's' | 'o' | 'm'], Number(percent[2])];
    else return null;
    if (key in given) return null;
    (given as Record<string, string | number>)[key] = value;
  }
  return readWatermark({ name, position: given.position, size: given.size, opacity: given.opacity, margin: given.margin }, given.version);
}

/** A watermark as its grammar word: every part written, the version last when it is known. */
export const watermarkWord = (w: WatermarkSpec) => `wm-${w.name}-${w.position}-s${w.size}-o${w.opacity}-m${w.margin}${w.version === '' ? '' : `-v${w.version}`}`;

/** A crop as its grammar word: `crop{l}x{t}x{w}x{h}` in pixels, `cropf…` in fractions. */
export const cropWord = (crop: Crop) => `${crop.unit === 'pixels' ? 'crop' : 'cropf'}${crop.left}x${crop.top}x${crop.width}x${crop.height}`;

function adjustmentWords(spec: RequestedSpec): string[] {
  const words: string[] = [];
  if (spec.crop !== null) words.push(cropWord(spec.crop));
  if (spec.trim !== 0) words.push(`trim${spec.trim}`);
  if (spec.rotate !== 0) words.push(`rotate${spec.rotate}`);
  if (spec.flipHorizontal) words.push('fliph');
  if (spec.background !== null) words.push(`bg${spec.background}`);
  if (spec.blur !== 0) words.push(`blur${spec.blur}`);
  if (spec.sharpen !== 0) words.push(`sharpen${spec.sharpen}`);
  if (spec.grayscale) words.push('grayscale');
  if (spec.watermark !== null) words.push(watermarkWord(spec.watermark));
  return words;
}

/** Whether a segment is an adjustment word of the canonical form (valid or not): signed URLs end in those. */
export function isAdjustmentWord(segment: string | undefined): boolean {
  return segment !== undefined && segment !== 'enlarge' && FLAG_WORDS.has(segment) ? true : segment !== undefined && /^(?:cropf?[\d.x]+|trim\d*|rotate\d+|bg[0-9a-fA-F]+|blur[\d.]+|sharpen[\d.]+|wm-[\w-]+)$/.test(segment);
}

/** Reads segments written by canonicalParams; null unless they are exactly that form and in range. */
export function parseCanonicalParams(segments: readonly string[], limits: SpecLimits): RequestedSpec | null {
  const spec = parseGrammar(segments, limits);
  return canonicalParams(spec).join('/') === segments.join('/') ? spec : null;
}
