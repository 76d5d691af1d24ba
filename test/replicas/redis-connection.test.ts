import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { createRedisLink, type RedisLink } from '../../src/replicas/redis';
import { makeSource } from '../helpers/images';
import { startRedis, type TestRedis } from '../helpers/redis';
import { fetchBody, graphql, MAIN, spawnServer, type SpawnedServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';
import { within } from '../helpers/wait';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const PASSWORD = 'default-user-secret-0123456789';
const APP_PASSWORD = 'app-user-secret-0123456789';
const passwordFile = path.join(root, 'redis-password');

let redis: TestRedis;
const servers: SpawnedServer[] = [];

function replica(name: string, url: string, env: NodeJS.ProcessEnv = {}): Promise<SpawnedServer> {
  const flags = ['--imagesdir', imagesDir, '--cachedir', path.join(root, `cache-${name}`), '--precache', 'false', '--redis-url', url];
  return spawnServer(flags, { GOIMGSERVER_SIGNING_SECRET: 'redis-connection-secret-0123456789abcdef', ...env }, root).then((server) => {
    servers.push(server);
    return server;
  });
}

async function redisState(server: SpawnedServer): Promise<string> {
  return ((await fetchBody(`${server.address}/health`)).json() as { redis: string }).redis;
}

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 400, height: 300 });
  // The default user needs a password, and an ACL user has one of its own.
  redis = await startRedis(['--requirepass', PASSWORD, '--user', 'app', 'on', `>${APP_PASSWORD}`, '~*', '&*', '+@all']);
  writeFileSync(passwordFile, `${APP_PASSWORD}\n`);
}, 30_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await redis?.kill();
});

describe('connecting to a Redis that requires a password', () => {
  it('logs in as the user the URL names with the password of GOIMGSERVER_REDIS_PASSWORD_FILE', async () => {
    const server = await replica('user', redis.url.replace('redis://', 'redis://app@') + '/0', { GOIMGSERVER_REDIS_PASSWORD_FILE: passwordFile });
    await within(5000, async () => (await redisState(server)) === 'up');
  });

  it('logs in as the default user with the password of GOIMGSERVER_REDIS_PASSWORD', async () => {
    const server = await replica('default', `${redis.url}/0`, { GOIMGSERVER_REDIS_PASSWORD: PASSWORD });
    await within(5000, async () => (await redisState(server)) === 'up');
  });

  it('says why a refused password leaves Redis down, never saying the password, and serves without waiting', async () => {
    const wrong = 'not-the-password-0123456789';
    const server = await replica('wrong', `${redis.url}/0`, { GOIMGSERVER_REDIS_PASSWORD: wrong });
    await within(5000, async () => server.output().includes('WRONGPASS'));
    const told = server.output().split('\n').filter((line) => line.includes('WRONGPASS'));
    expect(told).toHaveLength(1);
    expect(JSON.parse(told[0] as string)).toMatchObject({ level: 40, redis: 'down' });
    expect(await redisState(server)).toBe('down');
    const started = performance.now();
    const answer = await graphql(server.address, '{ image(path: "photo", width: 100) { width } }');
    expect(answer.data).toEqual({ image: { width: 100 } });
    expect(performance.now() - started).toBeLessThan(1000);
    // Reconnection attempts fail alike: said once, not once per attempt.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(server.output().split('\n').filter((line) => line.includes('WRONGPASS'))).toHaveLength(1);
    expect(server.output()).not.toContain(wrong);
  });

  it('refuses a password in the URL, in its query too, at start-up without quoting it back', () => {
    for (const url of [`redis://:${PASSWORD}@127.0.0.1:6379/0`, `${redis.url}/0?password=${PASSWORD}`]) {
      const run = spawnSync(process.execPath, [MAIN, '--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache-refused'), '--redis-url', url], { cwd: root, env: { PATH: process.env.PATH }, timeout: 10_000 });
      const output = `${run.stdout}${run.stderr}`;
      expect([url, run.status]).toEqual([url, 2]);
      expect(output).toContain('--redis-url');
      expect(output).not.toContain(PASSWORD);
    }
  });
});

describe('a Redis that stops answering with its connections open (a frozen host, a network that drops packets)', () => {
  let frozen: TestRedis;

  afterAll(async () => {
    if (frozen) process.kill(frozen.pid(), 'SIGCONT');
    await frozen?.kill();
  });

  it('is told down at its first silent command, so that serving stops waiting for it, and up again once it answers', async () => {
    frozen = await startRedis();
    const server = await replica('frozen', `${frozen.url}/0`);
    await within(5000, async () => (await redisState(server)) === 'up');
    const query = async (width: number) => {
      const started = performance.now();
      const answer = await graphql(server.address, `{ image(path: "photo", width: ${width}) { width } }`);
      expect(answer.data).toEqual({ image: { width } });
      return performance.now() - started;
    };
    await query(100);

    process.kill(frozen.pid(), 'SIGSTOP');
    // The first call waits for its command's timeout (half a second), and tells Redis down.
    await query(101);
    expect(await redisState(server)).toBe('down');
    const later = [];
    for (let width = 102; width < 110; width++) later.push(await query(width));
    expect(Math.max(...later)).toBeLessThan(250);
    expect(server.output()).toMatch(/"redis":"down","reason":"Command timed out"/);

    process.kill(frozen.pid(), 'SIGCONT');
    await within(10_000, async () => (await redisState(server)) === 'up');
  }, 30_000);
});


describe('a link whose two connections come up in either order', () => {
  let plain: TestRedis;
  const sockets: net.Socket[] = [];
  const proxies: net.Server[] = [];
  const links: RedisLink[] = [];

  beforeAll(async () => {
    plain = await startRedis();
    await plain.command('SET', 'goimgserver:caught-up', 'yes');
  }, 15_000);

  afterAll(async () => {
    await Promise.all(links.map((link) => link.close()));
    for (const socket of sockets) socket.destroy();
    for (const proxy of proxies) proxy.close();
    await plain?.kill();
  });

  /**
   * A proxy to the test's Redis on a free port. A link opens its command connection first:
   * `holdFirstMs` holds that one back; `holdSubscribeMs` holds back what a client sends once it
   * asks to SUBSCRIBE (only the subscription connection does).
   */
  async function proxy({ holdFirstMs = 0, holdSubscribeMs = 0 }): Promise<string> {
    const port = Number(new URL(plain.url).port);
    let accepted = 0;
    const server = net.createServer((socket) => {
      sockets.push(socket);
      socket.pause();
      setTimeout(() => {
        const upstream = net.connect(port, '127.0.0.1', () => {
          socket.on('data', (chunk: Buffer) => {
            if (holdSubscribeMs > 0 && chunk.toString('latin1').toUpperCase().includes('SUBSCRIBE')) setTimeout(() => upstream.write(chunk), holdSubscribeMs);
            else upstream.write(chunk);
          });
          upstream.pipe(socket);
          socket.resume();
        });
        sockets.push(upstream);
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
      }, accepted++ === 0 ? holdFirstMs : 0);
    });
    proxies.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  function linkTo(url: string): RedisLink {
    const link = createRedisLink({ url, password: '', replicaId: `test-${links.length}`, log: pino({ level: 'silent' }) });
    links.push(link);
    return link;
  }

  it('tells its listeners connected only once commands run, so that what they ask Redis to catch up on is answered', async () => {
    const link = linkTo(await proxy({ holdFirstMs: 500 }));
    const connected = new Promise<{ up: boolean; value: string | null }>((resolve) => {
      link.onConnected(() => {
        const up = link.up();
        void link
          .get('goimgserver:caught-up')
          .catch(() => null)
          .then((value) => resolve({ up, value }));
      });
    });
    expect(await connected).toEqual({ up: true, value: 'yes' });
  }, 15_000);

  it('tells its listeners connected only once Redis has confirmed the subscriptions, so that nothing published after their catch-up is missed', async () => {
    const link = linkTo(await proxy({ holdSubscribeMs: 300 }));
    const heard: string[] = [];
    link.subscribe('goimgserver:test-channel', (message) => heard.push(message));
    await new Promise<void>((resolve) => link.onConnected(resolve));
    await plain.command('PUBLISH', 'goimgserver:test-channel', 'right after');
    await within(2000, async () => heard.includes('right after'));
  }, 15_000);
});
