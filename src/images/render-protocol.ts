import { AppError, type ErrorCode } from '../errors';
import { SourceGoneError, type Transformer } from './transform';

/** The pixel work a render process does: everything but reading headers, which stays in the server. */
export type PooledWork = Pick<Transformer, 'render' | 'renderPreview' | 'findTrim' | 'dominantColour'>;
export type Operation = keyof PooledWork;
export const OPERATIONS: readonly Operation[] = ['render', 'renderPreview', 'findTrim', 'dominantColour'];

export interface RenderRequest {
  readonly id: number;
  readonly operation: Operation;
  readonly args: readonly unknown[];
}

/** A failure as it crosses the channel: the classes are rebuilt on the other side, so callers see the same errors as in one process. */
export type WireError =
  | { readonly kind: 'app'; readonly code: ErrorCode; readonly message: string; readonly retryAfter?: number }
  | { readonly kind: 'gone'; readonly message: string }
  | { readonly kind: 'other'; readonly message: string };

export type RenderReply =
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: WireError }
  /** A piece of a large output, in order: the answer is the `total` bytes once the pieces add up to them. */
  | { readonly id: number; readonly part: Uint8Array; readonly total: number };

/**
 * Outputs larger than this cross the channel in pieces of this size. The server's event loop
 * joins each message's pieces of the pipe and reads it in one go: a 60 MB PNG in one message
 * held it for 30–50 ms (up to 170 ms during a burst of them), a piece holds it for about 1 ms.
 */
export const PART_BYTES = 1024 * 1024;

/** The messages that answer request `id` with `value`: a large output in pieces, anything else whole. */
export function replyOf(id: number, value: unknown): RenderReply[] {
  if (!(value instanceof Uint8Array) || value.length <= PART_BYTES) return [{ id, value }];
  const parts: RenderReply[] = [];
  for (let at = 0; at < value.length; at += PART_BYTES) parts.push({ id, part: value.subarray(at, at + PART_BYTES), total: value.length });
  return parts;
}

export function toWire(error: unknown): WireError {
  if (error instanceof AppError) return { kind: 'app', code: error.code, message: error.message, ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}) };
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof SourceGoneError ? { kind: 'gone', message } : { kind: 'other', message };
}

export function fromWire(wire: WireError): Error {
  // The cause keeps what the render process said, for the log.
  const cause = new Error(`in a render process: ${wire.message}`);
  switch (wire.kind) {
    case 'app':
      return new AppError(wire.code, wire.message, { cause, ...(wire.retryAfter !== undefined ? { retryAfter: wire.retryAfter } : {}) });
    case 'gone':
      return new SourceGoneError(cause);
    case 'other':
      return cause;
  }
}
