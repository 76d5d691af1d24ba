import { existsSync } from 'node:fs';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { startRedis, REDIS_SERVER, type TestRedis } from '../helpers/redis';
import { fetchBody, graphql, MAIN, spawnServer, type SpawnedServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';
import { within } from '../helpers/wait';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const ADMIN = 'ops:admin-token-0123456789';
const APPS = ['sequential', 'concurrent', 'offline', 'restored'].map((name) => `${name}:${name}-token-0123456789`);
const bearer = (token: string) => ({ authorization: `Bearer ${token.slice(token.indexOf(':') + 1)}` });

let redis: TestRedis;
let a: SpawnedServer;
let b: SpawnedServer;

async function replica(name: string): Promise<SpawnedServer> {
  const env = {
    GOIMGSERVER_SIGNING_SECRET: 'replicas-test-secret-0123456789abcdef',
    GOIMGSERVER_ADMIN_TOKENS: ADMIN,
    GOIMGSERVER_CLIENT_TOKENS: APPS.join(','),
    GOIMGSERVER_REDIS_URL: redis.url,
  };
  const flags = ['--imagesdir', imagesDir, '--cachedir', path.join(root, `cache-${name}`), '--allow-unsigned', '--memory-cache-size', '64m', '--rate-limit-image', '10/1m', '--client-token-factor', '1'];
  return spawnServer(flags, env, root);
}

async function health(server: SpawnedServer) {
  return (await fetchBody(`${server.address}/health`)).json() as { replica: string; redis: string };
}

const imageQuery = (server: SpawnedServer, headers: Record<string, string>) => graphql(server.address, '{ image(path: "photo", width: 120) { width } }', {}, headers);
const admitted = (answers: Array<{ data?: unknown; errors?: Array<{ extensions: { code: string } }> }>) => {
  const codes = answers.map((answer) => answer.errors?.[0]?.extensions.code ?? 'OK');
  expect(codes.filter((code) => code !== 'OK' && code !== 'RATE_LIMITED')).toEqual([]);
  return codes.filter((code) => code === 'OK').length;
};

beforeAll(async () => {
  expect(existsSync(MAIN)).toBe(true);
  expect(existsSync(REDIS_SERVER)).toBe(true);
  await makeSource(imagesDir, 'photo.jpg', { width: 1200, height: 800 });
  redis = await startRedis();
  [a, b] = await Promise.all([replica('a'), replica('b')]);
  await within(5000, async () => (await health(a)).redis === 'up' && (await health(b)).redis === 'up');
}, 30_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.kill();
});

describe('replicas sharing one Redis (--redis-url), each its own cache folder', () => {
  it('names each replica in /health and /metrics, with Redis up', async () => {
    const [ha, hb] = [await health(a), await health(b)];
    expect(ha.replica).not.toEqual(hb.replica);
    const metrics = (await fetchBody(`${a.address}/metrics`)).body.toString();
    expect(metrics).toContain(`goimgserver_replica_info{replica="${ha.replica}"} 1`);
    expect(metrics).toMatch(/^goimgserver_redis_up 1$/m);
    expect(a.output()).toContain(`"replica":"${ha.replica}"`);
  });

  it('makes a clear on one replica a miss on the other within a second', async () => {
    const url = `${b.address}/img/photo/300/webp`;
    expect((await fetchBody(url)).headers.get('x-cache-status')).toBe('MISS');
    expect((await fetchBody(url)).headers.get('x-cache-status')).toBe('HIT');
    const cleared = await graphql(a.address, 'mutation { clearCache(path: "photo") { clearedFiles } }', {}, bearer(ADMIN));
    expect(cleared.errors).toBeUndefined();
    await within(1000, async () => (await fetchBody(url)).headers.get('x-cache-status') === 'MISS');
    // Clearing everything reaches the other replica too.
    expect((await fetchBody(url)).headers.get('x-cache-status')).toBe('HIT');
    await graphql(a.address, 'mutation { clearCache { clearedFiles } }', {}, bearer(ADMIN));
    await within(1000, async () => (await fetchBody(url)).headers.get('x-cache-status') === 'MISS');
  });

  it('admits exactly 10 of 45 calls against a budget of 10, split over both replicas, one after another', async () => {
    const answers = [];
    for (let call = 0; call < 45; call++) answers.push(await imageQuery(call % 2 === 0 ? a : b, bearer(APPS[0] as string)));
    expect(admitted(answers)).toBe(10);
  });

  it('admits exactly 10 of 45 calls against a budget of 10, split over both replicas, all at once', async () => {
    const answers = await Promise.all(Array.from({ length: 45 }, (_, call) => imageQuery(call % 2 === 0 ? a : b, bearer(APPS[1] as string))));
    expect(admitted(answers)).toBe(10);
  });

  it('keeps answering queries, hits and misses while Redis is down, each replica counting alone, and counts globally again once it is back', async () => {
    const hit = `${a.address}/img/photo/300/webp`;
    await fetchBody(hit);
    await redis.kill();
    await within(3000, async () => (await health(a)).redis === 'down' && (await health(b)).redis === 'down');
    expect((await fetchBody(`${a.address}/metrics`)).body.toString()).toMatch(/^goimgserver_redis_up 0$/m);
    expect((await fetchBody(`${a.address}/ready`)).status).toBe(200);
    expect((await fetchBody(hit)).status).toBe(200);
    const miss = await fetchBody(`${b.address}/img/photo/310/webp`);
    expect([miss.status, miss.headers.get('x-cache-status')]).toEqual([200, 'MISS']);
    // Each replica counts its own calls: 10 on each.
    const offline = await Promise.all(Array.from({ length: 30 }, (_, call) => imageQuery(call % 2 === 0 ? a : b, bearer(APPS[2] as string))));
    expect(admitted(offline)).toBe(20);

    await redis.restart();
    await within(5000, async () => (await health(a)).redis === 'up' && (await health(b)).redis === 'up');
    const restored = await Promise.all(Array.from({ length: 45 }, (_, call) => imageQuery(call % 2 === 0 ? a : b, bearer(APPS[3] as string))));
    expect(admitted(restored)).toBe(10);
  }, 30_000);
});
