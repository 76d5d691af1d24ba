import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createThreadPriority } from '../../src/thread-priority';

const threads = () => new Set(readdirSync('/proc/self/task'));
const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

describe('the priority of the threads that render', () => {
  it('lowers the threads started after start-up and leaves the event loop and the threads Node started with', async () => {
    const before = threads();
    const priorities = new Map([...before].map((thread) => [thread, getPriority(Number(thread))]));
    const lower = createThreadPriority(15, log);
    // A worker starts threads of its own, as libuv's pool and libvips do once renders begin.
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((resolve) => worker.once('online', resolve));
    try {
      lower();
      const started = [...threads()].filter((thread) => !before.has(thread));
      expect(started.length).toBeGreaterThan(0);
      for (const thread of started) expect(getPriority(Number(thread))).toBe(15);
      for (const [thread, priority] of priorities) if (threads().has(thread)) expect(getPriority(Number(thread))).toBe(priority);
      expect(getPriority(process.pid)).toBe(priorities.get(String(process.pid)));
    } finally {
      await worker.terminate();
    }
  });

  it('leaves every thread alone at 0', async () => {
    const before = threads();
    const lower = createThreadPriority(0, log);
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((resolve) => worker.once('online', resolve));
    try {
      lower();
      const started = [...threads()].filter((thread) => !before.has(thread));
      expect(started.length).toBeGreaterThan(0);
      for (const thread of started) expect(getPriority(Number(thread))).toBe(getPriority(process.pid));
    } finally {
      await worker.terminate();
    }
  });
});
