import { existsSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { makeSource, writeFile } from '../helpers/images';
import { fetchBody, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

// Two servers in one process stand for two replicas mounting one volume at --cachedir.
const root = tempDir();
const imagesDir = path.join(root, 'images');
const cacheDir = path.join(root, 'shared-cache');
const flags = ['--imagesdir', imagesDir, '--cachedir', cacheDir, '--cache-store', 'shared', '--allow-unsigned', '--memory-cache-size', '0'];
const incoming = path.join(cacheDir, '.incoming');
let a: TestServer;
let b: TestServer;
let othersWrite: string;

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 1200, height: 900 });
  // A write another replica has under way, and one a replica that crashed left two hours ago.
  othersWrite = writeFile(incoming, 'host-z-999/.00000000000000000000000000000001.webp.host-z-999.0a1b2c.tmp', 'half a write');
  const crashed = writeFile(incoming, 'host-y-888/.00000000000000000000000000000002.webp.host-y-888.3d4e5f.tmp', 'left by a crash');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
  await fs.utimes(crashed, twoHoursAgo, twoHoursAgo);
  // Its stage too: nothing was added to it or taken from it since.
  await fs.utimes(path.dirname(crashed), twoHoursAgo, twoHoursAgo);
  a = await startServer(flags);
  b = await startServer(flags);
  await a.logged('cache store ready');
  await b.logged('cache store ready');
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const processed = (server: TestServer) => server.app.service.stats().imagesProcessed;

describe('--cache-store shared: one cache folder for every replica', () => {
  it('serves a derivative rendered by one replica as a HIT on the other, read from the shared folder', async () => {
    const miss = await fetchBody(`${a.url}/img/photo/320/jpeg`);
    expect(miss.headers.get('x-cache-status')).toBe('MISS');
    const before = processed(b);
    const hit = await fetchBody(`${b.url}/img/photo/320/jpeg`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-cache-status')).toBe('HIT');
    expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'));
    expect(hit.body.equals(miss.body)).toBe(true);
    expect(processed(b)).toBe(before);
  });

  it("deletes no other replica's write in flight at start-up, only the temporary files (and stage) a crash left over an hour ago", () => {
    expect(existsSync(othersWrite)).toBe(true);
    expect(readdirSync(incoming).sort()).toEqual(expect.not.arrayContaining(['host-y-888']));
    const removed = [a, b].map((server) => Number(server.logs.find((line) => line.msg === 'cache store ready')?.removedTemporary));
    expect(removed.reduce((sum, n) => sum + n, 0)).toBe(1);
  });

  it('stages writes in a folder of their own replica, named by host and process id', () => {
    expect(readdirSync(incoming)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`-${process.pid}$`))]));
  });

  it('says in /health what its counts mean: what this replica wrote, not what the folder holds', async () => {
    const health = (await fetchBody(`${b.url}/health`)).json();
    expect(health.cache).toMatchObject({ store: 'shared', files: 0, bytes: 0 });
    const written = (await fetchBody(`${a.url}/health`)).json();
    expect(written.cache).toMatchObject({ store: 'shared', files: 1 });
    expect(written.cache.bytes).toBeGreaterThan(0);
  });

  it('refuses --cache-max-size, which a store no replica walks cannot keep, in one line naming the settings', async () => {
    await expect(startServer([...flags, '--cache-max-size', '1g'])).rejects.toThrow(
      /--cache-max-size bounds only --cache-store local.*set --cache-max-size 0/,
    );
  });
});
