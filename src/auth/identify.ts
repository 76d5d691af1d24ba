import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdminToken } from '../config/settings';

/** Who is asking: nobody in particular, an administrator, a known client app, or someone with a token we do not know. */
export type Caller =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'admin'; readonly name: string }
  | { readonly kind: 'client'; readonly name: string }
  | { readonly kind: 'unknown-token' };

const BEARER = /^Bearer(?:[ \t]+(.*))?$/i;
const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Tells callers apart from their `Authorization` header. Tokens are compared as SHA-256
 * digests in constant time, against every configured token, so neither the match nor its
 * position shows in the timing.
 */
export function createIdentifier(admins: readonly AdminToken[], clients: readonly AdminToken[] = []) {
  const known = [
    ...admins.map((admin) => ({ kind: 'admin' as const, name: admin.name, digest: digest(admin.token) })),
    ...clients.map((client) => ({ kind: 'client' as const, name: client.name, digest: digest(client.token) })),
  ];

  return function identify(authorization: string | undefined): Caller {
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1]?.trim();
    if (!token) return { kind: 'anonymous' };
    const given = digest(token);
    let found: (typeof known)[number] | undefined;
    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, given)) found ??= candidate;
    }
    return found === undefined ? { kind: 'unknown-token' } : { kind: found.kind, name: found.name };
  };
}

export type Identify = ReturnType<typeof createIdentifier>;
