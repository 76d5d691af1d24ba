import { createHash } from 'node:crypto';
import { canonicalParams, type DerivativeSpec } from './spec';

/** The identity of a source file at one point in time. */
export interface SourceIdentity {
  /** Path of the file inside the images directory (or the placeholder's name). */
  readonly relative: string;
  /** Changes whenever the file's bytes may have changed. */
  readonly version: string;
}

/**
 * The derivative key: one name for a derivative, used as the cache file name and the ETag.
 * It hashes the same canonical parameters that signed URLs carry. 128 bits of SHA-256, hex.
 */
export function derivativeKey(source: SourceIdentity, spec: DerivativeSpec): string {
  return createHash('sha256')
    .update(`v1\0${source.relative}\0${source.version}\0${canonicalParams(spec).join('/')}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * A short version of a source: which file answered, its size and its modification time.
 * Signed URLs carry it, so it changes when the bytes may have changed or another file
 * (a newly added image instead of its fallback, say) answers the same path.
 */
export function fileVersion(relative: string, size: number, mtimeMs: number): string {
  return createHash('sha256').update(`${relative}\0${size}:${mtimeMs}`).digest('base64url').slice(0, 12);
}
