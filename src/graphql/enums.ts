import { registerEnumType } from 'type-graphql';

/** Output formats; the values are the domain's format names. */
export enum ImageFormat {
  WEBP = 'webp',
  JPEG = 'jpeg',
  PNG = 'png',
  AVIF = 'avif',
  GIF = 'gif',
  AUTO = 'auto',
}

export enum ImageFit {
  INSIDE = 'inside',
  COVER = 'cover',
  CONTAIN = 'contain',
  FILL = 'fill',
  OUTSIDE = 'outside',
}

export enum ImagePosition {
  CENTER = 'center',
  NORTH = 'north',
  NORTHEAST = 'northeast',
  EAST = 'east',
  SOUTHEAST = 'southeast',
  SOUTH = 'south',
  SOUTHWEST = 'southwest',
  WEST = 'west',
  NORTHWEST = 'northwest',
  ENTROPY = 'entropy',
  ATTENTION = 'attention',
}

export enum CropUnit {
  PIXELS = 'pixels',
  FRACTION = 'fraction',
}

export enum ImageSource {
  ORIGINAL = 'ORIGINAL',
  GROUP_DEFAULT = 'GROUP_DEFAULT',
  DEFAULT = 'DEFAULT',
  GENERATED = 'GENERATED',
}

registerEnumType(ImageFormat, {
  name: 'ImageFormat',
  description: 'Output format of a derivative. WEBP (the default) and GIF keep the frames of an animated GIF or WebP source; the others take its first frame.',
  valuesConfig: {
    PNG: { description: 'Lossless; quality is always 100.' },
    AVIF: { description: 'Smallest files; slower to render the first time. A still image, also of an animated source.' },
    GIF: { description: 'Keeps the frames of an animated source, and decodes everywhere; a palette of 256 colours, so quality is always 100.' },
    AUTO: { description: 'Chosen when the URL is fetched, from its Accept header: AVIF, then WebP, then PNG for sources with transparency and JPEG otherwise; for an animated source, WebP, otherwise GIF.' },
  },
});

registerEnumType(ImageFit, {
  name: 'ImageFit',
  description: 'How the source fills a box given by both width and height.',
  valuesConfig: {
    INSIDE: { description: 'Fit inside the box, keeping the aspect ratio; never crops (the default).' },
    COVER: { description: 'Cover the box exactly, cropping the overflow; position says which part stays (default CENTER).' },
    CONTAIN: { description: 'Fit inside the box and pad it to exactly the box (transparent, or white for JPEG).' },
    FILL: { description: 'Stretch to exactly the box, ignoring the aspect ratio.' },
    OUTSIDE: { description: 'Cover the box, keeping the aspect ratio; never crops, so one side may exceed the box.' },
  },
});

registerEnumType(ImagePosition, {
  name: 'ImagePosition',
  description: 'Which part of the source a COVER crop keeps. The other fits never crop, so they ignore it.',
  valuesConfig: {
    CENTER: { description: 'The middle (the default).' },
    NORTH: { description: 'The top edge, centred across.' },
    SOUTH: { description: 'The bottom edge, centred across.' },
    ENTROPY: { description: 'The region with the most detail (highest Shannon entropy).' },
    ATTENTION: { description: 'The most eye-catching region: luminance contrast, saturation and skin tones.' },
  },
});

registerEnumType(CropUnit, {
  name: 'CropUnit',
  description: 'What the numbers of a crop count.',
  valuesConfig: {
    PIXELS: { description: 'Pixels of the source as displayed: whole numbers (the default).' },
    FRACTION: { description: 'Fractions of the source width and height, 0 to 1 (three decimals kept): the same region whatever size the source has.' },
  },
});

registerEnumType(ImageSource, {
  name: 'ImageSource',
  description: 'Which source answered a path.',
  valuesConfig: {
    ORIGINAL: { description: 'The image that was asked for (for a group: its default image).' },
    GROUP_DEFAULT: { description: 'The asked image is missing; the nearest group default stands in.' },
    DEFAULT: { description: 'Neither the image nor a group default exists; the images folder default.jpg stands in.' },
    GENERATED: { description: 'No default image exists; a generated placeholder stands in.' },
  },
});

export enum FileChangeKind {
  ADDED = 'ADDED',
  MODIFIED = 'MODIFIED',
  DELETED = 'DELETED',
}

export enum SyncOutcome {
  UPDATED = 'UPDATED',
  UP_TO_DATE = 'UP_TO_DATE',
  FAILED = 'FAILED',
}

registerEnumType(FileChangeKind, { name: 'FileChangeKind', description: 'How a file of the images repository changed in a sync.' });

registerEnumType(SyncOutcome, {
  name: 'SyncOutcome',
  description: 'How a sync of the images repository ended.',
  valuesConfig: {
    UPDATED: { description: 'New commits were fast-forwarded.' },
    UP_TO_DATE: { description: 'Nothing new upstream.' },
    FAILED: { description: 'Nothing changed; lastSyncErrorCode says why.' },
  },
});
