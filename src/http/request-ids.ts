import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Headers every response carries, whichever path answers it. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * Request ids unique in this process and, by their random prefix, across processes. A counter
 * rather than a random UUID per request saves about a twentieth of a request answered from memory.
 */
export function createRequestIds(): () => string {
  const prefix = randomBytes(4).toString('hex');
  let issued = 0;
  return () => `${prefix}-${(++issued).toString(36)}`;
}

/** The request id: the client's X-Request-Id when it is sane, otherwise a new one. */
export function requestIdOf(request: IncomingMessage, generate: () => string): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : generate();
}
