import http from 'node:http';
import path from 'node:path';
import { inspect, makeSource } from '../helpers/images';
import type { Clock } from '../../src/clock';
import { fetchBody, graphql, manualClock, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'hot-path-secret-hot-path-secret-0123456789';
const ADMIN = 'hot-path-admin-token-0123456789';
const root = tempDir();
const imagesDir = path.join(root, 'images');
const servers: TestServer[] = [];

async function start(flags: string[] = [], clock?: Clock): Promise<TestServer> {
  const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, `cache${servers.length}`), ...flags], {
    GOIMGSERVER_SIGNING_SECRET: SECRET,
    GOIMGSERVER_ADMIN_TOKENS: `ops:${ADMIN}`,
  }, clock ? { clock } : {});
  servers.push(server);
  return server;
}

async function urlOf(server: TestServer, imagePath: string, width: number): Promise<string> {
  const response = await graphql<{ image: { url: string } }>(server.url, 'query($path: String!, $width: Int) { image(path: $path, width: $width) { url } }', { path: imagePath, width });
  return response.data?.image.url as string;
}

/** Counts the loads the route makes and the replays the hot path asks for; the calls still go through. */
function watch(server: TestServer) {
  return { load: jest.spyOn(server.app.service, 'load'), replay: jest.spyOn(server.app.serve, 'replay') };
}

/** Every header but those that differ per response by nature. */
function stableHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!['date', 'x-request-id', 'keep-alive', 'connection'].includes(name)) kept[name] = value;
  });
  return kept;
}

/** The header names exactly as sent (fetch folds their case). */
function rawHeaderNames(url: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    http.get(url, (response) => {
      response.resume();
      resolve(response.rawHeaders.filter((_value, index) => index % 2 === 0));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 1200, height: 800 });
  await makeSource(imagesDir, 'changing.jpg', { width: 600, height: 300 });
});
afterEach(() => jest.restoreAllMocks());
afterAll(() => Promise.all(servers.map((server) => server.close())));

describe('repeated image requests', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start();
  });

  it('are answered from memory below the route, with the same headers and bytes the route sends', async () => {
    const url = server.url + (await urlOf(server, 'photo', 300));
    const calls = watch(server);
    const miss = await fetchBody(url);
    expect(miss.headers.get('x-cache-status')).toBe('MISS');

    const hot = await fetchBody(url, { headers: { 'X-Request-Id': 'hot-1' } });
    expect(calls.load).toHaveBeenCalledTimes(1);
    expect(calls.replay).toHaveReturnedWith(expect.objectContaining({ data: expect.any(Buffer) }));
    expect(hot.status).toBe(200);
    expect(hot.body.equals(miss.body)).toBe(true);
    expect(hot.headers.get('x-request-id')).toBe('hot-1');

    // A conditional request that does not match goes through the route: its 200 is the reference.
    const routed = await fetchBody(url, { headers: { 'If-None-Match': '"something-else"', 'X-Request-Id': 'routed-1' } });
    expect(calls.load).toHaveBeenCalledTimes(2);
    expect(routed.headers.get('x-cache-status')).toBe('HIT');
    expect(stableHeaders(hot.headers)).toEqual(stableHeaders(routed.headers));
    expect(hot.headers.get('content-length')).toBe(String(miss.body.length));

    expect(server.logs).toContainEqual(expect.objectContaining({ reqId: 'hot-1', msg: 'request', method: 'GET', status: 200, cache: 'HIT', url: url.slice(server.url.length) }));
    // The same line as the route writes: the same fields in the same order, only the id and times differ.
    const lineOf = (reqId: string) => server.logs.find((line) => line.reqId === reqId && line.msg === 'request') as Record<string, unknown>;
    const [hotLine, routedLine] = [lineOf('hot-1'), lineOf('routed-1')];
    expect(Object.keys(hotLine)).toEqual(Object.keys(routedLine));
    const varying = new Set(['reqId', 'time', 'ms']);
    for (const key of Object.keys(routedLine).filter((name) => !varying.has(name))) expect([key, hotLine[key]]).toEqual([key, routedLine[key]]);
    expect(hotLine.ms).toEqual(expect.any(Number));
    const metrics = (await fetchBody(`${server.url}/metrics`)).body.toString();
    expect(metrics).toMatch(/goimgserver_http_requests_total\{route="\/img\/\*",status="200"\} 3/);
    expect(metrics).toMatch(/goimgserver_cache_hits_total 2/);
    // Names in lower case, as the route sends them.
    expect(await rawHeaderNames(url)).toEqual(expect.arrayContaining(['etag', 'cache-control', 'content-type', 'content-length', 'x-request-id', 'x-cache-status']));
  });

  it('get request ids of their own, from the same sequence as the route, unless the client sends a short token', async () => {
    const url = server.url + (await urlOf(server, 'photo', 305));
    const calls = watch(server);
    const routed = await fetchBody(url);
    const hot = [await fetchBody(url), await fetchBody(url)];
    const replaced = await fetchBody(url, { headers: { 'X-Request-Id': 'not a token; has spaces' } });
    // The first is not remembered yet and is a miss through the route; the other three are replayed from memory.
    expect(calls.replay.mock.results.map((result) => Buffer.isBuffer(result.value?.data))).toEqual([false, true, true, true]);

    const ids = [routed, ...hot, replaced].map((response) => response.headers.get('x-request-id') as string);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    expect(new Set(ids.map((id) => id.split('-')[0])).size).toBe(1);
  });

  it('still get 304 for a matching ETag and no body for HEAD, from the route', async () => {
    const url = server.url + (await urlOf(server, 'photo', 310));
    const first = await fetchBody(url);
    await fetchBody(url);
    const calls = watch(server);

    const notModified = await fetchBody(url, { headers: { 'If-None-Match': first.headers.get('etag') as string } });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toHaveLength(0);
    const head = await fetchBody(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toHaveLength(0);
    expect(head.headers.get('content-length')).toBe(String(first.body.length));
    expect(calls.replay).not.toHaveBeenCalled();
  });

  it('are verified by the route first: a URL that differs from a remembered one by its signature is refused', async () => {
    const url = server.url + (await urlOf(server, 'photo', 320));
    await fetchBody(url);
    await fetchBody(url);
    const tampered = url.replace(/s=([\w-])/, (_match, first: string) => `s=${first === 'A' ? 'B' : 'A'}`);
    expect(tampered).not.toBe(url);
    expect((await fetchBody(tampered)).status).toBe(403);
  });
});

describe('--log-hits false', () => {
  it('logs answers from memory at debug only, and still counts them', async () => {
    const server = await start(['--log-hits', 'false']);
    const url = server.url + (await urlOf(server, 'photo', 350));
    await fetchBody(url, { headers: { 'X-Request-Id': 'quiet-miss' } });
    await fetchBody(url, { headers: { 'X-Request-Id': 'quiet-hit' } });

    const lines = (id: string) => server.logs.filter((line) => line.reqId === id && line.msg === 'request');
    expect(lines('quiet-miss')).toEqual([expect.objectContaining({ level: 30, cache: 'MISS' })]);
    expect(lines('quiet-hit')).toEqual([expect.objectContaining({ level: 20, cache: 'HIT', status: 200 })]);
    expect(server.app.service.stats().cacheHits).toBe(1);
  });
});

describe('--source-check-interval', () => {
  it('reuses which file answers a path for that long: a source changed by hand shows after it', async () => {
    const clock = manualClock();
    const server = await start(['--source-check-interval', '1'], clock);
    const before = await urlOf(server, 'changing', 200);
    await fetchBody(server.url + before);

    await makeSource(imagesDir, 'changing.jpg', { width: 800, height: 400, colour: { r: 10, g: 20, b: 30 } });
    expect(await urlOf(server, 'changing', 200)).toBe(before);
    expect((await fetchBody(server.url + before)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    clock.advance(999);
    expect(await urlOf(server, 'changing', 200)).toBe(before);
    clock.advance(2);
    const after = await urlOf(server, 'changing', 200);
    expect(after).not.toBe(before);
    expect((await fetchBody(server.url + after)).headers.get('x-cache-status')).toBe('MISS');
    // The old URL still answers with the current image, now only briefly cacheable.
    expect((await fetchBody(server.url + before)).headers.get('cache-control')).toBe('public, max-age=60');
  });

  it('does not hold back clearing: an operator who changed a file and cleared it sees it at once', async () => {
    const server = await start(['--source-check-interval', '3600']);
    await makeSource(imagesDir, 'edited.jpg', { width: 600, height: 300 });
    const before = await urlOf(server, 'edited', 330);
    await fetchBody(server.url + before);
    expect((await fetchBody(server.url + before)).headers.get('x-cache-status')).toBe('HIT');

    await makeSource(imagesDir, 'edited.jpg', { width: 300, height: 600 });
    expect(await urlOf(server, 'edited', 330)).toBe(before);

    const cleared = await graphql(server.url, 'mutation { clearCache(path: "edited") { clearedFiles } }', {}, { authorization: `Bearer ${ADMIN}` });
    expect(cleared.data).toEqual({ clearCache: { clearedFiles: 1 } });
    const after = await urlOf(server, 'edited', 330);
    expect(after).not.toBe(before);
    const fresh = await fetchBody(server.url + after);
    expect(fresh.headers.get('x-cache-status')).toBe('MISS');
    expect(await inspect(fresh.body)).toMatchObject({ width: 300, height: 600 });
  });

  it('at 0 looks at the files on every request, so every request goes through the route', async () => {
    const server = await start(['--source-check-interval', '0']);
    const url = server.url + (await urlOf(server, 'photo', 340));
    const calls = watch(server);
    for (let i = 0; i < 3; i++) await fetchBody(url);
    expect(calls.load).toHaveBeenCalledTimes(3);
    expect(calls.replay).not.toHaveReturnedWith(expect.objectContaining({ data: expect.any(Buffer) }));
  });
});
