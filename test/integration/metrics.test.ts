import path from 'node:path';
import { makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'metrics-test-secret-0123456789abcdef';
const TOKEN = 'ops-token-0123456789abcdef';
const env = { GOIMGSERVER_SIGNING_SECRET: SECRET, GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}` };

const root = tempDir();
const imagesDir = path.join(root, 'images');

beforeAll(async () => {
  await makeSource(imagesDir, 'landscape.jpg', { width: 600, height: 400 });
  await makeSource(imagesDir, 'cats/default.jpg', { width: 400, height: 300 });
});

/** The value of one sample line, such as `goimgserver_cache_hits_total 3`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')], env);
  });
  afterAll(() => server.close());

  it('counts requests, hits, misses and render time by format, in Prometheus text', async () => {
    const answer = await graphql<{ image: { url: string } }>(server.url, '{ image(path: "landscape", width: 200, format: JPEG) { url } }');
    const url = server.url + answer.data!.image.url;
    expect((await fetchBody(url)).headers.get('x-cache-status')).toBe('MISS');
    expect((await fetchBody(url)).headers.get('x-cache-status')).toBe('HIT');
    expect((await fetchBody(url.replace(/s=[\w-]+/, 's=forged'))).status).toBe(403);

    const response = await fetchBody(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body.toString();
    expect(sample(text, 'goimgserver_cache_hits_total')).toBe(1);
    expect(sample(text, 'goimgserver_cache_misses_total')).toBe(1);
    expect(sample(text, 'goimgserver_images_processed_total')).toBe(1);
    expect(sample(text, 'goimgserver_render_duration_seconds_count{format="jpeg"}')).toBe(1);
    expect(sample(text, 'goimgserver_http_requests_total{route="/img/*",status="200"}')).toBe(2);
    expect(sample(text, 'goimgserver_http_requests_total{route="/graphql",status="200"}')).toBe(1);
    expect(text).toContain('# TYPE goimgserver_http_request_duration_seconds histogram');
    expect(sample(text, 'goimgserver_http_requests_total{route="/img/*",status="403"}')).toBe(1);
    // Durations are by route, whatever the status.
    expect(sample(text, 'goimgserver_http_request_duration_seconds_count{route="/img/*"}')).toBe(3);
    expect(sample(text, 'goimgserver_http_request_duration_seconds_bucket{le="+Inf",route="/img/*"}')).toBe(3);
    expect(sample(text, 'goimgserver_http_request_duration_seconds_bucket{le="10",route="/img/*"}')).toBe(3);
    expect(sample(text, 'goimgserver_http_request_duration_seconds_sum{route="/img/*"}')).toBeGreaterThan(0);
    const buckets = text.split('\n').filter((line) => line.startsWith('goimgserver_http_request_duration_seconds_bucket{') && line.includes('route="/img/*"'));
    const counts = buckets.map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
    expect(counts).toHaveLength(13);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(sample(text, 'goimgserver_render_queue_depth')).toBe(0);
    expect(sample(text, 'goimgserver_cache_files')).toBe(1);
    expect(text).toContain('goimgserver_process_resident_memory_bytes');
    expect(text).not.toContain('landscape');
  });

  it('counts sync outcomes', async () => {
    await graphql(server.url, 'mutation { syncImages { updated } }', {}, { authorization: `Bearer ${TOKEN}` });
    const text = (await fetchBody(`${server.url}/metrics`)).body.toString();
    expect(sample(text, 'goimgserver_syncs_total{outcome="FAILED"}')).toBe(1);
  });

  it('names the replica, and says nothing of Redis without --redis-url (a 0 would read as Redis down)', async () => {
    const text = (await fetchBody(`${server.url}/metrics`)).body.toString();
    expect(text).toMatch(/^goimgserver_replica_info\{replica="[^"]+"\} 1$/m);
    expect(text).not.toContain('goimgserver_redis_up');
  });

  it('is ready at once when there is no pre-cache to wait for', async () => {
    const ready = await fetchBody(`${server.url}/ready`);
    expect([ready.status, ready.json().ready]).toEqual([200, true]);
  });
});

describe('readiness with a pre-cache', () => {
  it('says ready exactly when the pre-cache has ended', async () => {
    // The pre-cache's renders wait behind a task that holds the only processing slot until the test lets it go.
    let release = () => {};
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'warm'), '--precache', 'true', '--metrics', 'false', '--processing-concurrency', '1'], env, {}, (app) => {
      void app.limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    });
    try {
      const waiting = await fetchBody(`${server.url}/ready`);
      expect([waiting.status, waiting.headers.get('retry-after'), waiting.json()]).toEqual([503, '5', { ready: false, precache: expect.objectContaining({ state: 'running', generated: 0 }) }]);
      release();
      await server.logged('pre-cache finished');
      const ready = await fetchBody(`${server.url}/ready`);
      expect([ready.status, ready.json()]).toEqual([200, { ready: true, precache: expect.objectContaining({ state: 'done', generated: 2 }) }]);
      expect((await fetchBody(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
