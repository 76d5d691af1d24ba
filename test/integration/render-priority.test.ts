import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { fetchBody, MAIN, spawnServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');

beforeAll(async () => {
  expect(existsSync(MAIN)).toBe(true);
  await makeSource(imagesDir, 'photo.jpg', { width: 2400, height: 1600 });
});

/** Each thread of a process: its name and niceness, as Linux reports them. */
function threadsOf(pid: number): Array<{ tid: number; name: string; nice: number }> {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after the name in parentheses: state is the 3rd field, niceness the 19th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [{ tid: Number(tid), name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(), nice: Number(fields[16]) }];
    } catch {
      return [];
    }
  });
}

/** The processes a process started (pgrep exits 1 when there are none). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function renderedWith(args: string[], cacheName: string) {
  const server = await spawnServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, cacheName), '--precache', 'false', '--allow-unsigned', ...args], {}, root);
  try {
    const beforeRendering = threadsOf(server.pid);
    const miss = await fetchBody(`${server.address}/img/photo/600/webp`);
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-cache-status')).toBe('MISS');
    const children = childrenOf(server.pid);
    return { pid: server.pid, beforeRendering, threads: threadsOf(server.pid), children: children.map((child) => threadsOf(child)) };
  } finally {
    expect(await server.stop()).toBe(0);
  }
}

const linux = process.platform === 'linux';
// The server starts at the priority of whoever runs the tests.
const base = getPriority();

(linux ? describe : describe.skip)('the priority of renders in the real server (Linux: threads are listed in /proc)', () => {
  it('renders in a process whose every thread runs at --render-priority, the server keeping the priority it started with', async () => {
    const { threads, children } = await renderedWith(['--render-priority', '19'], 'cache-pool');
    expect(children).toHaveLength(1);
    const renderer = children[0] ?? [];
    expect(renderer.some((thread) => thread.name.startsWith('libvips'))).toBe(true);
    expect(renderer.map((thread) => thread.nice)).toEqual(renderer.map(() => 19));
    expect(threads.map((thread) => thread.nice)).toEqual(threads.map(() => base));
  });

  it('with --render-processes 0, runs the libvips workers at --render-priority and the event loop at the priority it started with', async () => {
    const { pid, beforeRendering, threads, children } = await renderedWith(['--render-processes', '0', '--render-priority', '19'], 'cache-19');
    expect(children).toEqual([]);
    // libuv's pool is lowered before the first render, so the libvips workers its threads start inherit the priority.
    expect(beforeRendering.filter((thread) => thread.nice === 19).length).toBeGreaterThanOrEqual(4);
    const own = threads.find((thread) => thread.tid === pid);
    expect(own?.nice).toBe(base);
    const workers = threads.filter((thread) => thread.name.startsWith('libvips'));
    expect(workers.length).toBeGreaterThan(0);
    expect(workers.map((worker) => worker.nice)).toEqual(workers.map(() => 19));
    // V8's helpers, which the event loop waits for during garbage collection, keep its priority.
    expect(threads.filter((thread) => thread.nice === base).length).toBeGreaterThan(1);
  });

  it('leaves every thread at the server priority with --render-processes 0 and --render-priority 0', async () => {
    const { threads } = await renderedWith(['--render-processes', '0', '--render-priority', '0'], 'cache-0');
    expect(threads.some((thread) => thread.name.startsWith('libvips'))).toBe(true);
    expect(threads.map((thread) => thread.nice)).toEqual(threads.map(() => base));
  });
});
