import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, toAppError, type ErrorCode } from '../errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The error code a request was answered with, for its log line. */
    errorCode: ErrorCode | undefined;
  }
}

/** Fastify's own 4xx errors (bad URL, body too large) keep their status and safe message. */
function fromTransport(error: unknown): AppError {
  const status = (error as { statusCode?: number }).statusCode;
  if (!(error instanceof AppError) && typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('BAD_USER_INPUT', (error as Error).message, { cause: error });
  }
  return toAppError(error);
}

/**
 * The one place where errors become HTTP responses: `{ code, message }` JSON with the
 * taxonomy's status. Unexpected errors are logged with their cause under the request id
 * and answered with nothing but "Unexpected error.".
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = fromTransport(error);
  const transportStatus = (error as { statusCode?: number }).statusCode;
  const status = appError.code === 'BAD_USER_INPUT' && transportStatus && transportStatus >= 400 && transportStatus < 500 ? transportStatus : appError.status;
  request.errorCode = appError.code;
  if (status >= 500) request.log.error({ err: appError.cause ?? appError, code: appError.code }, 'request failed');
  if (appError.retryAfter !== undefined) reply.header('Retry-After', String(appError.retryAfter));
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({ code: appError.code, message: appError.message });
}
