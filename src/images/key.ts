import { createHash } from 'node:crypto';
import { canonicalParams, type DerivativeSpec } from './spec';

/** The identity of a source file at one point in time. */
export interface SourceIdentity {
  /** Path of the file inside the images directory (or the placeholder's name). */
  readonly relative: string;
  /** Changes when the file's bytes change or another file answers (see sourceVersion). */
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
 * The version of a source: which file answered and the content id of its bytes (see
 * content-id.ts). Signed URLs carry it, so it changes when the bytes change or another file
 * answers the same path (a newly added image in place of its fallback, even with the same
 * bytes), and stays when a file is only touched or checked out elsewhere: every replica of
 * one commit mints the same URLs. 132 bits of SHA-256, base64url, so that two different
 * files of one path cannot be made to share it.
 */
export function sourceVersion(relative: string, contentId: string): string {
  return createHash('sha256').update(`${relative}\0${contentId}`).digest('base64url').slice(0, 22);
}
