import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'admin-test-signing-secret-0123456789abcdef';
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef';
const CLEAR = 'mutation Clear($path: String) { clearCache(path: $path) { clearedFiles freedBytes } }';
const STATS = '{ cacheStats { files bytes hits misses hitRate } }';
const URL_OF = 'query($path: String!, $width: Int) { image(path: $path, width: $width) { url } }';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const cacheDir = path.join(root, 'cache');
const auditFile = path.join(root, 'audit.jsonl');
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'landscape.jpg', { width: 600, height: 400 });
  await makeSource(imagesDir, 'cats/default.jpg', { width: 400, height: 300 });
  await makeSource(imagesDir, 'cats/cat_white.jpg', { width: 300, height: 400 });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--audit-file', auditFile], {
    GOIMGSERVER_SIGNING_SECRET: SECRET,
    GOIMGSERVER_ADMIN_TOKENS: `alice:${ALICE}, bob:${BOB}`,
  });
});
afterAll(() => server.close());

const as = (token: string | undefined): Record<string, string> => (token === undefined ? {} : { authorization: `Bearer ${token}` });

/** Fetches an image through a signed URL, so that its variant is cached. */
async function cacheVariant(imagePath: string, width: number): Promise<string> {
  const answer = await graphql<{ image: { url: string } }>(server.url, URL_OF, { path: imagePath, width });
  const url = answer.data!.image.url;
  expect((await fetchBody(server.url + url)).status).toBe(200);
  return url;
}

function derivativesIn(folder: string): string[] {
  const dir = path.join(cacheDir, folder);
  return existsSync(dir) ? readdirSync(dir).filter((name) => /^[0-9a-f]{32}\./.test(name)) : [];
}

describe('who may administer', () => {
  const operations: Array<[string, string, Record<string, unknown>]> = [
    ['cacheStats', STATS, {}],
    ['clearCache', CLEAR, { path: 'nothing-here' }],
  ];

  describe.each(operations)('%s', (field, query, variables) => {
    it.each([
      ['no Authorization header', {}, 'UNAUTHENTICATED'],
      ['a Basic header', { authorization: 'Basic YWxpY2U6c2VjcmV0' }, 'UNAUTHENTICATED'],
      ['an empty bearer', { authorization: 'Bearer ' }, 'UNAUTHENTICATED'],
      ['an unknown token', as('mallory-token-0123456789abcdef'), 'FORBIDDEN'],
      ['a token with one character changed', as(`${ALICE.slice(0, -1)}X`), 'FORBIDDEN'],
      ['a known token with something appended', as(`${ALICE}x`), 'FORBIDDEN'],
    ])('is refused with %s', async (_name, headers, code) => {
      const answer = await graphql(server.url, query, variables, headers);
      expect(answer.errors).toEqual([expect.objectContaining({ path: [field], extensions: { code } })]);
      expect(answer.data).toBeNull();
    });

    it.each([['alice', ALICE], ['bob', BOB]])('is answered for %s', async (_name, token) => {
      const answer = await graphql(server.url, query, variables, as(token));
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toHaveProperty(field);
    });
  });

  it('lets anyone ask for images, whatever token they send', async () => {
    const answer = await graphql(server.url, URL_OF, { path: 'landscape' }, as('mallory-token-0123456789abcdef'));
    expect(answer.errors).toBeUndefined();
  });

  it('keeps the codes of resolver errors behind the permission rules', async () => {
    const [badPath, badWidth] = await Promise.all([
      graphql(server.url, CLEAR, { path: '../../etc' }, as(ALICE)),
      graphql(server.url, URL_OF, { path: 'landscape', width: 1 }),
    ]);
    expect(badPath.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(badWidth.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses every token when no administrator is configured', async () => {
    const closed = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir], { GOIMGSERVER_SIGNING_SECRET: SECRET });
    try {
      const answer = await graphql(closed.url, STATS, {}, as(ALICE));
      expect(answer.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    } finally {
      await closed.close();
    }
  });
});

describe('clearCache', () => {
  it("clears one image's variants under every spelling of its path, and nothing else", async () => {
    await cacheVariant('landscape', 100);
    await cacheVariant('cats', 100);
    const white = await cacheVariant('cats/cat_white', 100);
    await cacheVariant('cats/cat_white', 120);
    await cacheVariant('cats/cat_white.jpg', 100);
    const doomed = [...derivativesIn('cats/cat_white'), ...derivativesIn('cats/cat_white.jpg')];
    expect(doomed).toHaveLength(3);
    const doomedBytes = [
      ...derivativesIn('cats/cat_white').map((name) => statSync(path.join(cacheDir, 'cats/cat_white', name)).size),
      ...derivativesIn('cats/cat_white.jpg').map((name) => statSync(path.join(cacheDir, 'cats/cat_white.jpg', name)).size),
    ].reduce((a, b) => a + b, 0);

    const answer = await graphql(server.url, CLEAR, { path: 'cats/cat_white' }, as(ALICE));
    expect(answer.data).toEqual({ clearCache: { clearedFiles: 3, freedBytes: doomedBytes } });
    expect([derivativesIn('cats/cat_white'), derivativesIn('cats/cat_white.jpg')]).toEqual([[], []]);
    expect(derivativesIn('cats')).toHaveLength(1);
    expect(derivativesIn('landscape')).toHaveLength(1);

    const again = await fetchBody(server.url + white);
    expect(again.headers.get('x-cache-status')).toBe('MISS');
  });

  it('clears everything without a path, and keeps serving', async () => {
    await cacheVariant('landscape', 110);
    const answer = await graphql<{ clearCache: { clearedFiles: number } }>(server.url, CLEAR, {}, as(BOB));
    expect(answer.data!.clearCache.clearedFiles).toBeGreaterThan(0);
    // The files go in the background; what was cleared is never served meanwhile.
    for (let wait = 0; wait < 200 && readdirSync(cacheDir).some((name) => !name.startsWith('.')); wait++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(readdirSync(cacheDir).filter((name) => !name.startsWith('.'))).toEqual([]);
    expect((await fetchBody(server.url + (await cacheVariant('landscape', 110)))).headers.get('x-cache-status')).toBe('HIT');
  });

  it('keeps the generated placeholder, which the fallback chain needs', async () => {
    const bare = path.join(root, 'bare-images');
    const bareCache = path.join(root, 'bare-cache');
    await makeSource(bare, 'one.jpg', { width: 50, height: 50 });
    const placeholderServer = await startServer(['--imagesdir', bare, '--cachedir', bareCache], {
      GOIMGSERVER_SIGNING_SECRET: SECRET,
      GOIMGSERVER_ADMIN_TOKENS: `alice:${ALICE}`,
    });
    try {
      await graphql(placeholderServer.url, CLEAR, {}, as(ALICE));
      const answer = await graphql<{ image: { url: string } }>(placeholderServer.url, URL_OF, { path: 'missing', width: 100 });
      const fetched = await fetchBody(placeholderServer.url + answer.data!.image.url);
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('x-image-source')).toBe('GENERATED');
    } finally {
      await placeholderServer.close();
    }
  });
});

describe('cacheStats', () => {
  it('counts files, bytes, hits and misses', async () => {
    type Stats = { files: number; bytes: number; hits: number; misses: number; hitRate: number };
    const before = (await graphql<{ cacheStats: Stats }>(server.url, STATS, {}, as(ALICE))).data!.cacheStats;
    const url = await cacheVariant('landscape', 130);
    await fetchBody(server.url + url);
    await fetchBody(server.url + url);
    const after = (await graphql<{ cacheStats: Stats }>(server.url, STATS, {}, as(ALICE))).data!.cacheStats;
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(2);
    expect(after.files - before.files).toBe(1);
    expect(after.bytes).toBeGreaterThan(before.bytes);
    expect(after.hitRate).toBeCloseTo(after.hits / (after.hits + after.misses));
  });
});

describe('the audit trail', () => {
  it('records each administrative action with the admin name, never the token, in the log and the audit file', async () => {
    await graphql(server.url, CLEAR, { path: 'landscape' }, as(BOB));
    await graphql(server.url, CLEAR, { path: '.git' }, as(BOB));
    const lines = server.logs.filter((line) => line.msg === 'admin action').map((line) => line.audit as Record<string, unknown>);
    expect(lines).toEqual(
      expect.arrayContaining([
        { admin: 'bob', action: 'clearCache', args: { path: 'landscape' }, outcome: 'ok', ms: expect.any(Number) },
        { admin: 'bob', action: 'clearCache', args: { path: '.git' }, outcome: 'error', code: 'BAD_USER_INPUT', ms: expect.any(Number) },
      ]),
    );
    const file = readFileSync(auditFile, 'utf8');
    const entries = file.trim().split('\n').map((line) => JSON.parse(line));
    expect(entries).toEqual(expect.arrayContaining([expect.objectContaining({ admin: 'bob', action: 'clearCache', args: { path: '.git' }, outcome: 'error', time: expect.any(String) })]));
    expect(JSON.stringify(server.logs) + file).not.toMatch(new RegExp(`${ALICE}|${BOB}`));
  });
});
