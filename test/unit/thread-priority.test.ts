import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createThreadPriority } from '../../src/thread-priority';

const threads = () => new Set(readdirSync('/proc/self/task'));
const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

/**
 * Creates the lowering at niceness `nice`, then starts a worker, whose threads appear as
 * libuv's pool and libvips' workers do once renders begin, and lowers: the threads that
 * started meanwhile, and the priorities every thread had before.
 */
async function lowerAroundNewThreads(nice: number, check: (started: string[], before: Map<string, number>) => void): Promise<void> {
  const before = new Map([...threads()].map((thread) => [thread, getPriority(Number(thread))]));
  const lower = createThreadPriority(nice, log);
  const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
  await new Promise((resolve) => worker.once('online', resolve));
  try {
    lower();
    const started = [...threads()].filter((thread) => !before.has(thread));
    expect(started.length).toBeGreaterThan(0);
    check(started, before);
  } finally {
    await worker.terminate();
  }
}

describe('the priority of the threads that render', () => {
  it('lowers the threads started after start-up and leaves the event loop and the threads Node started with', async () => {
    await lowerAroundNewThreads(15, (started, before) => {
      for (const thread of started) expect(getPriority(Number(thread))).toBe(15);
      for (const [thread, priority] of before) if (threads().has(thread)) expect(getPriority(Number(thread))).toBe(priority);
      expect(getPriority(process.pid)).toBe(before.get(String(process.pid)));
    });
  });

  it('leaves every thread alone at 0', async () => {
    await lowerAroundNewThreads(0, (started) => {
      for (const thread of started) expect(getPriority(Number(thread))).toBe(getPriority(process.pid));
    });
  });
});
