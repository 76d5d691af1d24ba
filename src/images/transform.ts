import sharp from 'sharp';
import { AppError } from '../errors';
import { ALPHA_FORMATS } from './formats';
import type { OutputSize, SourceSize } from './plan';
import { readExif, type ExifFacts } from './exif';
import { turnedRegion, watermarkPlacement, type Region, type SourceView } from './region';
import type { DerivativeSpec, FocalPoint, WatermarkSpec } from './spec';

export interface TransformLimits {
  /** Sources with more pixels are refused from their header. @default 50_000_000 */
  maxSourcePixels: number;
  /** Seconds one render may take. @default 30 */
  timeoutSeconds: number;
}

export interface SourceMetadata extends SourceSize, ExifFacts {
  readonly hasAlpha: boolean;
  /** Frames of an animated GIF or WebP; 1 for a still image. */
  readonly frames: number;
  /** The source's format as its bytes say (`jpeg`, `png`, `webp`, `heif` for AVIF, `gif`, `tiff`), whatever its name says. */
  readonly format: string;
}

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

/**
 * A COVER crop centred on a point: the source scaled to cover the box, then the box cut out
 * around the point, moved inside the image where the point is near an edge.
 */
function focusCrop(pipeline: sharp.Sharp, focus: FocalPoint, source: SourceSize, size: OutputSize): sharp.Sharp {
  const scale = Math.max(size.width / source.width, size.height / source.height);
  const scaled = { width: Math.max(size.width, Math.round(source.width * scale)), height: Math.max(size.height, Math.round(source.height * scale)) };
  const start = (point: number, whole: number, part: number) => Math.min(whole - part, Math.max(0, Math.round(point * whole - part / 2)));
  return pipeline
    .resize({ width: scaled.width, height: scaled.height, fit: 'fill' })
    .extract({ left: start(focus.x, scaled.width, size.width), top: start(focus.y, scaled.height, size.height), width: size.width, height: size.height });
}

/**
 * A watermark's pixels for an output of `size`: scaled, its opacity applied, where it lands.
 * sharp lays an overlay once over all frames stacked, so an animation gets a frame-sized
 * transparent canvas holding the mark, tiled down every frame.
 */
async function watermarkOverlay(mark: Watermark, size: OutputSize, animated: boolean): Promise<sharp.OverlayOptions> {
  const { left, top, width, height } = watermarkPlacement(size, mark.image, mark.placement);
  const opacity = mark.placement.opacity / 100;
  const scaled = await sharp(mark.image.data).autoOrient().resize(width, height, { fit: 'fill' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const raw = { width: scaled.info.width, height: scaled.info.height, channels: 4 as const };
  // sharp applies linear before it adds alpha, so the opacity is a second step on the pixels with alpha.
  const data = opacity < 1 ? await sharp(scaled.data, { raw }).linear([1, 1, 1, opacity], [0, 0, 0, 0]).raw().toBuffer() : scaled.data;
  if (!animated) return { input: data, raw, left, top };
  const frame = await sharp({ create: { width: size.width, height: size.height, channels: 4, background: TRANSPARENT } })
    .composite([{ input: data, raw, left, top }])
    .raw()
    .toBuffer();
  return { input: frame, raw: { width: size.width, height: size.height, channels: 4 }, tile: true, gravity: 'northwest' };
}

/** The mean colour of RGBA pixels, each counted as much as it is opaque: what shows of a transparent image. */
function visibleMean(data: Buffer): { r: number; g: number; b: number } {
  const sum = { r: 0, g: 0, b: 0, weight: 0 };
  for (let i = 0; i < data.length; i += 4) {
    const alpha = data[i + 3] as number;
    sum.r += (data[i] as number) * alpha;
    sum.g += (data[i + 1] as number) * alpha;
    sum.b += (data[i + 2] as number) * alpha;
    sum.weight += alpha;
  }
  // Wholly transparent: nothing shows, and white is what a page shows through it.
  if (sum.weight === 0) return { r: 255, g: 255, b: 255 };
  return { r: sum.r / sum.weight, g: sum.g / sum.weight, b: sum.b / sum.weight };
}

/** Largest side of the copy a trim's border is looked for in. */
export const TRIM_ANALYSIS_SIDE = 2000;
const TRIM_MIN_SIDE = 3;

/** `rrggbb` or `rrggbbaa` as sharp takes a colour. */
function colour(hex: string): { r: number; g: number; b: number; alpha: number } {
  const byte = (at: number) => parseInt(hex.slice(at, at + 2), 16);
  return { r: byte(0), g: byte(2), b: byte(4), alpha: hex.length === 8 ? byte(6) / 255 : 1 };
}
const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };
// Gaussian sigma, in pixels of the preview: softens the blocks a browser would upscale.
const PREVIEW_BLUR = 1;

// libvips caches open files and operations by file name: a replaced source could be served
// stale, and cached decodes hold memory that the derivative cache already makes redundant.
sharp.cache(false);

// libvips picks a loader from a file's bytes, not its name: an SVG named `.jpg` would be
// rendered by librsvg, whose XML includes can read other files. Only the raster loaders of
// the supported source formats may run, for the whole process.
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({ operation: ['VipsForeignLoadJpeg', 'VipsForeignLoadPng', 'VipsForeignLoadWebp', 'VipsForeignLoadHeif', 'VipsForeignLoadNsgif', 'VipsForeignLoadGif', 'VipsForeignLoadTiff'] });

/** Source formats as sharp reports them; `heif` only with AV1 compression (AVIF). */
const SOURCE_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'heif', 'gif', 'tiff']);

/** A variant's placeholder as rendered: an encoded image, its dominant colour and small pixels. */
export interface RenderedPreview {
  readonly image: Buffer;
  readonly dominant: { r: number; g: number; b: number };
  readonly pixels: { data: Buffer; width: number; height: number; channels: number };
}

/** A watermark to lay over an output: its image and where and how it goes. */
export interface Watermark {
  readonly image: { readonly data: Buffer; readonly width: number; readonly height: number };
  readonly placement: Pick<WatermarkSpec, 'position' | 'size' | 'opacity' | 'margin'>;
}

export interface RenderOptions {
  readonly watermark?: Watermark;
  /** Keep every frame of an animated source. @default false */
  readonly animated?: boolean;
}

/** A source to read: a file's absolute path, or bytes held in memory (the generated placeholder). */
export type SourceInput = string | Buffer;

/** The source file was not there any more when it was read: its path should be resolved again. */
export class SourceGoneError extends Error {
  constructor(cause: unknown) {
    super('The source file is gone.', { cause });
    this.name = 'SourceGoneError';
  }
}

const unsupported = (cause: unknown) =>
  new AppError('UNSUPPORTED_IMAGE', 'The source is corrupt or not a supported image.', { cause });

/** sharp rejects with plain Errors; those about the input become UNSUPPORTED_IMAGE, the rest stay internal. */
function classify(error: unknown, limits: TransformLimits): Error {
  const message = error instanceof Error ? error.message : '';
  if (/^timeout/i.test(message)) {
    return new AppError('UNSUPPORTED_IMAGE', `The source took longer than ${limits.timeoutSeconds} s to process.`, { cause: error });
  }
  if (/pixel limit/i.test(message)) return tooManyPixels(limits, error);
  if (/missing|ENOENT/.test(message)) return new SourceGoneError(error);
  return unsupported(error);
}

function tooManyPixels(limits: TransformLimits, cause?: unknown) {
  return new AppError('UNSUPPORTED_IMAGE', `The source has more than ${limits.maxSourcePixels} pixels.`, { cause });
}

/** Creates the renderer. Every pixel operation of the server goes through here. */
export function createTransformer(limits: TransformLimits) {
  const open = (input: SourceInput, animated = false) =>
    sharp(input, { limitInputPixels: limits.maxSourcePixels, sequentialRead: true, animated });

  /**
   * Reads only the header: size as displayed (EXIF orientation applied) and alpha. A file
   * whose bytes are not one of the supported raster formats, whatever its name says, is
   * UNSUPPORTED_IMAGE.
   */
  async function readMetadata(input: SourceInput): Promise<SourceMetadata> {
    let meta: sharp.Metadata;
    try {
      meta = await sharp(input).metadata();
    } catch (error) {
      throw classify(error, limits);
    }
    if (!SOURCE_FORMATS.has(meta.format) || (meta.format === 'heif' && meta.compression !== 'av1')) {
      throw unsupported(new Error(`source format ${meta.format}${meta.compression ? `/${meta.compression}` : ''} is not accepted`));
    }
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.pageHeight ?? meta.height;
    if (!width || !height) throw unsupported(new Error('no dimensions in header'));
    if (width * height > limits.maxSourcePixels) throw tooManyPixels(limits);
    return {
      width,
      height,
      hasAlpha: meta.hasAlpha === true,
      frames: meta.format === 'gif' || meta.format === 'webp' ? Math.max(1, meta.pages ?? 1) : 1,
      format: meta.format,
      ...readExif(meta.exif),
    };
  }

  /**
   * The border a trim would remove from what is looked at (`lookedAt` pixels: the source as
   * displayed, or `region` of it): what is kept, relative to it; null when nothing would be
   * removed, everything would (the colour is uniform) or it is too small to have a border.
   * The border is found on a copy at most TRIM_ANALYSIS_SIDE pixels a side and scaled back,
   * keeping every pixel that may not be border: the cost of a decode at that size, whatever
   * the source's. Renders cut out this region, so the size planned from it is what they make.
   */
  async function findTrim(input: SourceInput, region: Region | null, lookedAt: SourceSize, threshold: number): Promise<Region | null> {
    try {
      // sharp trims before it extracts or orients, so the pixels are taken as displayed first.
      let oriented = open(input).timeout({ seconds: limits.timeoutSeconds }).autoOrient();
      if (region !== null) oriented = oriented.extract(region);
      const small = oriented.resize(TRIM_ANALYSIS_SIDE, TRIM_ANALYSIS_SIDE, { fit: 'inside', withoutEnlargement: true });
      const { data, info } = await small.raw().toBuffer({ resolveWithObject: true });
      const raw = { width: info.width, height: info.height, channels: info.channels };
      // libvips finds no border in fewer pixels than its filter spans.
      if (raw.width < TRIM_MIN_SIDE || raw.height < TRIM_MIN_SIDE) return null;
      const trimmed = await sharp(data, { raw }).timeout({ seconds: limits.timeoutSeconds }).trim({ threshold }).raw().toBuffer({ resolveWithObject: true });
      const kept = { left: -(trimmed.info.trimOffsetLeft ?? 0), top: -(trimmed.info.trimOffsetTop ?? 0), width: trimmed.info.width, height: trimmed.info.height };
      if (kept.width === raw.width && kept.height === raw.height) return null;
      const [x, y] = [lookedAt.width / raw.width, lookedAt.height / raw.height];
      const left = Math.floor(kept.left * x);
      const top = Math.floor(kept.top * y);
      const right = Math.min(lookedAt.width, Math.ceil((kept.left + kept.width) * x));
      const bottom = Math.min(lookedAt.height, Math.ceil((kept.top + kept.height) * y));
      return { left, top, width: right - left, height: bottom - top };
    } catch (error) {
      throw classify(error, limits);
    }
  }

  /**
   * The source oriented (EXIF), its region cut out, turned and mirrored as asked, resized to
   * exactly `size` (from planOutput), alpha flattened for JPEG, then filtered; not yet encoded.
   */
  function shape(input: SourceInput, spec: DerivativeSpec, size: OutputSize, source: SourceView, animated = false): sharp.Sharp {
    const keepsAlpha = ALPHA_FORMATS.has(spec.format);
    const background = spec.background === null ? null : colour(spec.background);
    let pipeline = open(input, animated).timeout({ seconds: limits.timeoutSeconds }).autoOrient();
    // sharp mirrors before it turns (turning by θ then mirroring is mirroring then turning by
    // -θ), and turns before cutting out and resizing only when it turns at all: a mirror alone
    // is made a vertical flip and a half turn, so cuts and crops always see the mirrored image.
    if (spec.flipHorizontal) pipeline = spec.rotate === 0 ? pipeline.flip().rotate(180) : pipeline.flop().rotate(360 - spec.rotate);
    else if (spec.rotate !== 0) pipeline = pipeline.rotate(spec.rotate);
    // Cut out after turning and mirroring, so the region is placed where they took it.
    if (source.region !== null) pipeline = pipeline.extract(turnedRegion(source.region, source.whole, spec.rotate, spec.flipHorizontal));
    const turned = spec.rotate === 90 || spec.rotate === 270 ? { width: source.height, height: source.width } : source;
    if (spec.focus !== null) {
      pipeline = focusCrop(pipeline, spec.focus, turned, size);
    } else if (size.width !== turned.width || size.height !== turned.height || spec.fit === 'cover' || spec.fit === 'contain') {
      const fit = spec.fit === 'cover' || spec.fit === 'contain' ? spec.fit : 'fill';
      pipeline = pipeline.resize({
        width: size.width,
        height: size.height,
        fit,
        position: spec.position,
        background: background ?? (keepsAlpha ? TRANSPARENT : WHITE),
      });
    }
    if (!keepsAlpha && source.hasAlpha) pipeline = pipeline.flatten({ background: background ?? WHITE });
    if (spec.blur !== 0) pipeline = pipeline.blur(spec.blur);
    if (spec.sharpen !== 0) pipeline = pipeline.sharpen({ sigma: spec.sharpen });
    if (spec.grayscale) pipeline = pipeline.grayscale();
    return pipeline;
  }

  /**
   * Renders to exactly `size` (from planOutput) per frame, oriented, sRGB, metadata stripped,
   * the watermark laid over last; every frame of an animated source when `animated` (see
   * `animates`), otherwise the first.
   */
  async function render(input: SourceInput, spec: DerivativeSpec, size: OutputSize, source: SourceView, { watermark, animated = false }: RenderOptions = {}): Promise<Buffer> {
    try {
      let pipeline = shape(input, spec, size, source, animated);
      if (watermark) pipeline = pipeline.composite([await watermarkOverlay(watermark, size, animated)]);
      return await encode(pipeline, spec).toBuffer();
    } catch (error) {
      throw classify(error, limits);
    }
  }

  /**
   * A tiny blurred rendering of a variant (`size` is a few pixels wide), its dominant colour
   * and its pixels within `hashSide` a side (what placeholder hashes are computed from), from one decode.
   */
  async function renderPreview(input: SourceInput, spec: DerivativeSpec, size: OutputSize, source: SourceView, hashSides: { min: number; max: number }): Promise<RenderedPreview> {
    try {
      const shaped = await shape(input, spec, size, source).raw().toBuffer({ resolveWithObject: true });
      // RGBA whatever the look (grey, opaque): what the colour and the hashes read. sharp keeps a
      // grey look grey whatever colour space is asked, so the grey pixels are turned in a step of their own.
      const raw = { width: shaped.info.width, height: shaped.info.height, channels: 4 as const };
      const given = { width: raw.width, height: raw.height, channels: shaped.info.channels };
      const data = given.channels === 4 ? shaped.data : await sharp(shaped.data, { raw: given }).toColourspace('srgb').ensureAlpha().raw().toBuffer();
      const image = await encode(sharp(shaped.data, { raw: given }).blur(PREVIEW_BLUR), spec).toBuffer();
      const opaque = data.every((value, index) => index % 4 !== 3 || value === 255);
      const dominant = opaque ? (await sharp(data, { raw }).removeAlpha().stats()).dominant : visibleMean(data);
      // The hashes take a few pixels a side at least (fewer give wrong colours) and ThumbHash 100 at most.
      const scale = Math.min(1, hashSides.max / raw.width, hashSides.max / raw.height);
      const [width, height] = [raw.width, raw.height].map((side) => Math.max(hashSides.min, Math.round(side * scale))) as [number, number];
      const pixels = width === raw.width && height === raw.height ? data : await sharp(data, { raw }).resize(width, height, { fit: 'fill' }).raw().toBuffer();
      return { image, dominant, pixels: { data: pixels, width, height, channels: 4 } };
    } catch (error) {
      throw classify(error, limits);
    }
  }

  /**
   * The dominant colour of a source, from a copy at most 64 pixels a side (JPEG and WebP decode
   * that small directly): a few milliseconds where a full decode would take a render's time.
   */
  async function dominantColour(input: SourceInput): Promise<{ r: number; g: number; b: number }> {
    try {
      const { dominant } = await open(input).timeout({ seconds: limits.timeoutSeconds }).resize(64, 64, { fit: 'inside' }).stats();
      return dominant;
    } catch (error) {
      throw classify(error, limits);
    }
  }

  return { readMetadata, findTrim, render, renderPreview, dominantColour };
}

function encode(pipeline: sharp.Sharp, spec: DerivativeSpec): sharp.Sharp {
  switch (spec.format) {
    case 'webp':
      return pipeline.webp({ quality: spec.quality });
    case 'jpeg':
      return pipeline.jpeg({ quality: spec.quality, progressive: true });
    case 'png':
      return pipeline.png({ compressionLevel: 6 });
    case 'avif':
      // sharp's default effort (4) renders about 8x slower for a 2% smaller file.
      return pipeline.avif({ quality: spec.quality, effort: 2 });
    case 'gif':
      return pipeline.gif();
  }
}

/**
 * The placeholder of the fallback chain: 1000x1000, white, "goimgserver" centred, drawn by
 * Pango (libvips' text operation), so no image loader runs.
 */
export function renderPlaceholder(): Promise<Buffer> {
  const size = 1000;
  // 12 pt at 576 dpi: 96 px.
  const text = { text: '<span foreground="#555555">goimgserver</span>', font: 'sans-serif', dpi: 576, rgba: true };
  return sharp({ create: { width: size, height: size, channels: 3, background: WHITE } })
    .composite([{ input: { text }, gravity: 'centre' }])
    .png()
    .toBuffer();
}

export type Transformer = ReturnType<typeof createTransformer>;
