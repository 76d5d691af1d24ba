import path from 'node:path';
import { makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const env = { GOIMGSERVER_SIGNING_SECRET: 'operation-limits-secret-0123456789abcdef' };
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 300, height: 200 });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')], env);
});
afterAll(() => server.close());

const aliases = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: image(path: "photo", width: ${100 + i}) { width }`).join(' ')} }`;

describe('operation limits', () => {
  it('refuses 200 aliases of image before any resolver runs', async () => {
    const before = server.app.service.stats().metadataReads;
    const answer = await graphql(server.url, aliases(200));
    expect(answer.status).toBe(400);
    expect(answer.errors).toEqual([{ message: 'Expected at most 30 aliases in an operation (--max-aliases) but received more', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
    expect(server.app.service.stats().metadataReads).toBe(before);
  });

  it('answers up to the alias limit, counting aliases inside fragments', async () => {
    expect((await graphql(server.url, aliases(30))).errors).toBeUndefined();
    const viaFragments = `{ ...A ...B } fragment A on Query { ${Array.from({ length: 16 }, (_, i) => `a${i}: image(path: "photo") { width }`).join(' ')} }
      fragment B on Query { ${Array.from({ length: 16 }, (_, i) => `b${i}: image(path: "photo") { width }`).join(' ')} }`;
    expect((await graphql(server.url, viaFragments)).errors?.[0]?.message).toBe('Expected at most 30 aliases in an operation (--max-aliases) but received more');
  });

  it('refuses fragment cycles without measuring forever', async () => {
    const answer = await graphql(server.url, '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }');
    expect(answer.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses operations nested deeper than --max-depth, but not introspection', async () => {
    const shallow = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--max-depth', '1'], env);
    try {
      const answer = await graphql(shallow.url, '{ image(path: "photo") { width } }');
      expect(answer.errors?.[0]).toMatchObject({ message: 'Expected at most 1 levels of fields in an operation (--max-depth) but received more', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      const introspection = await graphql(shallow.url, '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }');
      expect(introspection.errors).toBeUndefined();
    } finally {
      await shallow.close();
    }
  });

  it('stops parsing a document with more tokens than --max-tokens', async () => {
    const answer = await graphql(server.url, `{ image(path: "photo") { ${'width '.repeat(5000)} } }`);
    expect(answer.errors?.[0]).toMatchObject({ message: expect.stringContaining('5000 tokens'), extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  });

  it('refuses batched operations', async () => {
    const response = await fetchBody(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ image(path: "photo") { width } }' }, { query: '{ image(path: "photo") { height } }' }]),
    });
    expect(response.status).toBe(400);
    expect(response.body.toString()).toContain('batching');
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const response = await fetchBody(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ image(path: "photo") { width } }', variables: { padding: 'x'.repeat(1024 * 1024) } }),
    });
    expect(response.status).toBe(413);
    expect(response.json()).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('answers a query over GET with no special header, as urql and CDNs send it', async () => {
    const url = `${server.url}/graphql?query=${encodeURIComponent('{ image(path: "photo") { width } }')}`;
    const plain = await fetchBody(url);
    expect(plain.json()).toEqual({ data: { image: { width: 300 } } });
  });
});
