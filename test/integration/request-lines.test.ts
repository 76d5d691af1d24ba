import net from 'node:net';
import path from 'node:path';
import { COMMON_HEADERS } from '../../src/http/request-ids';
import { makeSource } from '../helpers/images';
import { graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const TOKEN = 'ops-token-0123456789abcdef';
let server: TestServer;

beforeAll(async () => {
  const imagesDir = path.join(root, 'images');
  await makeSource(imagesDir, 'photo.jpg', { width: 300, height: 200 });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')], {
    GOIMGSERVER_SIGNING_SECRET: 'request-lines-secret-0123456789abcdefg',
    GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}`,
  });
});
afterAll(() => server.close());

const lineOf = (requestId: string) => server.logs.find((line) => line.msg === 'request' && line.reqId === requestId);

describe('GraphQL request lines', () => {
  it('name the operation, its root fields and the codes it answered with, never its arguments', async () => {
    await graphql(server.url, 'query Gallery($p: String!) { hero: image(path: $p, width: 100) { url } images(paths: ["photo", "../secret"]) { url } }', { p: 'photo' }, { 'x-request-id': 'gallery-1' });
    expect(lineOf('gallery-1')).toMatchObject({ status: 200, graphql: { operation: 'Gallery', fields: ['image', 'images'], codes: ['BAD_USER_INPUT'] } });
    expect(JSON.stringify(lineOf('gallery-1'))).not.toContain('secret');
  });

  it('tell an anonymous operation that answered cleanly', async () => {
    await graphql(server.url, '{ imagePresets { name } }', {}, { 'x-request-id': 'presets-1' });
    expect(lineOf('presets-1')).toMatchObject({ graphql: { operation: null, fields: ['imagePresets'], codes: [] } });
  });

  it('carry the code of a refused administrative attempt, which the audit trail records too', async () => {
    await graphql(server.url, 'mutation Clear { clearCache { clearedFiles } }', {}, { authorization: 'Bearer not-a-real-token-0123', 'x-request-id': 'clear-1' });
    expect(lineOf('clear-1')).toMatchObject({ graphql: { operation: 'Clear', fields: ['clearCache'], codes: ['FORBIDDEN'] } });
    expect(server.logs).toContainEqual(expect.objectContaining({ msg: 'admin action', reqId: 'clear-1', audit: expect.objectContaining({ admin: null, action: 'clearCache', outcome: 'refused', code: 'FORBIDDEN' }) }));
    expect(JSON.stringify(server.logs)).not.toContain('not-a-real-token');
  });
});

describe('GraphQL requests refused before their operation runs', () => {
  it('tell the operation and fields of a mutation sent over GET (405)', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('mutation Clear { clearCache { clearedFiles } }')}`, { headers: { 'x-request-id': 'get-mutation-1' } });
    expect(response.status).toBe(405);
    expect(lineOf('get-mutation-1')).toMatchObject({ graphql: { operation: 'Clear', fields: ['clearCache'], codes: ['BAD_REQUEST'] } });
  });

  it('log a GET without its query string: the document and its variables stay out of the log', async () => {
    const query = 'query Secretive($p: String!) { image(path: $p) { url } }';
    const search = new URLSearchParams({ query, variables: JSON.stringify({ p: 'photo-of-a-secret-place' }) });
    const response = await fetch(`${server.url}/graphql?${search}`, { headers: { 'x-request-id': 'get-query-1' } });
    expect(response.status).toBe(200);
    expect(lineOf('get-query-1')).toMatchObject({ method: 'GET', url: '/graphql', graphql: { operation: 'Secretive', fields: ['image'] } });
    expect(JSON.stringify(server.logs)).not.toContain('secret-place');
  });

  it('log a request that matched no route without its query string (a client set up with a trailing slash)', async () => {
    const response = await fetch(`${server.url}/graphql/?query=${encodeURIComponent('{ image(path: "x") { url } }')}&variables=${encodeURIComponent('{"p":"secret-of-a-slash"}')}`, { headers: { 'x-request-id': 'slash-1' } });
    expect(response.status).toBe(404);
    expect(lineOf('slash-1')).toMatchObject({ url: '/graphql/', status: 404, code: 'NOT_FOUND' });
    expect(JSON.stringify(server.logs)).not.toContain('secret-of-a-slash');
  });

  it.each([
    ['a body that is not an object', { 'content-type': 'application/json' }, '"just a string"', 400],
    ['a body without a query', { 'content-type': 'application/json' }, '{"variables":{}}', 400],
    ['variables that are not an object', { 'content-type': 'application/json' }, '{"query":"{ __typename }","variables":"x"}', 400],
  ])('carry the code of %s, which Apollo refuses before running anything', async (_title, headers, body, status) => {
    const requestId = `early-${body.length}`;
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { ...headers, 'x-request-id': requestId }, body });
    expect(response.status).toBe(status);
    // As the line's code when Apollo refused before its plugins ran, among the operation's codes when after.
    const line = lineOf(requestId) as { status: number; code?: string; graphql?: { codes: string[] } };
    expect(line.status).toBe(status);
    expect([line.code, ...(line.graphql?.codes ?? [])]).toContain('BAD_REQUEST');
  });

  it('refuse a subscription, which the schema has none of, as a client mistake before anything runs', async () => {
    const answer = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'subscription-1' }, body: JSON.stringify({ query: 'subscription Live { __typename }' }) });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    expect(lineOf('subscription-1')).toMatchObject({ graphql: { operation: 'Live', fields: ['__typename'], codes: ['GRAPHQL_VALIDATION_FAILED'] } });
    expect(server.logs.filter((line) => line.reqId === 'subscription-1' && Number(line.level) >= 50)).toEqual([]);
  });

  it('send its own refusals in the type the Accept header chose, as Apollo does its own', async () => {
    const aliases = Array.from({ length: 31 }, (_, index) => `a${index}: imagePresets { name }`).join(' ');
    const answer = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify({ query: `{ ${aliases} }` }) });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    expect(await answer.json()).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  });

  it('refuse an Accept header no GraphQL answer suits with 406 before anything runs, a mutation included', async () => {
    const answer = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/xml', authorization: `Bearer ${TOKEN}`, 'x-request-id': 'accept-1' },
      body: JSON.stringify({ query: 'mutation { clearCache(path: "photo") { clearedFiles } }' }),
    });
    expect(answer.status).toBe(406);
    expect(await answer.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    expect(lineOf('accept-1')).toMatchObject({ status: 406, code: 'BAD_REQUEST' });
    expect(server.logs.filter((line) => line.msg === 'admin action' && line.reqId === 'accept-1')).toEqual([]);
  });

  it.each([
    ['application/graphql-response+json', 'application/graphql-response+json; charset=utf-8'],
    ['application/graphql-response+json, application/json;q=0.9', 'application/graphql-response+json; charset=utf-8'],
    ['text/html, */*;q=0.1', 'application/json; charset=utf-8'],
  ])('answer Accept: %s as %s, as Apollo chooses', async (accept, type) => {
    const answer = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query: '{ imagePresets { name } }' }) });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe(type);
  });
});

describe('requests GraphQL or Apollo refuse without a code of their own', () => {
  it.each([
    ['a null for a non-null argument, through a nullable variable', { query: 'query ($p: String) { folder(path: $p) { path } }', variables: { p: null } }, 200, 'BAD_USER_INPUT'],
    ['a persisted query whose hash is not its document', { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }, 400, 'BAD_REQUEST'],
    ['a persisted query of an unknown version', { query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: 'abc' } } }, 400, 'BAD_REQUEST'],
  ])('answer %s with a client code, logging no error', async (_title, body, status, code) => {
    const requestId = `uncoded-${code}-${status}-${JSON.stringify(body).length}`;
    const answer = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId }, body: JSON.stringify(body) });
    expect(answer.status).toBe(status);
    expect(((await answer.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe(code);
    expect(server.logs.filter((line) => line.reqId === requestId && Number(line.level) >= 50)).toEqual([]);
  });
});

describe('a request for no route', () => {
  it('is answered by the one error translator: JSON with its code, the common headers, and the code in its request line', async () => {
    const response = await fetch(`${server.url}/nowhere?x=1`, { headers: { 'x-request-id': 'nowhere-1' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect([response.headers.get('x-request-id'), response.headers.get('x-content-type-options'), response.headers.get('cache-control')]).toEqual(['nowhere-1', 'nosniff', 'no-store']);
    expect(await response.json()).toEqual({ code: 'NOT_FOUND', message: 'No route for GET /nowhere' });
    expect(lineOf('nowhere-1')).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});

/** Sends raw bytes on a new connection and resolves with everything the server sends until it closes it. */
function exchange(url: string, bytes: Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

describe('a request that Node\'s HTTP parser refuses', () => {
  it('is answered in the same JSON shape with the common headers, and the connection closed', async () => {
    // A raw byte outside ASCII in the URL: no route ever sees the request.
    const answer = await exchange(server.url, Buffer.concat([Buffer.from('GET /img/'), Buffer.from([0xe9]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]));
    const [head = '', body] = answer.split('\r\n\r\n');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
    for (const [name, value] of Object.entries(COMMON_HEADERS)) expect(headers[name.toLowerCase()]).toBe(value);
    expect([headers['cache-control'], headers['connection']]).toEqual(['no-store', 'close']);
    expect(JSON.parse(body ?? '')).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
