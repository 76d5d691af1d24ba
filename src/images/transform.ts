import sharp from 'sharp';
import { AppError } from '../errors';
import type { OutputFormat } from './formats';
import type { OutputSize, SourceSize } from './plan';
import type { DerivativeSpec } from './spec';

export interface TransformLimits {
  /** Sources with more pixels are refused from their header. @default 50_000_000 */
  maxSourcePixels: number;
  /** Seconds one render may take. @default 30 */
  timeoutSeconds: number;
}

export interface SourceMetadata extends SourceSize {
  readonly hasAlpha: boolean;
}

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };
const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };
const ALPHA_FORMATS: ReadonlySet<OutputFormat> = new Set(['webp', 'png', 'avif']);
// Gaussian sigma, in pixels of the preview: softens the blocks a browser would upscale.
const PREVIEW_BLUR = 1;

// libvips caches open files and operations by file name: a replaced source could be served
// stale, and cached decodes hold memory that the derivative cache already makes redundant.
sharp.cache(false);

const unsupported = (cause: unknown) =>
  new AppError('UNSUPPORTED_IMAGE', 'The source is corrupt or not a supported image.', { cause });

/** sharp rejects with plain Errors; those about the input become UNSUPPORTED_IMAGE, the rest stay internal. */
function classify(error: unknown, limits: TransformLimits): Error {
  const message = error instanceof Error ? error.message : '';
  if (/^timeout/i.test(message)) {
    return new AppError('UNSUPPORTED_IMAGE', `The source took longer than ${limits.timeoutSeconds} s to process.`, { cause: error });
  }
  if (/pixel limit/i.test(message)) return tooManyPixels(limits, error);
  if (/missing|ENOENT/.test(message)) return error as Error;
  return unsupported(error);
}

function tooManyPixels(limits: TransformLimits, cause?: unknown) {
  return new AppError('UNSUPPORTED_IMAGE', `The source has more than ${limits.maxSourcePixels} pixels.`, { cause });
}

/** Creates the renderer. Every pixel operation of the server goes through here. */
export function createTransformer(limits: TransformLimits) {
  const open = (file: string) =>
    sharp(file, { limitInputPixels: limits.maxSourcePixels, sequentialRead: true, animated: false });

  /** Reads only the header: size as displayed (EXIF orientation applied) and alpha. */
  async function readMetadata(file: string): Promise<SourceMetadata> {
    let meta: sharp.Metadata;
    try {
      meta = await sharp(file).metadata();
    } catch (error) {
      throw classify(error, limits);
    }
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.pageHeight ?? meta.height;
    if (!width || !height) throw unsupported(new Error('no dimensions in header'));
    if (width * height > limits.maxSourcePixels) throw tooManyPixels(limits);
    return { width, height, hasAlpha: meta.hasAlpha === true };
  }

  /** The source oriented and resized to exactly `size` (from planOutput), alpha flattened for JPEG; not yet encoded. */
  function shape(file: string, spec: DerivativeSpec, size: OutputSize, source: SourceMetadata): sharp.Sharp {
    const keepsAlpha = ALPHA_FORMATS.has(spec.format);
    let pipeline = open(file).timeout({ seconds: limits.timeoutSeconds }).rotate();
    if (size.width !== source.width || size.height !== source.height || spec.fit === 'cover' || spec.fit === 'contain') {
      const fit = spec.fit === 'cover' || spec.fit === 'contain' ? spec.fit : 'fill';
      pipeline = pipeline.resize({
        width: size.width,
        height: size.height,
        fit,
        position: spec.position,
        background: keepsAlpha ? TRANSPARENT : WHITE,
      });
    }
    if (!keepsAlpha && source.hasAlpha) pipeline = pipeline.flatten({ background: WHITE });
    return pipeline;
  }

  /** Renders to exactly `size` (from planOutput), oriented, sRGB, metadata stripped. */
  async function render(file: string, spec: DerivativeSpec, size: OutputSize, source: SourceMetadata): Promise<Buffer> {
    try {
      return await encode(shape(file, spec, size, source), spec).toBuffer();
    } catch (error) {
      throw classify(error, limits);
    }
  }

  /** A tiny blurred rendering of a variant (`size` is a few pixels wide) and its dominant colour. */
  async function renderPreview(file: string, spec: DerivativeSpec, size: OutputSize, source: SourceMetadata): Promise<{ image: Buffer; dominant: { r: number; g: number; b: number } }> {
    try {
      const image = await encode(shape(file, spec, size, source).blur(PREVIEW_BLUR), spec).toBuffer();
      const { dominant } = await sharp(image).stats();
      return { image, dominant };
    } catch (error) {
      throw classify(error, limits);
    }
  }

  return { readMetadata, render, renderPreview };
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
  }
}

/** The placeholder of the fallback chain: 1000x1000, white, "goimgserver" centred. */
export function renderPlaceholder(): Promise<Buffer> {
  const size = 1000;
  const text = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
      `<text x="50%" y="50%" dominant-baseline="middle" text-anchor="middle" font-family="sans-serif" font-size="96" fill="#555">goimgserver</text>` +
      `</svg>`,
  );
  return sharp({ create: { width: size, height: size, channels: 3, background: WHITE } })
    .composite([{ input: text }])
    .png()
    .toBuffer();
}

export type Transformer = ReturnType<typeof createTransformer>;
