import { createEventLoopLoad } from '../../src/event-loop-load';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the event loop running callbacks for `ms`, in slices, as a server answering requests does. */
async function keepBusy(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const slice = performance.now() + 20;
    while (performance.now() < slice);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the event loop load', () => {
  it('is quiet while the loop waits, busy while callbacks run, and says when a busy spell ends', async () => {
    let idled = 0;
    const load = createEventLoopLoad(() => idled++);
    const quiet = async () => {
      for (let wait = 0; wait < 20 && load.busy(); wait++) await sleep(50);
      expect(load.busy()).toBe(false);
    };
    try {
      // Within a second of waiting: a test process that is still loading, or a loaded machine, may be busy at first.
      await sleep(250);
      await quiet();
      const idledBefore = idled;
      await keepBusy(350);
      expect(load.busy()).toBe(true);
      expect(idled).toBe(idledBefore);
      await quiet();
      expect(idled).toBe(idledBefore + 1);
    } finally {
      load.stop();
    }
  });
});
