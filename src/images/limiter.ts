import { AppError } from '../errors';

export interface LimiterOptions {
  /** Tasks running at once. */
  concurrency: number;
  /** Tasks allowed to wait; one more is refused with OVERLOADED. */
  maxQueue: number;
}

/** The answer when no render can wait any more. */
export function overloaded(): AppError {
  return new AppError('OVERLOADED', 'The server is busy rendering images; retry shortly.', { retryAfter: 1 });
}

/** Bounded concurrency with a bounded first-in, first-out queue. */
export function createLimiter(options: LimiterOptions) {
  let active = 0;
  const waiting: Array<() => void> = [];

  /**
   * Runs `task` in a slot. `bounded: false` lets internal work (pre-cache) wait without
   * counting against the queue bound; `signal` takes a waiting task out of the queue (it
   * then rejects with the signal's reason), so work nobody wants keeps no place in it.
   */
  async function run<T>(task: () => Promise<T>, { bounded = true, signal }: { bounded?: boolean; signal?: AbortSignal } = {}): Promise<T> {
    if (active < options.concurrency) {
      active++;
    } else {
      if (bounded && waiting.length >= options.maxQueue) {
        throw overloaded();
      }
      // The finishing task hands its slot over, so `active` stays as it is.
      await new Promise<void>((resolve, reject) => {
        const handOver = () => {
          signal?.removeEventListener('abort', leave);
          resolve();
        };
        const leave = () => {
          const at = waiting.indexOf(handOver);
          if (at !== -1) waiting.splice(at, 1);
          reject(signal?.reason);
        };
        waiting.push(handOver);
        signal?.addEventListener('abort', leave, { once: true });
      });
    }
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  }

  return {
    run,
    /** Whether a bounded task would be refused now. */
    full: () => active >= options.concurrency && waiting.length >= options.maxQueue,
    stats: () => ({ active, queued: waiting.length }),
  };
}

export type Limiter = ReturnType<typeof createLimiter>;
