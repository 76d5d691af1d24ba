import nodePath from 'node:path';
import { badInput, malformedEncoding } from '../errors';

/** Longest image path accepted, in UTF-8 bytes, and deepest nesting. */
export const MAX_PATH_LENGTH = 1024;
export const MAX_PATH_SEGMENTS = 32;
/** Longest path segment, in UTF-8 bytes: what file systems allow in one name. */
export const MAX_SEGMENT_BYTES = 255;

// Control characters, backslashes and '%' (left over from double encoding) have no place in an image name.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const FORBIDDEN = /[\u0000-\u001f\u007f\\%]/;
// A surrogate on its own (JSON may carry one as \ud800): text that no file name or URL can spell.
// With the u flag a well-formed pair is one code point, so only lone halves match.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * Checks one decoded path segment. A leading dot is refused too: it covers `.` and `..`,
 * and keeps `.git` and other hidden files of a checkout out of reach.
 */
export function checkSegment(segment: string, name: string): void {
  if (segment === '') throw badInput(name, 'a path without empty segments', segment);
  if (segment.startsWith('.')) throw badInput(name, 'path segments that do not start with "."', segment);
  if (segment.includes('/') || FORBIDDEN.test(segment)) {
    throw badInput(name, 'path segments without "/", "\\", "%" or control characters', segment);
  }
  if (LONE_SURROGATE.test(segment)) throw badInput(name, 'path segments of well-formed Unicode (no lone surrogate)', segment);
  // File systems count bytes, not characters: 200 "é" are 400 bytes.
  if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) throw badInput(name, `path segments of at most ${MAX_SEGMENT_BYTES} bytes (UTF-8)`, segment);
}

/**
 * Whether a real (symlink-free) path lies in the images folder where a path can reach: inside
 * it, and not in or under a hidden name (`.git/...`), which no image path may name but a
 * committed symbolic link could lead to.
 */
export function reachable(imagesRoot: string, real: string): boolean {
  if (real === imagesRoot) return true;
  if (!real.startsWith(imagesRoot + nodePath.sep)) return false;
  return !real.slice(imagesRoot.length + 1).split(nodePath.sep).some((segment) => segment.startsWith('.'));
}

/** Splits and checks an image path as given to the API, e.g. `cats/cat_white`. */
export function parseImagePath(path: string, name = 'path'): string[] {
  if (path.length === 0) throw badInput(name, 'a non-empty image path', path);
  if (Buffer.byteLength(path) > MAX_PATH_LENGTH) throw badInput(name, `a path of at most ${MAX_PATH_LENGTH} bytes (UTF-8)`, path);
  if (path.startsWith('/')) throw badInput(name, 'a relative path inside the images directory', path);
  const segments = path.split('/');
  if (segments.length > MAX_PATH_SEGMENTS) throw badInput(name, `at most ${MAX_PATH_SEGMENTS} path segments`, path);
  for (const segment of segments) checkSegment(segment, name);
  return segments;
}

/**
 * Splits the raw (still percent-encoded) part of a URL after `/img/` into decoded segments.
 * Decoding happens once per segment, after splitting, so an encoded `/` can never add a level.
 * Empty segments are skipped.
 */
export function parseUrlSegments(rawPath: string): string[] {
  // Each decoded byte is at most three characters here (%XX); the bound below, on the decoded
  // path and its parameters together, is twice the longest path.
  if (rawPath.length > 2 * MAX_PATH_LENGTH * 3) throw badInput('path', `a path of at most ${MAX_PATH_LENGTH} bytes (UTF-8)`, rawPath);
  // Empty segments (`cat//300`, a trailing slash) are skipped, as the original goimgserver did.
  const parts = rawPath.split('/').filter((part) => part !== '');
  if (parts.length === 0) throw badInput('path', 'a non-empty image path', rawPath);
  if (parts.length > MAX_PATH_SEGMENTS * 2) throw badInput('path', 'fewer path segments', rawPath);
  const segments = parts.map((part) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch (error) {
      throw malformedEncoding(error);
    }
    checkSegment(decoded, 'path');
    return decoded;
  });
  // The image path and its parameters together: room for a path of the longest kind and its parameters.
  if (segments.reduce((total, segment) => total + Buffer.byteLength(segment) + 1, 0) > 2 * MAX_PATH_LENGTH) {
    throw badInput('path', `a path of at most ${MAX_PATH_LENGTH} bytes (UTF-8)`, rawPath);
  }
  return segments;
}
