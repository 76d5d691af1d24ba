import { AppError } from '../../../src/errors';
import { createLimiter } from '../../../src/images/limiter';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the processing limiter', () => {
  it('runs at most `concurrency` tasks and queues the rest in order', async () => {
    const limiter = createLimiter({ concurrency: 2, maxQueue: 10 });
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) => limiter.run(async () => {
      started.push(i);
      await gate.promise;
      return i;
    }));
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(limiter.stats()).toEqual({ active: 2, queued: 1 });
    gates[0]?.resolve();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    gates[1]?.resolve();
    gates[2]?.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(limiter.stats()).toEqual({ active: 0, queued: 0 });
  });

  it('refuses with OVERLOADED and a retry delay when the queue is full, but not unbounded work', async () => {
    const limiter = createLimiter({ concurrency: 1, maxQueue: 1 });
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const queued = limiter.run(async () => 'queued');
    const refused = limiter.run(async () => 'refused');
    await expect(refused).rejects.toMatchObject({ code: 'OVERLOADED', retryAfter: 1 });
    await expect(refused).rejects.toBeInstanceOf(AppError);
    const internal = limiter.run(async () => 'internal', { bounded: false });
    gate.resolve();
    await first;
    expect(await queued).toBe('queued');
    expect(await internal).toBe('internal');
  });

  it('frees the slot when a task fails', async () => {
    const limiter = createLimiter({ concurrency: 1, maxQueue: 0 });
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
  });
});
