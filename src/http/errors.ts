import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, toAppError } from '../errors';
import type { RequestSummary } from '../graphql/request-summary';
import { COMMON_HEADERS } from './request-ids';

declare module 'fastify' {
  interface FastifyRequest {
    /** The error code a request was answered with, for its log line. */
    errorCode: string | undefined;
    /** performance.now() when the request arrived, for the line of a request whose client left. */
    startedAt: number;
    /** A GraphQL request's operation, root fields and error codes, for its log line. */
    graphql: RequestSummary | undefined;
  }
}

/** Fastify's own 4xx errors (body too large, say) keep their status and safe message. */
function fromTransport(error: unknown): { appError: AppError; status: number } {
  const status = (error as { statusCode?: unknown }).statusCode;
  if (!(error instanceof AppError) && typeof status === 'number' && status >= 400 && status < 500) {
    return { appError: new AppError('BAD_USER_INPUT', (error as Error).message, { cause: error }), status };
  }
  const appError = toAppError(error);
  return { appError, status: appError.status };
}

/**
 * The one place where errors become HTTP responses: `{ code, message }` JSON with the
 * taxonomy's status. Unexpected errors are logged with their cause under the request id
 * and answered with nothing but "Unexpected error.".
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { appError, status } = fromTransport(error);
  request.errorCode = appError.code;
  // Expected refusals (503 OVERLOADED, 502 SYNC_FAILED) are in the request line's code; only the unexpected needs its cause logged.
  if (appError.code === 'INTERNAL_SERVER_ERROR') request.log.error({ err: appError.cause ?? appError, code: appError.code }, 'request failed');
  if (appError.retryAfter !== undefined) reply.header('Retry-After', String(appError.retryAfter));
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({ code: appError.code, message: appError.message });
}

// The common headers as raw lines: answers to the socket are written by hand.
const COMMON_HEADER_LINES = Object.entries(COMMON_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/**
 * Answers a request Node's HTTP parser refused before any route saw it (raw bytes outside
 * ASCII in the URL, malformed headers, headers too large or too slow), in the same
 * `{ code, message }` shape and with the same common headers, then closes the connection
 * once the answer is out.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Expected the request headers within --headers-timeout']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Expected request headers of at most 16 KiB']
        : [400, 'Expected a well-formed HTTP request (characters outside ASCII in a URL are percent-encoded)'];
  const body = JSON.stringify({ code: 'BAD_USER_INPUT', message });
  // Closed once the answer is flushed, whether or not the client ends its side.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${COMMON_HEADER_LINES}Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
