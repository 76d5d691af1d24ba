import path from 'node:path';
import { makeSource } from '../helpers/images';
import type { Clock } from '../../src/clock';
import { fetchBody, graphql, manualClock, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const ADMIN = 'rate-admin-token-0123456789abcdef';
const env = { GOIMGSERVER_SIGNING_SECRET: 'rate-limit-test-secret-0123456789abcdef', GOIMGSERVER_ADMIN_TOKENS: `ops:${ADMIN}` };
const IMAGE = 'query($w: Int) { image(path: "photo", width: $w) { url } }';
const IMAGES = 'query($paths: [String!]!) { images(paths: $paths, width: 50) { width } }';
const STATS = '{ cacheStats { files } }';
const servers: TestServer[] = [];

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 300, height: 200 });
});
afterAll(() => Promise.all(servers.map((server) => server.close())));

async function start(flags: string[], clock?: Clock): Promise<TestServer> {
  const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, `cache-${servers.length}`), ...flags], env, clock ? { clock } : {});
  servers.push(server);
  return server;
}

const codeOf = (answer: { errors?: Array<{ extensions: { code: string } }> }) => answer.errors?.[0]?.extensions.code ?? 'ok';

describe('rate limits', () => {
  it('block image calls over the budget with RATE_LIMITED and the retry delay, then recover', async () => {
    const clock = manualClock();
    const server = await start(['--rate-limit-image', '3/10s'], clock);
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(codeOf(await graphql(server.url, IMAGE)));
    expect(codes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);

    // The clock stands still: the oldest call frees its slot a whole window from now.
    const blocked = await graphql(server.url, IMAGE);
    expect(blocked.errors?.[0]).toMatchObject({ message: 'Expected at most 3 image calls per 10 s from one client', extensions: { code: 'RATE_LIMITED', retryAfter: 10 } });

    clock.advance(9_000);
    expect(codeOf(await graphql(server.url, IMAGE))).toBe('RATE_LIMITED');
    clock.advance(1_001);
    expect(codeOf(await graphql(server.url, IMAGE))).toBe('ok');
  });

  it('count aliases of one field in one request together', async () => {
    const server = await start(['--rate-limit-image', '3/1m']);
    const aliased = await graphql(server.url, '{ a: image(path: "photo") { url } b: image(path: "photo") { url } c: image(path: "photo") { url } d: image(path: "photo") { url } }');
    expect(aliased.errors?.map((error) => error.extensions.code)).toEqual(['RATE_LIMITED']);
  });

  it('count images calls by the number of paths', async () => {
    const server = await start(['--rate-limit-images', '5/1m']);
    expect(codeOf(await graphql(server.url, IMAGES, { paths: ['photo', 'photo', 'photo'] }))).toBe('ok');
    const over = await graphql(server.url, IMAGES, { paths: ['photo', 'photo', 'photo'] });
    expect([codeOf(over), over.errors?.[0]?.message]).toEqual(['RATE_LIMITED', 'Expected at most 5 paths through images and responsiveImages, and images of folder pages per 60 s from one client']);
    expect(codeOf(await graphql(server.url, IMAGES, { paths: ['photo', 'photo'] }))).toBe('ok');
  });

  it('count nothing of a batch refused for having too many paths', async () => {
    const server = await start(['--rate-limit-images', '150/1m']);
    const tooMany = await graphql(server.url, IMAGES, { paths: Array(101).fill('photo') });
    expect([codeOf(tooMany), tooMany.errors?.[0]?.message]).toEqual(['BAD_USER_INPUT', 'Expected at most 100 paths for paths but received "101 paths"']);
    expect(codeOf(await graphql(server.url, IMAGES, { paths: Array(100).fill('photo') }))).toBe('ok');
  });

  it('count every administrative attempt, so tokens cannot be guessed at speed', async () => {
    const server = await start(['--rate-limit-admin', '3/1m']);
    const wrong = { authorization: 'Bearer guess-guess-guess-guess' };
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(codeOf(await graphql(server.url, STATS, {}, wrong)));
    expect(codes).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'RATE_LIMITED']);
    expect(codeOf(await graphql(server.url, STATS, {}, { authorization: `Bearer ${ADMIN}` }))).toBe('ok');
  });

  it('keep budgets per client: an administrator has its own, other fields have their own', async () => {
    const server = await start(['--rate-limit-image', '1/1m']);
    expect(codeOf(await graphql(server.url, IMAGE))).toBe('ok');
    expect(codeOf(await graphql(server.url, IMAGE))).toBe('RATE_LIMITED');
    expect(codeOf(await graphql(server.url, IMAGE, {}, { authorization: `Bearer ${ADMIN}` }))).toBe('ok');
    expect(codeOf(await graphql(server.url, IMAGES, { paths: ['photo'] }))).toBe('ok');
  });

  it('trust X-Forwarded-For only from configured proxies', async () => {
    const direct = await start(['--rate-limit-image', '1/1m']);
    const proxied = await start(['--rate-limit-image', '1/1m', '--trusted-proxies', '127.0.0.1']);
    const from = (address: string) => ({ 'x-forwarded-for': address });

    expect(codeOf(await graphql(direct.url, IMAGE, {}, from('203.0.113.1')))).toBe('ok');
    expect(codeOf(await graphql(direct.url, IMAGE, {}, from('203.0.113.2')))).toBe('RATE_LIMITED');

    expect(codeOf(await graphql(proxied.url, IMAGE, {}, from('203.0.113.1')))).toBe('ok');
    expect(codeOf(await graphql(proxied.url, IMAGE, {}, from('203.0.113.2')))).toBe('ok');
    expect(codeOf(await graphql(proxied.url, IMAGE, {}, from('203.0.113.1')))).toBe('RATE_LIMITED');
  });

  it('limit renders on the bytes route with 429 and Retry-After, never cache hits, and let renders again once the window moves on', async () => {
    const clock = manualClock();
    const server = await start(['--rate-limit-renders', '2/1m'], clock);
    const urls = [];
    for (const width of [60, 70, 80]) {
      const answer = await graphql<{ image: { url: string } }>(server.url, IMAGE, { w: width });
      urls.push(answer.data!.image.url);
    }
    const [first, second, third] = urls as [string, string, string];
    expect((await fetchBody(server.url + first)).status).toBe(200);
    expect((await fetchBody(server.url + second)).status).toBe(200);
    const refused = await fetchBody(server.url + third);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.json()).toEqual({ code: 'RATE_LIMITED', message: 'Expected at most 2 renders per 60 s from one client' });
    for (let i = 0; i < 5; i++) {
      const hit = await fetchBody(server.url + first);
      expect([hit.status, hit.headers.get('x-cache-status')]).toEqual([200, 'HIT']);
    }
    clock.advance(59_000);
    expect((await fetchBody(server.url + third)).status).toBe(429);
    clock.advance(1_001);
    expect((await fetchBody(server.url + third)).status).toBe(200);
  });

  it('count a page of a folder against the images budget, each image it may hold', async () => {
    const server = await start(['--rate-limit-images', '10/1m'], manualClock());
    const PAGE = 'query($n: Int) { folder { images(first: $n) { totalCount } } }';
    const codes = [];
    for (const first of [6, 4, 1]) codes.push(codeOf(await graphql(server.url, PAGE, { n: first })));
    expect(codes).toEqual(['ok', 'ok', 'RATE_LIMITED']);
    const refused = await graphql(server.url, PAGE, { n: 1 });
    expect(refused.errors?.[0]?.message).toBe('Expected at most 10 paths through images and responsiveImages, and images of folder pages per 60 s from one client');
  });

  it('count a dominant colour as a render, once per source', async () => {
    const server = await start(['--rate-limit-renders', '2/1m'], manualClock());
    await makeSource(imagesDir, 'more/a.jpg', { width: 40, height: 30 });
    await makeSource(imagesDir, 'more/b.jpg', { width: 40, height: 30 });
    const COLOUR = 'query($p: String!) { source(path: $p) { dominantColor } }';
    const codes = [];
    for (const source of ['photo', 'more/a', 'photo', 'more/b']) codes.push(codeOf(await graphql(server.url, COLOUR, { p: source })));
    expect(codes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
  });

  it('count looking for a trim border in the pixels as a render, once per source, threshold and crop', async () => {
    const server = await start(['--rate-limit-renders', '2/1m'], manualClock());
    const TRIM = 'query($t: Int) { image(path: "photo", width: 50, trim: $t) { url } }';
    const codes = [];
    for (const threshold of [10, 20, 10, 30]) codes.push(codeOf(await graphql(server.url, TRIM, { t: threshold })));
    // The third asks for a border already found: nothing is read again, and nothing counted.
    expect(codes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
  });
});
