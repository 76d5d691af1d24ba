import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './nginx';

// Debian's redis-server; .ci/run installs it.
export const REDIS_SERVER = '/usr/bin/redis-server';

export interface TestRedis {
  url: string;
  pid(): number;
  /** Stops it (SIGKILL: as if the machine were lost) and resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Runs one command as any client of this Redis could (`SET`, `PUBLISH`...), and answers its reply. */
  command(name: string, ...args: string[]): Promise<unknown>;
}

/** A real redis-server on a free loopback port, in memory only, with `options` (such as `--requirepass`); the test stops it (`kill`). */
export async function startRedis(options: readonly string[] = []): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess;

  async function start(): Promise<void> {
    child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', ...options], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    });
  }

  async function kill(): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async function command(name: string, ...args: string[]): Promise<unknown> {
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
    try {
      return await client.call(name, ...args);
    } finally {
      client.disconnect();
    }
  }

  await start();
  return { url: `redis://127.0.0.1:${port}`, pid: () => child.pid as number, kill, restart: start, command };
}
