import { AppError } from '../errors';

export interface LimiterOptions {
  /** Tasks running at once. */
  concurrency: number;
  /** Tasks allowed to wait; one more is refused with OVERLOADED. */
  maxQueue: number;
  /**
   * Whether the process is busy serving: then only `busyConcurrency` slots take new tasks,
   * so that renders leave a core to the requests. Call `resume` when it ends.
   */
  busy?: () => boolean;
  /** Tasks running at once while `busy` says so. @default concurrency */
  busyConcurrency?: number;
  /** Called as each task starts and as it ends. */
  around?: () => void;
}

/** The answer when no render can wait any more. */
export function overloaded(): AppError {
  return new AppError('OVERLOADED', 'The server is busy rendering images; retry shortly.', { retryAfter: 1 });
}

/** Bounded concurrency with a bounded first-in, first-out queue. */
export function createLimiter(options: LimiterOptions) {
  let active = 0;
  const waiting: Array<() => void> = [];
  const busySlots = Math.min(options.concurrency, options.busyConcurrency ?? options.concurrency);
  const slots = () => (options.busy?.() ? busySlots : options.concurrency);

  /** Starts waiting tasks while slots are free. */
  function drain(): void {
    while (waiting.length > 0 && active < slots()) {
      active++;
      waiting.shift()!();
    }
  }

  /**
   * Runs `task` in a slot. `bounded: false` lets internal work (pre-cache) wait without
   * counting against the queue bound; `signal` takes a waiting task out of the queue (it
   * then rejects with the signal's reason), so work nobody wants keeps no place in it.
   */
  async function run<T>(task: () => Promise<T>, { bounded = true, signal }: { bounded?: boolean; signal?: AbortSignal } = {}): Promise<T> {
    if (active < slots()) {
      active++;
    } else {
      if (bounded && waiting.length >= options.maxQueue) {
        throw overloaded();
      }
      // `drain` counts the slot it hands over.
      await new Promise<void>((resolve, reject) => {
        const start = () => {
          signal?.removeEventListener('abort', leave);
          resolve();
        };
        const leave = () => {
          const at = waiting.indexOf(start);
          if (at !== -1) waiting.splice(at, 1);
          reject(signal?.reason);
        };
        waiting.push(start);
        signal?.addEventListener('abort', leave, { once: true });
      });
    }
    options.around?.();
    try {
      return await task();
    } finally {
      options.around?.();
      active--;
      drain();
    }
  }

  return {
    run,
    /** Whether a bounded task would be refused now. */
    full: () => active >= slots() && waiting.length >= options.maxQueue,
    /** Starts what waits for the slots a busy spell held back. */
    resume: drain,
    stats: () => ({ active, queued: waiting.length }),
  };
}

export type Limiter = ReturnType<typeof createLimiter>;
