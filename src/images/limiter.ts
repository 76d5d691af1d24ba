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

  /** `bounded: false` lets internal work (pre-cache) wait without counting against the queue bound. */
  async function run<T>(task: () => Promise<T>, { bounded = true } = {}): Promise<T> {
    if (active < options.concurrency) {
      active++;
    } else {
      if (bounded && waiting.length >= options.maxQueue) {
        throw overloaded();
      }
      // The finishing task hands its slot over, so `active` stays as it is.
      await new Promise<void>((resolve) => waiting.push(resolve));
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
