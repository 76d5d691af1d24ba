import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors';
import { createMemo } from '../memo';
import { canonicalParams, isAdjustmentWord, isCanonicalPosition, parseCanonicalParams, type RequestedSpec, type SpecLimits } from '../images/spec';
import { MEMORY_BOUNDS } from '../memory-bounds';

export interface UrlSignerOptions {
  /** The HMAC-SHA256 key URLs are signed with. */
  secret: string;
  /** The key before the last rotation: URLs signed with it still verify. */
  previousSecret?: string | undefined;
  /** Origin (and optional path prefix) that makes URLs absolute, e.g. `https://cdn.example.com`. */
  publicUrl?: string | undefined;
  limits: SpecLimits;
}

/** What a verified URL asks for. */
export interface SignedRequest {
  readonly path: readonly string[];
  readonly spec: RequestedSpec;
  /** The source version the URL was minted for. */
  readonly version: string;
}

export const IMAGE_PREFIX = '/img/';
const SIGNATURE_BYTES = 24;
// 24 bytes are exactly 32 base64url characters, so one signature has one spelling.
const SIGNATURE_TEXT = /^[\w-]{32}$/;

const forbidden = (message: string) => new AppError('FORBIDDEN', message);

// URLs remembered once minted: the same variants are asked for again and again.
const REMEMBERED_URLS = MEMORY_BOUNDS.mintedUrls;

/**
 * Mints and verifies signed URLs of the bytes route:
 * `/img/{path}/{size}/{fit}[/{position}]/{format}/q{n}[/enlarge][/{adjustment}...]?v={version}&s={signature}`, in the
 * route's grammar, always in this one canonical form, so the same question always gets the
 * same URL. The signature covers the path, every parameter and the source version.
 */
export function createUrlSigner(options: UrlSignerOptions) {
  const keys = [options.secret, ...(options.previousSecret ? [options.previousSecret] : [])].map((secret) => Buffer.from(secret, 'utf8'));
  const base = (options.publicUrl ?? '').replace(/\/+$/, '');

  const mac = (key: Buffer, path: readonly string[], params: readonly string[], version: string) =>
    createHmac('sha256', key)
      .update(`goimgserver-url-v1\n${path.join('/')}\n${params.join('/')}\n${version}`)
      .digest()
      .subarray(0, SIGNATURE_BYTES);

  const minted = createMemo<string>(REMEMBERED_URLS);

  /** The signed URL of `path` (checked segments) rendered with `spec`, for this source version. */
  function mint(path: readonly string[], spec: RequestedSpec, version: string): string {
    const params = canonicalParams(spec);
    return minted.remembered(`${path.join('/')}\n${params.join('/')}\n${version}`, () => {
      const signature = mac(keys[0] as Buffer, path, params, version).toString('base64url');
      const segments = [...path, ...params].map(encodeURIComponent).join('/');
      return `${base}${IMAGE_PREFIX}${segments}?v=${encodeURIComponent(version)}&s=${signature}`;
    });
  }

  /**
   * Checks a URL's decoded segments (after `/img/`) and its query against every key, in
   * constant time, before anything else looks at it. Throws FORBIDDEN when it does not verify.
   */
  function verify(segments: readonly string[], query: URLSearchParams): SignedRequest {
    const versions = query.getAll('v');
    const signatures = query.getAll('s');
    if (versions.length !== 1 || signatures.length !== 1) {
      throw forbidden('Expected one v and one s query parameter in a signed image URL.');
    }
    const version = versions[0] as string;
    const signature = signatures[0] as string;
    const given = Buffer.from(SIGNATURE_TEXT.test(signature) ? signature : '', 'base64url');

    // The canonical form ends in adjustment words after `q{n}` or `enlarge`, and has a
    // position (a word or a focal point) before the format only for a COVER crop: the split needs no lookup.
    let adjustments = 0;
    while (isAdjustmentWord(segments[segments.length - 1 - adjustments])) adjustments++;
    let paramCount = adjustments + (segments[segments.length - 1 - adjustments] === 'enlarge' ? 5 : 4);
    if (isCanonicalPosition(segments[segments.length - paramCount + 1])) paramCount++;
    const path = segments.slice(0, -paramCount);
    const params = segments.slice(-paramCount);
    const valid =
      path.length > 0 &&
      given.length === SIGNATURE_BYTES &&
      keys.some((key) => timingSafeEqual(mac(key, path, params, version), given));
    if (!valid) throw forbidden('The image URL signature is missing, malformed or does not match.');

    const spec = parseCanonicalParams(params, options.limits);
    if (!spec) throw new AppError('BAD_USER_INPUT', `Expected parameters within the server's current limits but received ${JSON.stringify(params.join('/'))}`);
    return { path, spec, version };
  }

  return { mint, verify };
}

export type UrlSigner = ReturnType<typeof createUrlSigner>;
