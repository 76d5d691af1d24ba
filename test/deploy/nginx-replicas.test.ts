import { chmodSync } from 'node:fs';
import path from 'node:path';
import { inspect, makeSource } from '../helpers/images';
import { freePort, getFrom, SHIPPED_CACHE, startNginx, type RunningNginx } from '../helpers/nginx';
import { fetchBody, graphql, rawGet, spawnServer, type SpawnedServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

// `nginx -t` on deploy/nginx-replicas.conf runs in nginx.test.ts, beside the single-server file's.
const env = { GOIMGSERVER_SIGNING_SECRET: 'replicas-test-secret-0123456789abcdef' };

const root = tempDir();
// nginx's workers drop to an unprivileged user when started as root: they must reach the cache.
chmodSync(root, 0o755);

interface Counts {
  renders: number;
  images: number;
  graphql: number;
}

/** One replica's counters, scraped from it directly as Prometheus would. */
async function scrape(replica: SpawnedServer): Promise<Counts> {
  const text = (await fetchBody(`${replica.address}/metrics`)).body.toString('utf8');
  const sum = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
  return {
    renders: sum(/^goimgserver_images_processed_total (\S+)$/gm),
    images: sum(/^goimgserver_http_requests_total\{route="\/img\/\*",status="\d+"\} (\S+)$/gm),
    graphql: sum(/^goimgserver_http_requests_total\{route="\/graphql",status="\d+"\} (\S+)$/gm),
  };
}

describe('nginx with deploy/nginx-replicas.conf in front of two servers', () => {
  const imagesDir = path.join(root, 'images');
  const prefix = path.join(root, 'nginx');
  const replicas: SpawnedServer[] = [];
  const dead = new Set<SpawnedServer>();
  let nginx: RunningNginx;
  let base: string;

  /** What each replica's counters grew by while `act` ran (nothing for a dead one). */
  async function growth(act: () => Promise<unknown>): Promise<Counts[]> {
    const counts = (replica: SpawnedServer) => (dead.has(replica) ? { renders: 0, images: 0, graphql: 0 } : scrape(replica));
    const before = await Promise.all(replicas.map(counts));
    await act();
    const after = await Promise.all(replicas.map(counts));
    return after.map((counts, index) => ({
      renders: counts.renders - before[index]!.renders,
      images: counts.images - before[index]!.images,
      graphql: counts.graphql - before[index]!.graphql,
    }));
  }

  /** Signed URLs (path and query) of distinct derivatives, minted through nginx. */
  async function mint(widths: number[], format = 'JPEG'): Promise<string[]> {
    const urls = [];
    for (const width of widths) {
      const answer = await graphql<{ image: { url: string } }>(base, `{ image(path: "landscape", width: ${width}, format: ${format}) { url } }`);
      expect(answer.errors).toBeUndefined();
      urls.push(answer.data!.image.url);
    }
    return urls;
  }

  /** GETs a URL through nginx under a host name of its own, so nginx's cache misses, and returns the replica that answered it. */
  async function answeredBy(url: string, host: string, headers: Record<string, string> = {}): Promise<number> {
    const grown = await growth(async () => {
      const answer = await rawGet(base, url, { host, ...headers });
      expect([url, host, answer.status, answer.headers['x-proxy-cache']]).toEqual([url, host, 200, 'MISS']);
    });
    const reached = grown.flatMap((counts, index) => (counts.images > 0 ? [index] : []));
    expect([url, host, reached.length]).toEqual([url, host, 1]);
    return reached[0]!;
  }

  async function query(): Promise<unknown> {
    const answer = await graphql(base, '{ image(path: "landscape", width: 100) { width } }');
    return [answer.status, answer.data];
  }

  beforeAll(async () => {
    await makeSource(imagesDir, 'landscape.jpg', { width: 600, height: 400 });
    // Each replica its own cache, the same images and signing secret.
    for (const name of ['a', 'b']) {
      replicas.push(await spawnServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, `cache-${name}`), '--precache', 'false', '--trusted-proxies', '127.0.0.1'], env, root));
    }
    const port = await freePort();
    // Only what cannot stay as shipped: the listening address, the replicas' addresses, a cache of this test's own.
    nginx = await startNginx(prefix, 'nginx-replicas.conf', port, {
      'nginx-replicas.conf': [['listen 80;', `listen 127.0.0.1:${port};`]],
      'snippets/goimgserver-replicas.conf': [
        ['server 127.0.0.1:9001 ', `server ${new URL(replicas[0]!.address).host} `],
        ['server 127.0.0.1:9002 ', `server ${new URL(replicas[1]!.address).host} `],
      ],
      'snippets/goimgserver-http.conf': [[`proxy_cache_path ${SHIPPED_CACHE} `, `proxy_cache_path ${path.join(prefix, 'cache')} `]],
    });
    base = nginx.base;
  });

  afterAll(async () => {
    await nginx?.stop();
    for (const replica of replicas) await replica.stop();
  });

  it('renders 20 identical concurrent cold requests once, in one request to one replica', async () => {
    const [url] = await mint([150]);
    const answers: Array<Awaited<ReturnType<typeof fetchBody>>> = [];
    const grown = await growth(async () => answers.push(...(await Promise.all(Array.from({ length: 20 }, () => fetchBody(base + url!))))));
    expect(answers.map((answer) => answer.status)).toEqual(new Array(20).fill(200));
    expect(answers.filter((answer) => answer.headers.get('x-proxy-cache') === 'MISS')).toHaveLength(1);
    for (const answer of answers) expect(answer.body.equals(answers[0]!.body)).toBe(true);
    expect(await inspect(answers[0]!.body)).toMatchObject({ format: 'jpeg', width: 150 });
    expect(grown.map((counts) => counts.renders).sort()).toEqual([0, 1]);
    expect(grown.map((counts) => counts.images).sort()).toEqual([0, 1]);
  });

  it('sends every request for one URL to one replica, under any host name, and spreads distinct URLs over both', async () => {
    const urls = await mint(Array.from({ length: 16 }, (_, index) => 200 + index * 10));
    const owners: number[] = [];
    for (const url of urls) {
      const grown = await growth(async () => {
        const owner = await answeredBy(url, 'images.example.com');
        // Another host name is another copy in nginx's cache but the same derivative: the same replica answers, from its own cache.
        for (const host of ['img.example.org', 'localhost']) expect(await answeredBy(url, host)).toBe(owner);
        owners.push(owner);
      });
      expect(grown.reduce((total, counts) => total + counts.renders, 0)).toBe(1);
    }
    // 16 keys on a ring of two: both hold some (all on one by chance about once in 30 000 runs).
    expect(new Set(owners)).toEqual(new Set([0, 1]));
  });

  it('sends the requests for an AUTO URL negotiated to one format to one replica, however Accept is spelled', async () => {
    const [url] = await mint([370], 'AUTO');
    const accepts = ['image/webp', 'image/webp,*/*', 'text/html, image/webp;q=0.9, image/avif;q=0'];
    const owners: number[] = [];
    const grown = await growth(async () => {
      for (const [index, accept] of accepts.entries()) owners.push(await answeredBy(url!, `host-${index}.example`, { accept }));
    });
    expect(new Set(owners).size).toBe(1);
    expect(grown.reduce((total, counts) => total + counts.renders, 0)).toBe(1);
  });

  it('spreads GraphQL round robin', async () => {
    const answers: unknown[] = [];
    const grown = await growth(async () => {
      for (let count = 0; count < 10; count++) answers.push(await query());
    });
    expect(answers).toEqual(new Array(10).fill([200, { image: { width: 100 } }]));
    expect(grown.map((counts) => counts.graphql)).toEqual([5, 5]);
  });

  it('refuses /metrics through the balancer, which would mix the replicas into one series; each replica is scraped at its own address', async () => {
    expect(await getFrom('127.0.0.1', `${base}/metrics`)).toBe(403);
    for (const replica of replicas) expect((await fetchBody(`${replica.address}/metrics`)).status).toBe(200);
  });

  it('keeps answering images and GraphQL through the other replica when one dies', async () => {
    const urls = await mint(Array.from({ length: 8 }, (_, index) => 400 + index * 10));
    const owners: number[] = [];
    for (const url of urls) owners.push(await answeredBy(url, 'before.example'));
    const killed = owners[0]!;
    const survivor = 1 - killed;
    process.kill(replicas[killed]!.pid, 'SIGKILL');
    await replicas[killed]!.stop();
    dead.add(replicas[killed]!);

    const grown = await growth(async () => {
      // The dead replica's keys move to the survivor, which renders them; its own it answers from its cache.
      for (const url of urls) expect(await answeredBy(url, 'after.example')).toBe(survivor);
      const answers = [];
      for (let count = 0; count < 6; count++) answers.push(await query());
      expect(answers).toEqual(new Array(6).fill([200, { image: { width: 100 } }]));
    });
    expect(grown[survivor]).toEqual({ renders: owners.filter((owner) => owner === killed).length, images: 8, graphql: 6 });
  });
});
