import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

// Debian's prometheus package; .ci/run installs it.
const PROMTOOL = '/usr/bin/promtool';
const env = { GOIMGSERVER_SIGNING_SECRET: 'promtool-test-secret-0123456789abcdef' };

const root = tempDir();
const imagesDir = path.join(root, 'images');
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'landscape.jpg', { width: 600, height: 400 });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')], env);
});
afterAll(() => server.close());

describe('/metrics read by Prometheus tooling', () => {
  it('passes promtool check metrics once requests, renders and errors have been counted', async () => {
    const answer = await graphql<{ image: { url: string } }>(server.url, '{ image(path: "landscape", width: 200, format: WEBP) { url } }');
    const url = server.url + answer.data!.image.url;
    expect((await fetchBody(url)).headers.get('x-cache-status')).toBe('MISS');
    expect((await fetchBody(url)).headers.get('x-cache-status')).toBe('HIT');
    expect((await fetchBody(url.replace(/s=[\w-]+/, 's=forged'))).status).toBe(403);

    const text = (await fetchBody(`${server.url}/metrics`)).body.toString();
    // Samples of every kind the server writes itself, so that the check covers them.
    expect(text).toContain('goimgserver_http_request_duration_seconds_bucket{le="+Inf",route="/img/*"} 3');
    expect(text).toContain('goimgserver_render_duration_seconds_count{format="webp"} 1');
    expect(text).toContain('goimgserver_cache_hits_total 1');

    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, stdout: check.stdout, stderr: check.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});
