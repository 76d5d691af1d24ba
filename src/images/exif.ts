import exifReader from 'exif-reader';

/** What the server reads from a source's EXIF: nothing else of it (no position) ever leaves. */
export interface ExifFacts {
  /** When the picture was taken, as the camera recorded it (`YYYY-MM-DDTHH:MM:SS`; EXIF has no time zone). */
  readonly takenAt: string | null;
  /** The camera's make and model. */
  readonly camera: string | null;
}

const NONE: ExifFacts = { takenAt: null, camera: null };
// Text fields are short in any real camera's EXIF; a longer one is not shown.
const MAX_TEXT = 100;

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex -- NUL padding and control characters are what cameras leave in these fields
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return cleaned === '' || cleaned.length > MAX_TEXT ? null : cleaned;
}

/** The camera as one name: its make, and its model unless the model already names the make. */
function cameraOf(make: string | null, model: string | null): string | null {
  if (model === null) return make;
  if (make === null || model.toLowerCase().startsWith(make.toLowerCase().split(' ')[0] as string)) return model;
  return `${make} ${model}`;
}

/** The date and camera of an EXIF block as sharp hands it over; a block that cannot be read gives neither. */
export function readExif(block: Buffer | undefined): ExifFacts {
  if (!block) return NONE;
  let tags: ReturnType<typeof exifReader>;
  try {
    tags = exifReader(block);
  } catch {
    return NONE;
  }
  const taken = tags.Photo?.DateTimeOriginal ?? tags.Image?.DateTime;
  // exif-reader reads the camera's wall-clock time into the UTC fields of a Date.
  const takenAt = taken instanceof Date && !Number.isNaN(taken.getTime()) ? taken.toISOString().slice(0, 19) : null;
  return { takenAt, camera: cameraOf(text(tags.Image?.Make), text(tags.Image?.Model)) };
}
