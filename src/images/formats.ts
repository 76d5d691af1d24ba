/** Output formats the server renders, with their content types and cache file endings. */
export const OUTPUT_FORMATS = ['webp', 'jpeg', 'png', 'avif', 'gif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** A format as asked for: `auto` is decided per request from the client's `Accept` header. */
export type FormatChoice = OutputFormat | 'auto';

export const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
  avif: 'image/avif',
  gif: 'image/gif',
};

export const FILE_ENDINGS: Readonly<Record<OutputFormat, string>> = {
  webp: 'webp',
  jpeg: 'jpg',
  png: 'png',
  avif: 'avif',
  gif: 'gif',
};

/** Formats that keep transparency (GIF as a transparent palette entry); the others are flattened. */
export const ALPHA_FORMATS: ReadonlySet<OutputFormat> = new Set(['webp', 'png', 'avif', 'gif']);
/** Formats that can hold frames: an animated source keeps them in these. */
export const ANIMATED_FORMATS: ReadonlySet<OutputFormat> = new Set(['webp', 'gif']);
/** Formats that always encode at quality 100: lossless, or a palette with no quality setting. */
export const FIXED_QUALITY_FORMATS: ReadonlySet<OutputFormat> = new Set(['png', 'gif']);

/** Source extensions in auto-detection priority: the original's four first, then the rest. */
export const SOURCE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.avif', '.gif', '.tif', '.tiff'] as const;

/** Whether a name ends in a source extension, in any case (cameras write `IMG_0001.JPG`). */
export function hasSourceExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && (SOURCE_EXTENSIONS as readonly string[]).includes(name.slice(dot).toLowerCase());
}

export const FITS = ['inside', 'cover', 'contain', 'fill', 'outside'] as const;
export type Fit = (typeof FITS)[number];

/**
 * Which part of the source a COVER crop keeps: a compass point, or a part chosen from the
 * pixels (`entropy`: the most detailed region; `attention`: the most salient, favouring
 * skin tones and strong colour), as libvips' smartcrop does.
 */
export const POSITIONS = ['center', 'north', 'northeast', 'east', 'southeast', 'south', 'southwest', 'west', 'northwest', 'entropy', 'attention'] as const;
export type Position = (typeof POSITIONS)[number];

/** How a request was answered: the asked image, a group default, the system default, or the placeholder. */
export type SourceKind = 'ORIGINAL' | 'GROUP_DEFAULT' | 'DEFAULT' | 'GENERATED';
