/**
 * The error taxonomy: every failure a caller can see has a stable code, an HTTP status
 * and a public message that never contains a file-system path, tool output or a stack.
 * The detail stays in `cause`, for the log.
 */
export const ERROR_STATUS = {
  BAD_USER_INPUT: 400,
  // Apollo's refusals of a request it cannot read as an operation (and the route's 406 for an Accept header).
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NOT_A_GIT_REPOSITORY: 409,
  SYNC_DIVERGED: 409,
  UNSUPPORTED_IMAGE: 422,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
  SYNC_FAILED: 502,
  OVERLOADED: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorOptions {
  cause?: unknown;
  /** Seconds a client should wait before retrying (RATE_LIMITED, OVERLOADED). */
  retryAfter?: number;
  /** The image path a failure is about, when one item of a batch failed. */
  imagePath?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryAfter: number | undefined;
  readonly imagePath: string | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryAfter = options.retryAfter;
    this.imagePath = options.imagePath;
  }

  /** The same error, naming the image path it is about. */
  about(imagePath: string): AppError {
    return new AppError(this.code, this.message, { cause: this.cause, ...(this.retryAfter !== undefined ? { retryAfter: this.retryAfter } : {}), imagePath });
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const UNEXPECTED_MESSAGE = 'Unexpected error.';

/** Anything that is not already an AppError becomes an opaque INTERNAL_SERVER_ERROR. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('INTERNAL_SERVER_ERROR', UNEXPECTED_MESSAGE, { cause: error });
}

/** More paths than one batch (`images`, `responsiveImages`) may ask for. */
export function tooManyPaths(max: number, received: number): AppError {
  return badInput('paths', `at most ${max} paths`, `${received} paths`);
}

/** "Expected <what> for <name> but received <value>": one message shape for bad input. */
export function badInput(name: string, expected: string, received: unknown): AppError {
  return new AppError('BAD_USER_INPUT', `Expected ${expected} for ${name} but received ${describe(received)}`);
}

const SHOWN_CHARACTERS = 64;

/** The first 64 UTF-16 units of `text` and an ellipsis when it is longer, never half of a surrogate pair. */
function shortened(text: string): string {
  if (text.length <= SHOWN_CHARACTERS) return text;
  const last = text.charCodeAt(SHOWN_CHARACTERS - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? SHOWN_CHARACTERS - 1 : SHOWN_CHARACTERS;
  return `${text.slice(0, end)}…`;
}

/**
 * A value as a message shows it, at most about 64 characters of it: strings quoted, input
 * objects as JSON. GraphQL builds the objects written in a document without a prototype,
 * which `String()` cannot turn into text.
 */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(shortened(value));
  if (typeof value !== 'object' || value === null) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return shortened(text);
}

/** The error for a URL path whose percent-encoding cannot be decoded, by the router or the bytes route. */
export function malformedEncoding(cause?: unknown): AppError {
  return new AppError('BAD_USER_INPUT', 'Expected a correctly percent-encoded URL path', { cause });
}
