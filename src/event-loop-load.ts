import { performance } from 'node:perf_hooks';

/** How often the event loop's utilisation is read, in milliseconds. */
const SAMPLE_MS = 100;
/** Busier than this share of the last sample, the event loop is serving requests at a rate that renders would slow. */
const BUSY_SHARE = 0.5;

/**
 * Whether the event loop was busy over the last tenth of a second: the time it spent
 * running callbacks against the time it waited for events, as Node measures it. `onIdle` is
 * called when a busy spell ends. Its timer never keeps the process alive.
 */
export function createEventLoopLoad(onIdle: () => void = () => {}) {
  let busy = false;
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const was = busy;
    busy = performance.eventLoopUtilization(now, last).utilization > BUSY_SHARE;
    last = now;
    if (was && !busy) onIdle();
  }, SAMPLE_MS);
  timer.unref();
  return {
    busy: (): boolean => busy,
    stop: (): void => clearInterval(timer),
  };
}

export type EventLoopLoad = ReturnType<typeof createEventLoopLoad>;
