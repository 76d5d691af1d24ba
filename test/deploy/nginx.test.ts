import { chmodSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { chooseFormat } from '../../src/images/negotiate';
import { inspect, makeSource } from '../helpers/images';
import { checkShipped, freePort, getFrom, SHIPPED_CACHE, startNginx, type RunningNginx } from '../helpers/nginx';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const env = { GOIMGSERVER_SIGNING_SECRET: 'nginx-test-secret-0123456789abcdef' };
const isRoot = process.getuid?.() === 0;

const root = tempDir();
// nginx's workers drop to an unprivileged user when started as root: they must reach the cache.
chmodSync(root, 0o755);

// Both shipped site files, one after the other: each check creates and removes the same cache folder.
describe.each(['nginx.conf', 'nginx-replicas.conf'])('deploy/%s', (site) => {
  const check = isRoot ? it : it.skip;
  check(`passes nginx -t as shipped, creating ${SHIPPED_CACHE} itself${isRoot ? '' : ' (needs root, as nginx runs on a server)'}`, () => {
    const existed = existsSync(SHIPPED_CACHE);
    try {
      expect(checkShipped(path.join(root, `check-${site}`), site)).toEqual({ status: 0, output: '' });
      expect(statSync(SHIPPED_CACHE).isDirectory()).toBe(true);
    } finally {
      if (!existed) rmSync(SHIPPED_CACHE, { recursive: true, force: true });
    }
  });
});

describe('nginx with deploy/nginx.conf in front of the server', () => {
  const imagesDir = path.join(root, 'images');
  const prefix = path.join(root, 'nginx');
  const cacheDir = path.join(prefix, 'cache');
  let server: TestServer;
  let nginx: RunningNginx;
  let base: string;

  const requestLines = (route: string) => server.logs.filter((line) => line.msg === 'request' && String(line.url).startsWith(route));
  const cacheFiles = () => readdirSync(cacheDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;

  async function mint(width: number, format: string): Promise<string> {
    const answer = await graphql<{ image: { url: string } }>(base, `{ image(path: "landscape", width: ${width}, format: ${format}) { url } }`);
    expect(answer.errors).toBeUndefined();
    return base + answer.data!.image.url;
  }

  beforeAll(async () => {
    await makeSource(imagesDir, 'landscape.jpg', { width: 600, height: 400 });
    server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--trusted-proxies', '127.0.0.1'], env);
    const port = await freePort();
    // Only what cannot stay as shipped: the listening address, the server's port, a cache of this test's own.
    nginx = await startNginx(prefix, 'nginx.conf', port, {
      'nginx.conf': [
        ['listen 80;', `listen 127.0.0.1:${port};`],
        ['server 127.0.0.1:9000;', `server ${new URL(server.url).host};`],
      ],
      'snippets/goimgserver-http.conf': [[`proxy_cache_path ${SHIPPED_CACHE} `, `proxy_cache_path ${cacheDir} `]],
    });
    base = nginx.base;
  });

  afterAll(async () => {
    await nginx?.stop();
    await server?.close();
  });

  it('caches the bytes route: a MISS, then HITs that never reach the server', async () => {
    const url = await mint(200, 'JPEG');
    const served = requestLines('/img/').length;
    const first = await fetchBody(url);
    expect([first.status, first.headers.get('x-proxy-cache')]).toEqual([200, 'MISS']);
    expect(await inspect(first.body)).toMatchObject({ format: 'jpeg', width: 200 });
    for (let repeat = 0; repeat < 2; repeat++) {
      const again = await fetchBody(url);
      expect([again.status, again.headers.get('x-proxy-cache')]).toEqual([200, 'HIT']);
      expect(again.body.equals(first.body)).toBe(true);
    }
    expect(requestLines('/img/').length).toBe(served + 1);
  });

  it("gives every answer a request id of its own, cached hits included; the server logs the id of the request it answered", async () => {
    const url = await mint(210, 'WEBP');
    const answers = [await fetchBody(url), await fetchBody(url), await fetchBody(url)];
    expect(answers.map((answer) => answer.headers.get('x-proxy-cache'))).toEqual(['MISS', 'HIT', 'HIT']);
    const ids = answers.map((answer) => answer.headers.get('x-request-id') ?? '');
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(3);
    expect(server.logs.filter((line) => ids.includes(String(line.reqId))).map((line) => line.reqId)).toEqual([ids[0]]);
  });

  it('keeps one copy per format an AUTO URL is answered in, the format the server picks for each Accept', async () => {
    const url = await mint(220, 'AUTO');
    const before = cacheFiles();
    const accepts = [
      'image/avif',
      'image/webp',
      'image/jpeg',
      'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
      'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
      'image/webp,*/*',
      'IMAGE/AVIF;q=0.5',
      'image/avif;q=0, image/webp',
      'image/avif ; q=0.0;level=1,image/webp',
      'image/avif;q=0',
      'text/html, */*',
    ];
    const seen = new Map<string, Buffer>();
    for (const accept of accepts) {
      const format = chooseFormat(accept, false);
      const answer = await fetchBody(url, { headers: { accept } });
      expect([accept, answer.status, answer.headers.get('content-type'), answer.headers.get('x-proxy-cache')]).toEqual([accept, 200, `image/${format}`, seen.has(format) ? 'HIT' : 'MISS']);
      expect(answer.headers.get('vary')).toBe('Accept');
      expect((await inspect(answer.body)).format).toBe(format === 'avif' ? 'heif' : format);
      if (seen.has(format)) expect(answer.body.equals(seen.get(format)!)).toBe(true);
      seen.set(format, answer.body);
    }
    expect([...seen.keys()].sort()).toEqual(['avif', 'jpeg', 'webp']);
    expect(cacheFiles()).toBe(before + 3);
  });

  it('keeps one copy of a URL with a fixed format, whatever Accept says', async () => {
    const url = await mint(230, 'WEBP');
    const before = cacheFiles();
    const statuses = [];
    for (const accept of ['image/avif', 'image/webp', 'image/jpeg', '*/*']) statuses.push((await fetchBody(url, { headers: { accept } })).headers.get('x-proxy-cache'));
    expect(statuses).toEqual(['MISS', 'HIT', 'HIT', 'HIT']);
    expect(cacheFiles()).toBe(before + 1);
  });

  it('passes GraphQL through uncached', async () => {
    const answered = requestLines('/graphql').length;
    for (let repeat = 0; repeat < 2; repeat++) {
      const response = await fetchBody(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ image(path: "landscape", width: 100) { width } }' }),
      });
      expect([response.status, response.headers.get('x-proxy-cache')]).toEqual([200, null]);
      expect(response.json()).toEqual({ data: { image: { width: 100 } } });
    }
    expect(requestLines('/graphql').length).toBe(answered + 2);
  });

  it('lets only this machine (127.0.0.1) read /metrics', async () => {
    const answered = requestLines('/metrics').length;
    expect(await getFrom('127.0.0.1', `${base}/metrics`)).toBe(200);
    expect(await getFrom('127.0.0.2', `${base}/metrics`)).toBe(403);
    expect(requestLines('/metrics').length).toBe(answered + 1);
  });
});
