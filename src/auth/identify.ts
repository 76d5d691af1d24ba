import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdminToken } from '../config/settings';

/** Who is asking: nobody in particular, an administrator, or someone with a token we do not know. */
export type Caller = { readonly kind: 'anonymous' } | { readonly kind: 'admin'; readonly name: string } | { readonly kind: 'unknown-token' };

const BEARER = /^Bearer(?:[ \t]+(.*))?$/i;
const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Tells callers apart from their `Authorization` header. Tokens are compared as SHA-256
 * digests in constant time, against every configured token, so neither the match nor its
 * position shows in the timing.
 */
export function createIdentifier(admins: readonly AdminToken[]) {
  const known = admins.map((admin) => ({ name: admin.name, digest: digest(admin.token) }));

  return function identify(authorization: string | undefined): Caller {
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1]?.trim();
    if (!token) return { kind: 'anonymous' };
    const given = digest(token);
    let name: string | undefined;
    for (const admin of known) {
      if (timingSafeEqual(admin.digest, given)) name ??= admin.name;
    }
    return name === undefined ? { kind: 'unknown-token' } : { kind: 'admin', name };
  };
}

export type Identify = ReturnType<typeof createIdentifier>;
