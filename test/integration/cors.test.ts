import path from 'node:path';
import { makeSource } from '../helpers/images';
import { fetchBody, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const TOKEN = 'ops-token-0123456789abcdef';
const env = { GOIMGSERVER_SIGNING_SECRET: 'cors-test-secret-0123456789abcdefghij', GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}` };
const APP = 'https://app.example.com';
const ADMIN_APP = 'https://admin.example.com';
const QUERY = '{ image(path: "photo", width: 100) { url width } }';

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 300, height: 200 });
});

function preflight(server: TestServer, url: string, origin: string, headers = 'content-type') {
  return fetchBody(`${server.url}${url}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers } });
}

function post(server: TestServer, origin: string, query: string, headers: Record<string, string> = {}) {
  return fetchBody(`${server.url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
}

describe('browsers on other origins, with the defaults', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')], env);
  });
  afterAll(() => server.close());

  it('answers a preflight of /graphql from any origin, without the Authorization header', async () => {
    const response = await preflight(server, '/graphql', APP, 'content-type, authorization');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(response.headers.get('access-control-allow-headers')).not.toContain('authorization');
    expect(response.headers.get('access-control-max-age')).toBe('600');
  });

  it('lets a page on another origin run public queries and read the request id', async () => {
    const response = await post(server, APP, QUERY);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toBe('X-Request-Id');
    expect(response.json().data.image.width).toBe(100);
  });

  it('refuses an Authorization header from an origin not listed for administration', async () => {
    const response = await post(server, APP, 'mutation { clearCache { clearedFiles } }', { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(403);
    expect(response.json()).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('--cors-admin-origins') });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it("lets the server's own pages (the playground) administer", async () => {
    const own = new URL(server.url).origin;
    const response = await post(server, own, 'mutation { clearCache { clearedFiles } }', { authorization: `Bearer ${TOKEN}` });
    expect(response.json()).toEqual({ data: { clearCache: { clearedFiles: 0 } } });
  });

  it('answers a query over GET with no preflight header, and never a mutation over GET', async () => {
    const query = await fetchBody(`${server.url}/graphql?query=${encodeURIComponent(QUERY)}`, { headers: { origin: APP } });
    expect(query.json().data.image.width).toBe(100);
    const mutation = await fetchBody(`${server.url}/graphql?query=${encodeURIComponent('mutation { clearCache { clearedFiles } }')}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(mutation.status).toBe(405);
    expect(mutation.body.toString()).not.toContain('clearedFiles":');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])('never runs a POST sent as %s, which a page may send without a preflight', async (type) => {
    const response = await fetchBody(`${server.url}/graphql`, {
      method: 'POST',
      headers: { origin: APP, 'content-type': type, authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: 'mutation { clearCache { clearedFiles } }' }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.body.toString()).not.toContain('clearedFiles":');
  });

  it('answers a preflight of /img from any origin, and errors of /img are readable from any origin too', async () => {
    const response = await fetchBody(`${server.url}/img/photo/100`, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
    const refused = await fetchBody(`${server.url}/img/photo/100`, { headers: { origin: APP } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('browsers on other origins, with listed origins', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache2'), '--cors-origins', `${APP},${ADMIN_APP}`, '--cors-admin-origins', ADMIN_APP], env);
  });
  afterAll(() => server.close());

  it('answers only the listed origins, naming the origin and varying on it', async () => {
    const listed = await preflight(server, '/graphql', APP);
    expect(listed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(listed.headers.get('vary')).toContain('Origin');
    const stranger = await preflight(server, '/graphql', 'https://evil.example.net');
    expect(stranger.status).toBe(204);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(server, 'https://evil.example.net', QUERY)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('treats the API reached through another spelling of its path (/%67raphql) as /graphql', async () => {
    const response = await fetchBody(`${server.url}/%67raphql?query=${encodeURIComponent(QUERY)}`, { headers: { origin: APP } });
    expect(response.json().data.image.width).toBe(100);
    expect([response.headers.get('vary'), response.headers.get('access-control-allow-origin')]).toEqual(['Origin, Accept', APP]);
    const refused = await fetchBody(`${server.url}/%67raphql`, {
      method: 'POST',
      headers: { origin: 'https://evil.example.net', 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: 'mutation { clearCache { clearedFiles } }' }),
    });
    expect(refused.status).toBe(403);
  });

  it('refuses the Authorization header from an origin it does not list at all, as from a listed one', async () => {
    for (const origin of ['https://evil.example.net', APP]) {
      const response = await post(server, origin, 'mutation { clearCache { clearedFiles } }', { authorization: `Bearer ${TOKEN}` });
      expect(response.status).toBe(403);
      expect(response.json()).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('--cors-admin-origins') });
    }
  });

  it('varies every answer of /graphql on the Origin, so a cache never gives one origin what another got (a GET on its Accept too, which chooses its type)', async () => {
    const get = (headers: Record<string, string>) => fetchBody(`${server.url}/graphql?query=${encodeURIComponent(QUERY)}`, { headers });
    const [none, stranger, listed] = await Promise.all([get({}), get({ origin: 'https://evil.example.net' }), get({ origin: APP })]);
    for (const response of [none, stranger, listed]) {
      expect(response.json().data.image.width).toBe(100);
      expect(response.headers.get('vary')).toBe('Origin, Accept');
    }
    expect([none, stranger, listed].map((response) => response.headers.get('access-control-allow-origin'))).toEqual([null, null, APP]);
    expect((await preflight(server, '/graphql', 'https://evil.example.net')).headers.get('vary')).toBe('Origin');
  });

  it('lets the administration origin send the Authorization header', async () => {
    const allowed = await preflight(server, '/graphql', ADMIN_APP, 'content-type, authorization');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const response = await post(server, ADMIN_APP, 'mutation { clearCache { clearedFiles } }', { authorization: `Bearer ${TOKEN}` });
    expect(response.json()).toEqual({ data: { clearCache: { clearedFiles: 0 } } });
    expect(response.headers.get('access-control-allow-origin')).toBe(ADMIN_APP);
  });
});

describe('browsers on other origins, with an administration origin that --cors-origins does not list', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache3'), '--cors-origins', APP, '--cors-admin-origins', ADMIN_APP], env);
  });
  afterAll(() => server.close());

  it('answers the administration origin as a listed one: queries, the Authorization header and mutations', async () => {
    const allowed = await preflight(server, '/graphql', ADMIN_APP, 'content-type, authorization');
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ADMIN_APP);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const query = await post(server, ADMIN_APP, QUERY);
    expect(query.headers.get('access-control-allow-origin')).toBe(ADMIN_APP);
    expect(query.json().data.image.width).toBe(100);
    const mutation = await post(server, ADMIN_APP, 'mutation { clearCache { clearedFiles } }', { authorization: `Bearer ${TOKEN}` });
    expect(mutation.json()).toEqual({ data: { clearCache: { clearedFiles: 0 } } });
    expect(mutation.headers.get('access-control-allow-origin')).toBe(ADMIN_APP);
  });

  it('still answers other origins only as --cors-origins says', async () => {
    const listed = await preflight(server, '/graphql', APP, 'content-type, authorization');
    expect(listed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(listed.headers.get('access-control-allow-headers')).not.toContain('authorization');
    const stranger = await post(server, 'https://evil.example.net', QUERY);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('browsers on other origins, with listed origins and any origin for administration', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache4'), '--cors-origins', APP, '--cors-admin-origins', '*'], env);
  });
  afterAll(() => server.close());

  it('answers every origin, naming it, with the Authorization header allowed', async () => {
    const other = 'https://ops.example.org';
    const allowed = await preflight(server, '/graphql', other, 'content-type, authorization');
    expect(allowed.headers.get('access-control-allow-origin')).toBe(other);
    expect(allowed.headers.get('vary')).toContain('Origin');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const mutation = await post(server, other, 'mutation { clearCache { clearedFiles } }', { authorization: `Bearer ${TOKEN}` });
    expect(mutation.json()).toEqual({ data: { clearCache: { clearedFiles: 0 } } });
  });
});
