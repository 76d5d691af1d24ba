import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Log } from './log';

/** Where Linux lists the threads of this process, one folder per thread id. */
const TASKS = '/proc/self/task';

function listThreads(): string[] | Error {
  try {
    return readdirSync(TASKS);
  } catch (error) {
    return error as Error;
  }
}

/**
 * The threads Node starts with, listed as this module loads, before anything has started
 * libuv's pool (main.ts loads it before the app, which loads sharp, which starts the pool):
 * the event loop's and V8's helpers. The event loop waits for V8's helpers
 * during a garbage collection, so they keep its priority.
 */
const STARTED_WITH = listThreads();

/**
 * Lowers the threads started after start-up to niceness `configured` (0–19; 0 leaves them as
 * they are; never above the server's own):
 * libuv's pool, which runs the renders, and the libvips workers its threads start, which
 * inherit their priority. Under a burst of misses, renders then take what the event loop
 * leaves, so hits keep being answered. The pool starts lazily, so the returned function is
 * called around each render; it looks only at threads it has not seen.
 * Where threads cannot be listed (not Linux), it says so once and does nothing.
 */
export function createThreadPriority(configured: number, log: Log): () => void {
  if (configured === 0) return () => {};
  // Never above the event loop's own: a server started at niceness 15 renders at 15 or below.
  const nice = Math.max(configured, getPriority());
  if (STARTED_WITH instanceof Error) {
    log.warn({ err: STARTED_WITH, nice }, 'threads cannot be listed here; renders keep the priority of the event loop (--render-priority)');
    return () => {};
  }
  const own = new Set(STARTED_WITH);
  const seen = new Set<string>();
  const lower = () => {
    const threads = listThreads();
    if (threads instanceof Error) return;
    for (const thread of threads) {
      if (own.has(thread) || seen.has(thread)) continue;
      seen.add(thread);
      try {
        setPriority(Number(thread), nice);
      } catch {
        // The thread ended between the listing and now.
      }
    }
    // An ended thread frees its id: forgetting it lets a new thread with the same id be lowered.
    if (seen.size + own.size > threads.length) {
      const present = new Set(threads);
      for (const thread of seen) if (!present.has(thread)) seen.delete(thread);
    }
  };
  // The pool is running by now (loading sharp starts it): lowered before the first render, its threads start libvips' workers at their priority.
  lower();
  return lower;
}

/**
 * Lowers every thread of this process to niceness `configured` (never above its own): for a
 * render process, which serves no requests, called before it starts any thread of its own.
 */
export function lowerEveryThread(configured: number): void {
  const nice = Math.max(configured, getPriority());
  const threads = listThreads();
  if (threads instanceof Error) {
    // Elsewhere than Linux a process has one priority for all its threads.
    setPriority(nice);
    return;
  }
  for (const thread of threads) setPriority(Number(thread), nice);
}
