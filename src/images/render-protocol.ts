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

export type RenderReply = { readonly id: number; readonly value: unknown } | { readonly id: number; readonly error: WireError };

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
