import { chmodSync, existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { freePort, SHIPPED_CACHE, startNginx } from '../helpers/nginx';
import { startRedis, type TestRedis } from '../helpers/redis';
import { fetchBody, MAIN, spawnServer, type SpawnedServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';
import { within } from '../helpers/wait';

const root = tempDir();
// nginx's workers drop to an unprivileged user when started as root: they must reach their cache.
chmodSync(root, 0o755);
const imagesDir = path.join(root, 'images');
const shared = path.join(root, 'shared-cache');
const SOURCES = 8;

let redis: TestRedis;
const servers: SpawnedServer[] = [];

async function replica(redisUrl = redis.url, cacheDir = shared): Promise<SpawnedServer> {
  const env = { GOIMGSERVER_SIGNING_SECRET: 'replicas-test-secret-0123456789abcdef', GOIMGSERVER_REDIS_URL: redisUrl };
  const server = await spawnServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--cache-store', 'shared', '--precache', 'true', '--allow-unsigned'], env, root);
  servers.push(server);
  return server;
}

/** Waits until both replicas say they are ready: their pre-cache has ended. */
const bothReady = (a: SpawnedServer, b: SpawnedServer) =>
  within(30_000, async () => (await fetchBody(`${a.address}/ready`)).status === 200 && (await fetchBody(`${b.address}/ready`)).status === 200, 100);

async function health(server: SpawnedServer) {
  return (await fetchBody(`${server.address}/health`)).json() as { imagesProcessed: number; precache: { state: string; generated: number; skipped: number } };
}

beforeAll(async () => {
  expect(existsSync(MAIN)).toBe(true);
  for (let index = 0; index < SOURCES; index++) await makeSource(imagesDir, `photo-${index}.jpg`, { width: 900, height: 600, colour: { r: 30 * index, g: 100, b: 150 } });
  redis = await startRedis();
}, 30_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await redis?.kill();
});

describe('a derivative store shared by replicas over Redis', () => {
  // The two replicas of the first case, which the nginx case puts behind deploy/nginx-replicas.conf.
  let pair: SpawnedServer[] = [];

  it('is pre-cached one replica at a time, so each source is rendered once in all', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    pair = [a, b];
    await bothReady(a, b);
    const [ha, hb] = [await health(a), await health(b)];
    expect(ha.imagesProcessed + hb.imagesProcessed).toBe(SOURCES);
    expect([ha.precache.generated + hb.precache.generated, ha.precache.skipped + hb.precache.skipped]).toEqual([SOURCES, SOURCES]);
    // What one rendered, the other serves from the shared store.
    const served = await fetchBody(`${b.address}/img/photo-0/300/webp`);
    const again = await fetchBody(`${a.address}/img/photo-0/300/webp`);
    expect([served.headers.get('x-cache-status'), again.headers.get('x-cache-status')]).toEqual(['MISS', 'HIT']);
  }, 40_000);

  it('waits for a Redis that is slow to answer at start-up before pre-caching alone, so each source is still rendered once', async () => {
    // A Redis farther away than the loopback: each connection is passed on only after 700 ms.
    const sockets = new Set<net.Socket>();
    const port = Number(new URL(redis.url).port);
    const proxy = net.createServer((client) => {
      sockets.add(client);
      setTimeout(() => {
        const upstream = net.connect(port, '127.0.0.1');
        sockets.add(upstream);
        client.pipe(upstream).pipe(client);
        const end = () => (client.destroy(), upstream.destroy());
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      }, 700);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `redis://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/1`;
      const cacheDir = path.join(root, 'slow-redis-cache');
      const [a, b] = await Promise.all([replica(url, cacheDir), replica(url, cacheDir)]);
      await bothReady(a, b);
      const [ha, hb] = [await health(a), await health(b)];
      expect(ha.imagesProcessed + hb.imagesProcessed).toBe(SOURCES);
      await Promise.all([a.stop(), b.stop()]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  }, 40_000);

  it('renders 20 identical cold requests through nginx in front of both replicas once in all', async () => {
    expect(pair).toHaveLength(2);
    const port = await freePort();
    const prefix = path.join(root, 'nginx');
    const nginx = await startNginx(prefix, 'nginx-replicas.conf', port, {
      'nginx-replicas.conf': [['listen 80;', `listen 127.0.0.1:${port};`]],
      'snippets/goimgserver-replicas.conf': [
        ['server 127.0.0.1:9001 ', `server ${new URL(pair[0]!.address).host} `],
        ['server 127.0.0.1:9002 ', `server ${new URL(pair[1]!.address).host} `],
      ],
      'snippets/goimgserver-http.conf': [[`proxy_cache_path ${SHIPPED_CACHE} `, `proxy_cache_path ${path.join(prefix, 'cache')} `]],
    });
    try {
      const rendered = async () => (await Promise.all(pair.map(health))).reduce((sum, seen) => sum + seen.imagesProcessed, 0);
      const before = await rendered();
      const answers = await Promise.all(Array.from({ length: 20 }, () => fetchBody(`${nginx.base}/img/photo-3/333/webp`)));
      expect(answers.map((answer) => answer.status)).toEqual(new Array(20).fill(200));
      expect(answers.filter((answer) => answer.headers.get('x-proxy-cache') === 'MISS')).toHaveLength(1);
      expect((await rendered()) - before).toBe(1);
    } finally {
      await nginx.stop();
    }
  });
});
