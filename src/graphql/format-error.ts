import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AppError, UNEXPECTED_MESSAGE } from '../errors';
import type { Log } from '../log';

interface PublicError {
  code: string;
  message: string;
  retryAfter?: number | undefined;
  imagePath?: string | undefined;
  /** Not a failure the caller can act on: masked in the response, logged with its cause. */
  unexpected: boolean;
}

/**
 * What the caller may learn of an error: our AppErrors keep their code and safe message,
 * GraphQL's own coded errors (parse, validation, variable coercion) pass as they are, and
 * anything else is "Unexpected error." with the code INTERNAL_SERVER_ERROR.
 */
export function publicError(error: unknown): PublicError {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  if (original instanceof AppError) {
    return { code: original.code, message: original.message, retryAfter: original.retryAfter, imagePath: original.imagePath, unexpected: original.code === 'INTERNAL_SERVER_ERROR' };
  }
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  if (error instanceof GraphQLError && typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    return { code, message: error.message, unexpected: false };
  }
  const refusal = uncodedRefusal(error);
  if (refusal) return { ...refusal, unexpected: false };
  return { code: 'INTERNAL_SERVER_ERROR', message: UNEXPECTED_MESSAGE, unexpected: true };
}

/**
 * A request refused by GraphQL or Apollo themselves with no code of their own: Apollo's 4xx
 * answers without one (a persisted query's hash or version) are BAD_REQUEST, and graphql's
 * refusals of a field's arguments while executing (a null through a nullable variable for a
 * non-null argument) BAD_USER_INPUT, as Apollo's own variable errors are. Both are raised by
 * the libraries (the innermost error wraps nothing thrown), so no failure of a resolver is
 * ever taken for one.
 */
function uncodedRefusal(error: unknown): { code: string; message: string } | null {
  const inner = error instanceof GraphQLError && error.originalError instanceof GraphQLError ? error.originalError : error;
  if (!(inner instanceof GraphQLError) || inner.originalError) return null;
  const status = (inner.extensions.http as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return { code: 'BAD_REQUEST', message: inner.message };
  if (inner.message.startsWith('Argument "')) return { code: 'BAD_USER_INPUT', message: inner.message };
  return null;
}

// GraphQL's hints name fields, arguments, types and enum values: " Did you mean "WEBP"?".
const SUGGESTION = / Did you mean [^?]*\?$/;

/**
 * Apollo's `formatError`: the one place where errors become GraphQL responses. With
 * `hideSchema` (introspection off), messages lose GraphQL's "Did you mean …?" hints, which
 * Apollo's own option removes from validation errors but not from variable coercion.
 */
export const createFormatError = ({ hideSchema }: { hideSchema: boolean }) => (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
  const { code, message: full, retryAfter, imagePath } = publicError(error);
  const message = hideSchema ? full.replace(SUGGESTION, '') : full;
  return {
    message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code, ...(retryAfter !== undefined ? { retryAfter } : {}), ...(imagePath !== undefined ? { imagePath } : {}) },
  };
};

/** Logs an unexpected error with its cause under the request id; the response only says "Unexpected error.". */
export function logUnexpected(error: GraphQLError, log: Log): void {
  const original = error.originalError ?? error;
  log.error({ err: original instanceof AppError && original.cause ? original.cause : original, path: error.path }, 'graphql request failed');
}
