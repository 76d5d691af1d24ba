import exifReader from 'exif-reader';

/** What the server reads from a source's EXIF: nothing else of it (no position) ever leaves. */
export interface ExifFacts {
  /** When the picture was taken, as the camera recorded it (`YYYY-MM-DDTHH:MM:SS`; EXIF has no time zone). */
  readonly takenAt: string | null;
  /** The camera's make and model. */
  readonly camera: string | null;
}

const NONE: ExifFacts = { takenAt: null, camera: null };
// The years a date is believed in: EXIF's unknown date reads as 1899, so from 1900.
const FIRST_YEAR = 1900;
const LAST_YEAR = 9999;
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
  // When the picture was taken, or digitised; not the image's DateTime, which says when the file last changed.
  const taken = tags.Photo?.DateTimeOriginal ?? tags.Photo?.DateTimeDigitized;
  // exif-reader reads the camera's wall-clock time into the UTC fields of a Date; EXIF writes
  // "0000:00:00 00:00:00" for an unknown date, which that makes a day in 1899.
  const year = taken instanceof Date ? taken.getUTCFullYear() : Number.NaN;
  const takenAt = taken instanceof Date && year >= FIRST_YEAR && year <= LAST_YEAR ? taken.toISOString().slice(0, 19) : null;
  return { takenAt, camera: cameraOf(text(tags.Image?.Make), text(tags.Image?.Model)) };
}
