import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createRemote, git, GIT_TEST_ENV, publish } from '../helpers/git';
import { makeSource } from '../helpers/images';
import { startRedis, type TestRedis } from '../helpers/redis';
import { fetchBody, graphql, MAIN, spawnServer, type SpawnedServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';
import { within } from '../helpers/wait';

let redis: TestRedis;
const servers: SpawnedServer[] = [];
// Declared before the temporary folder's own clean-up, so the replicas stop (and stop writing to their checkouts) before it runs.
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await redis?.kill();
});

const root = tempDir();
const ADMIN = 'ops:admin-token-0123456789';
const admin = { authorization: 'Bearer admin-token-0123456789' };
const RED = { r: 220, g: 20, b: 20 };
const BLUE = { r: 20, g: 20, b: 220 };
const GREEN = { r: 20, g: 200, b: 20 };

let remote: string;
let publisher: string;

/** A replica with its own clone of the remote and its own cache folder. */
async function replica(name: string): Promise<SpawnedServer> {
  const checkout = path.join(root, `images-${name}`);
  if (!existsSync(checkout)) git(root, 'clone', '--quiet', remote, checkout);
  const env = { ...GIT_TEST_ENV, GOIMGSERVER_SIGNING_SECRET: 'replicas-test-secret-0123456789abcdef', GOIMGSERVER_ADMIN_TOKENS: ADMIN, GOIMGSERVER_REDIS_URL: redis.url };
  const server = await spawnServer(['--imagesdir', checkout, '--cachedir', path.join(root, `cache-${name}`), '--allow-unsigned', '--source-check-interval', '0'], env, root);
  servers.push(server);
  return server;
}

/** The mean colour of the image a replica serves for `photo`. */
async function colourServed(server: SpawnedServer): Promise<{ r: number; g: number; b: number }> {
  const answer = await fetchBody(`${server.address}/img/photo/64/png`);
  const [r, g, b] = (await sharp(answer.body).stats()).channels.map((channel) => Math.round(channel.mean));
  return { r: r as number, g: g as number, b: b as number };
}
const near = (colour: { r: number; g: number; b: number }, expected: { r: number; g: number; b: number }) =>
  Math.abs(colour.r - expected.r) < 20 && Math.abs(colour.g - expected.g) < 20 && Math.abs(colour.b - expected.b) < 20;

const SYNC = 'mutation { syncImages { updated currentCommit changedPaths } }';
const STATUS = '{ syncStatus { currentCommit replicas { replica currentCommit } } }';
const leads = () => servers.flatMap((server) => server.output().split('\n')).filter((line) => line.includes('"msg":"sync started"') && !line.includes('"following"')).length;

beforeAll(async () => {
  expect(existsSync(MAIN)).toBe(true);
  ({ remote, publisher } = createRemote(root));
  await makeSource(publisher, 'photo.jpg', { width: 200, height: 100, colour: RED });
  publish(publisher, 'red photo');
  redis = await startRedis();
}, 30_000);


describe('syncs across replicas, each with its own checkout of one remote (--redis-url)', () => {
  let a: SpawnedServer;
  let b: SpawnedServer;

  beforeAll(async () => {
    [a, b] = await Promise.all([replica('a'), replica('b')]);
  }, 30_000);

  it('makes a push synced on one replica served by the other within 5 seconds', async () => {
    expect(near(await colourServed(b), RED)).toBe(true);
    await makeSource(publisher, 'photo.jpg', { width: 200, height: 100, colour: BLUE });
    const commit = publish(publisher, 'blue photo');
    const synced = await graphql<{ syncImages: { updated: boolean; currentCommit: string } }>(a.address, SYNC, {}, admin);
    expect(synced.data?.syncImages).toMatchObject({ updated: true, currentCommit: commit });
    await within(5000, async () => near(await colourServed(b), BLUE));
    const status = await graphql<{ syncStatus: { currentCommit: string; replicas: Array<{ replica: string; currentCommit: string }> } }>(b.address, STATUS, {}, admin);
    expect(status.data?.syncStatus.currentCommit).toBe(commit);
    expect(git(path.join(root, 'images-b'), 'rev-parse', 'HEAD')).toBe(commit);
  });

  it('runs two syncs asked of both replicas at once as one: one replica fetches upstream, both answer alike', async () => {
    await makeSource(publisher, 'photo.jpg', { width: 200, height: 100, colour: GREEN });
    const commit = publish(publisher, 'green photo');
    const before = leads();
    const [onA, onB] = await Promise.all([graphql(a.address, SYNC, {}, admin), graphql(b.address, SYNC, {}, admin)]);
    expect(onA.errors).toBeUndefined();
    expect(onB.data).toEqual(onA.data);
    expect(onA.data).toMatchObject({ syncImages: { updated: true, currentCommit: commit, changedPaths: ['photo.jpg'] } });
    expect(leads() - before).toBe(1);
    // Each answers once its own checkout is there.
    expect(near(await colourServed(a), GREEN)).toBe(true);
    expect(near(await colourServed(b), GREEN)).toBe(true);
  });

  it('lists every live replica with the commit of its checkout in syncStatus', async () => {
    const head = git(publisher, 'rev-parse', 'HEAD');
    await within(6000, async () => {
      const status = await graphql<{ syncStatus: { replicas: Array<{ replica: string; currentCommit: string }> } }>(a.address, STATUS, {}, admin);
      const replicas = status.data?.syncStatus.replicas ?? [];
      return replicas.length === 2 && replicas.every((entry) => entry.currentCommit === head) && new Set(replicas.map((entry) => entry.replica)).size === 2;
    });
  });

  it('brings a replica that starts late to the last synced commit', async () => {
    // Cloned now, at the remote's head, then moved back: it starts one commit behind.
    git(root, 'clone', '--quiet', remote, path.join(root, 'images-c'));
    git(path.join(root, 'images-c'), 'reset', '--quiet', '--hard', 'HEAD~1');
    const c = await replica('c');
    const head = git(publisher, 'rev-parse', 'HEAD');
    await within(5000, async () => git(path.join(root, 'images-c'), 'rev-parse', 'HEAD') === head);
    expect(near(await colourServed(c), GREEN)).toBe(true);
  }, 20_000);

  it('follows only commits of its own branch: a replica of another branch sharing the Redis moves no checkout of this one', async () => {
    // A staging branch ahead of main, and a replica that serves it.
    git(publisher, 'checkout', '--quiet', '-b', 'staging');
    await makeSource(publisher, 'photo.jpg', { width: 200, height: 100, colour: BLUE });
    git(publisher, 'commit', '--quiet', '--all', '-m', 'blue on staging');
    git(publisher, 'push', '--quiet', 'origin', 'staging');
    git(publisher, 'checkout', '--quiet', 'main');
    git(root, 'clone', '--quiet', '--branch', 'staging', remote, path.join(root, 'images-staging'));
    const staging = await replica('staging');
    const mainHead = git(path.join(root, 'images-a'), 'rev-parse', 'HEAD');

    const synced = await graphql<{ syncImages: { currentCommit: string } }>(staging.address, SYNC, {}, admin);
    expect(synced.data?.syncImages.currentCommit).toBe(git(publisher, 'rev-parse', 'staging'));
    // The outcome reaches the replicas of main, which look at it and keep their checkouts.
    await within(5000, async () => a.output().includes(`"following":"${synced.data?.syncImages.currentCommit}"`) && a.output().includes('which this checkout follows'));
    expect(git(path.join(root, 'images-a'), 'rev-parse', 'HEAD')).toBe(mainHead);
    expect(near(await colourServed(a), GREEN)).toBe(true);
  }, 20_000);

  it('lists only what replicas tell in syncStatus, whatever else is stored under their keys', async () => {
    const garbage = ['not json', 'null', '[1, 2]', '{"replica": {"a": 1}, "currentCommit": "x", "seenAt": 1}', '{"replica": "x", "currentCommit": 5, "seenAt": "not a date"}'];
    await Promise.all(garbage.map((text, index) => redis.command('SET', `goimgserver:replica:garbage-${index}`, text, 'PX', '20000')));
    try {
      const status = await graphql<{ syncStatus: { replicas: Array<{ replica: string; currentCommit: string }> } }>(a.address, STATUS, {}, admin);
      expect(status.errors).toBeUndefined();
      expect(status.data?.syncStatus.replicas.map((entry) => entry.replica).filter((replica) => !/^[\w.-]+-\d+$/.test(replica))).toEqual([]);
    } finally {
      await Promise.all(garbage.map((_, index) => redis.command('DEL', `goimgserver:replica:garbage-${index}`)));
    }
  });

  it('is not held up by a sync lease that never expires, which no replica takes', async () => {
    // Every lease a replica takes lapses; one set by hand (or left by anything else) would not.
    await redis.command('SET', 'goimgserver:lease:sync', 'left-behind');
    const started = Date.now();
    const synced = await graphql<{ syncImages: { currentCommit: string } }>(a.address, SYNC, {}, admin);
    expect(synced.errors).toBeUndefined();
    expect(synced.data?.syncImages.currentCommit).toBe(git(publisher, 'rev-parse', 'HEAD'));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await redis.command('GET', 'goimgserver:lease:sync')).not.toBe('left-behind');
    expect(a.output()).toContain('a sync lease that never expires was dropped');
  }, 20_000);
});
