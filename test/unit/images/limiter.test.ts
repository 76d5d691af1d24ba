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

  describe('while the process is busy serving', () => {
    /** Starts `count` tasks that wait for their gate; which have started, and their gates. */
    function startMany(limiter: ReturnType<typeof createLimiter>, count: number) {
      const gates = Array.from({ length: count }, deferred);
      const started: number[] = [];
      const runs = gates.map((gate, i) => limiter.run(async () => {
        started.push(i);
        await gate.promise;
      }));
      return { gates, started, runs };
    }
    const settle = () => new Promise((r) => setImmediate(r));

    it('starts only `busyConcurrency` tasks, and the rest once it is quiet and resumed', async () => {
      let busy = true;
      const limiter = createLimiter({ concurrency: 4, busyConcurrency: 1, maxQueue: 10, busy: () => busy });
      const { gates, started, runs } = startMany(limiter, 4);
      await settle();
      expect(started).toEqual([0]);
      expect(limiter.stats()).toEqual({ active: 1, queued: 3 });
      busy = false;
      limiter.resume();
      await settle();
      expect(started).toEqual([0, 1, 2, 3]);
      for (const gate of gates) gate.resolve();
      await Promise.all(runs);
      expect(limiter.stats()).toEqual({ active: 0, queued: 0 });
    });

    it('lets a task that ends while busy hand its slot on only within the busy bound', async () => {
      let busy = false;
      const limiter = createLimiter({ concurrency: 3, busyConcurrency: 1, maxQueue: 10, busy: () => busy });
      const { gates, started, runs } = startMany(limiter, 5);
      await settle();
      expect(started).toEqual([0, 1, 2]);
      busy = true;
      gates[0]!.resolve();
      gates[1]!.resolve();
      await settle();
      // One still runs, which is the busy bound: nothing more starts.
      expect(started).toEqual([0, 1, 2]);
      gates[2]!.resolve();
      await settle();
      expect(started).toEqual([0, 1, 2, 3]);
      gates[3]!.resolve();
      gates[4]!.resolve();
      await Promise.all(runs);
    });

    it('counts the busy bound when it says whether a request would be refused', async () => {
      let busy = true;
      const limiter = createLimiter({ concurrency: 2, busyConcurrency: 1, maxQueue: 1, busy: () => busy });
      const { gates, runs } = startMany(limiter, 2);
      await settle();
      expect(limiter.full()).toBe(true);
      await expect(limiter.run(async () => 'refused')).rejects.toMatchObject({ code: 'OVERLOADED' });
      busy = false;
      expect(limiter.full()).toBe(false);
      for (const gate of gates) gate.resolve();
      await Promise.all(runs);
    });

    it('never takes more slots than `concurrency`, whatever `busyConcurrency` says', async () => {
      const limiter = createLimiter({ concurrency: 1, busyConcurrency: 8, maxQueue: 10, busy: () => true });
      const { gates, started, runs } = startMany(limiter, 2);
      await settle();
      expect(started).toEqual([0]);
      for (const gate of gates) gate.resolve();
      await Promise.all(runs);
    });

    it('calls `around` as each task starts and ends, failed ones included', async () => {
      const calls: string[] = [];
      const limiter = createLimiter({ concurrency: 1, maxQueue: 1, around: () => calls.push(`around ${limiter.stats().active}`) });
      await limiter.run(async () => void calls.push('task'));
      await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(calls).toEqual(['around 1', 'task', 'around 1', 'around 1', 'around 1']);
    });
  });
});
