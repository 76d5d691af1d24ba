import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { AppError } from '../errors';
import { fromWire, type Operation, type PooledWork, type RenderReply, type RenderRequest } from './render-protocol';
import type { TransformLimits } from './transform';

export interface RenderPoolOptions {
  /** Render processes at most; each is started when the ones running are all at work. */
  processes: number;
  /** Renders one process runs at once (the limiter's slots shared out): sizes its libuv pool. */
  rendersPerProcess: number;
  /** Niceness of the render processes (0–19, never above the server's own). */
  nice: number;
  limits: TransformLimits;
  /** Node options of the render processes. @default [] */
  execArgv?: readonly string[];
  /** Told when a render process ends while the server still runs. */
  onExit?(ended: { pid: number | undefined; code: number | null; signal: NodeJS.Signals | null; pending: number }): void;
}

/** Besides the renders, libuv's pool in a render process reads the source files. */
const FILE_THREADS = 2;
/** Past the render timeout, a process that has not answered is stuck in native code and is killed. */
const STUCK_GRACE_MS = 5000;
/** A stopping render process is killed if it has not ended within this. */
const EXIT_GRACE_MS = 2000;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  /** A large output arriving in pieces (see PART_BYTES), and how much of it has come. */
  received?: { bytes: Buffer; length: number };
}

interface Worker {
  readonly child: ChildProcess;
  readonly pending: Map<number, Pending>;
  readonly exited: Promise<void>;
}

/**
 * Runs the pixel work in separate processes at a lower priority. Renders are allocation-heavy
 * native work: in the server's process they slow the event loop through its memory map even
 * at low thread priority; in their own processes the server's hits keep their pace during a
 * burst of misses. Sources are read by the render process; only the output crosses the
 * channel. A process that dies fails what it was doing with OVERLOADED (retry shortly) and
 * is replaced on the next render.
 */
export function createRenderPool(options: RenderPoolOptions): PooledWork & { close(): Promise<void>; pids(): number[] } {
  const entry = path.join(__dirname, `render-child${path.extname(__filename)}`);
  const workers = new Set<Worker>();
  let nextId = 0;
  let closing = false;

  function start(): Worker {
    const args = [String(options.nice), String(options.rendersPerProcess + FILE_THREADS), JSON.stringify(options.limits)];
    const child = fork(entry, args, { execArgv: [...(options.execArgv ?? [])], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const pending = new Map<number, Pending>();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const worker: Worker = { child, pending, exited };
    child.on('message', (reply: RenderReply) => {
      const task = pending.get(reply.id);
      if (!task) return;
      if ('part' in reply) {
        // Each piece is copied into place as it comes: the whole output is never joined in one go.
        const received = (task.received ??= { bytes: Buffer.allocUnsafe(reply.total), length: 0 });
        received.bytes.set(reply.part, received.length);
        received.length += reply.part.length;
        if (received.length < reply.total) return;
        settle(worker, reply.id);
        task.resolve(received.bytes);
        return;
      }
      settle(worker, reply.id);
      if ('error' in reply) task.reject(fromWire(reply.error));
      else task.resolve(reply.value);
    });
    child.once('exit', (code, signal) => {
      workers.delete(worker);
      if (!closing) options.onExit?.({ pid: child.pid, code, signal, pending: pending.size });
      for (const [id, task] of pending) {
        settle(worker, id);
        task.reject(new AppError('OVERLOADED', 'A render process stopped while rendering; retry shortly.', { retryAfter: 1, cause: new Error(`render process ended (${signal ?? code})`) }));
      }
    });
    // A failed start or send ends in 'exit' too, which fails what waits.
    child.on('error', () => {});
    workers.add(worker);
    idle(worker);
    return worker;
  }

  /** An idle render process does not keep the server alive. */
  function idle(worker: Worker): void {
    worker.child.unref();
    worker.child.channel?.unref();
  }

  function settle(worker: Worker, id: number): void {
    clearTimeout(worker.pending.get(id)?.timer);
    worker.pending.delete(id);
    if (worker.pending.size === 0) idle(worker);
  }

  /** The least busy process, or a new one while every one is at work and there is room for more. */
  function pick(): Worker {
    let best: Worker | undefined;
    for (const worker of workers) if (!best || worker.pending.size < best.pending.size) best = worker;
    return best && (best.pending.size === 0 || workers.size >= options.processes) ? best : start();
  }

  function call(operation: Operation, args: readonly unknown[]): Promise<never> {
    if (closing) return Promise.reject(new AppError('OVERLOADED', 'The server is stopping.', { retryAfter: 1 }));
    const worker = pick();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        settle(worker, id);
        reject(new AppError('UNSUPPORTED_IMAGE', `The source took longer than ${options.limits.timeoutSeconds} s to process.`));
        // Whatever else it was doing fails with it: a stuck process cannot be trusted to finish.
        worker.child.kill('SIGKILL');
      }, options.limits.timeoutSeconds * 1000 + STUCK_GRACE_MS);
      worker.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      worker.child.ref();
      worker.child.channel?.ref();
      const request: RenderRequest = { id, operation, args };
      worker.child.send(request);
    });
  }

  return {
    render: (...args) => call('render', args),
    renderPreview: (...args) => call('renderPreview', args),
    findTrim: (...args) => call('findTrim', args),
    dominantColour: (...args) => call('dominantColour', args),
    pids: () => [...workers].flatMap((worker) => (worker.child.pid === undefined ? [] : [worker.child.pid])),
    /** Ends every render process (after the renders in flight, which the server waits for first). */
    async close() {
      closing = true;
      await Promise.all(
        [...workers].map(async (worker) => {
          if (worker.child.connected) worker.child.disconnect();
          const killer = setTimeout(() => worker.child.kill('SIGKILL'), EXIT_GRACE_MS);
          await worker.exited;
          clearTimeout(killer);
        }),
      );
    },
  };
}
