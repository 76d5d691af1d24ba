import { createHash } from 'node:crypto';
import type { DerivativeSpec } from './spec';

/** The identity of a source file at one point in time. */
export interface SourceIdentity {
  /** Path of the file inside the images directory (or the placeholder's name). */
  readonly relative: string;
  /** Changes whenever the file's bytes may have changed. */
  readonly version: string;
}

/** The one canonical text of "this source, rendered this way". */
export function canonicalSpec(spec: DerivativeSpec): string {
  return `${spec.width ?? ''}x${spec.height ?? ''}/${spec.fit}/${spec.format}/q${spec.quality}${spec.enlarge ? '/enlarge' : ''}`;
}

/**
 * The derivative key: one name for a derivative, used as the cache file name, the ETag and
 * (with the signing issue) the URL's identity. 128 bits of SHA-256, hex.
 */
export function derivativeKey(source: SourceIdentity, spec: DerivativeSpec): string {
  return createHash('sha256')
    .update(`v1\0${source.relative}\0${source.version}\0${canonicalSpec(spec)}`)
    .digest('hex')
    .slice(0, 32);
}

/** A short version of a file from its size and modification time. */
export function fileVersion(size: number, mtimeMs: number): string {
  return createHash('sha256').update(`${size}:${mtimeMs}`).digest('base64url').slice(0, 12);
}
