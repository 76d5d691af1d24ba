import path from 'node:path';
import { makeSource } from '../helpers/images';
import { graphql, spawnServer, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const ADMIN = 'tokens-admin-token-0123456789abcdef';
const SHOP = 'tokens-shop-app-token-0123456789abc';
const BLOG = 'tokens-blog-app-token-0123456789abc';
const env = {
  GOIMGSERVER_SIGNING_SECRET: 'client-token-test-secret-0123456789abcdef',
  GOIMGSERVER_ADMIN_TOKENS: `ops:${ADMIN}`,
  GOIMGSERVER_CLIENT_TOKENS: `shop:${SHOP}, blog:${BLOG}`,
};
const IMAGE = 'query Hero { image(path: "photo", width: 100) { url } }';
const IMAGES = 'query($paths: [String!]!) { images(paths: $paths, width: 50) { width } }';
const PLACEHOLDERS = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `p${i}: responsive(path: "photo", widths: [${100 + i}], height: ${50 + i}, fit: COVER) { placeholder { color } }`).join(' ')} }`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const codeOf = (answer: { errors?: Array<{ extensions: { code: string } }> }) => answer.errors?.[0]?.extensions.code ?? 'ok';

let server: TestServer;
beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 300, height: 200 });
  server = await startServer(
    ['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--rate-limit-image', '2/1m', '--rate-limit-images', '3/1m', '--rate-limit-renders', '1/1m', '--client-token-factor', '3'],
    env,
  );
});
afterAll(() => server.close());

describe('client tokens (apps rendering on a server)', () => {
  it('give each app budgets of its own, the per-client ones times the factor, apart from its address', async () => {
    const codes = async (headers: Record<string, string>, n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) out.push(codeOf(await graphql(server.url, IMAGE, {}, headers)));
      return out;
    };
    expect(await codes(bearer(SHOP), 7)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'RATE_LIMITED']);
    // Another app, and the anonymous visitors at the same address, are untouched by the shop's use.
    expect(await codes(bearer(BLOG), 1)).toEqual(['ok']);
    expect(await codes({}, 3)).toEqual(['ok', 'ok', 'RATE_LIMITED']);
    expect(codeOf(await graphql(server.url, IMAGES, { paths: Array(9).fill('photo') }, bearer(BLOG)))).toBe('ok');
    expect(codeOf(await graphql(server.url, IMAGES, { paths: ['photo'] }, bearer(BLOG)))).toBe('RATE_LIMITED');
  });

  it('grow the render budget of placeholders by the same factor', async () => {
    const answer = await graphql(server.url, PLACEHOLDERS(4), {}, bearer(SHOP));
    expect(answer.errors?.map((error) => error.extensions.code)).toEqual(['RATE_LIMITED']);
  });

  it('administer nothing: FORBIDDEN like any token that is not an administrator', async () => {
    const answer = await graphql(server.url, 'mutation { clearCache { clearedFiles } }', {}, bearer(BLOG));
    expect(codeOf(answer)).toBe('FORBIDDEN');
    expect(codeOf(await graphql(server.url, '{ cacheStats { files } }', {}, bearer(ADMIN)))).toBe('ok');
  });

  it('name the app in the request line, never its token', async () => {
    await graphql(server.url, IMAGE, {}, bearer(BLOG));
    const line = server.logs.filter((entry) => (entry as { graphql?: { caller?: string } }).graphql?.caller === 'client:blog').at(-1);
    expect(line).toMatchObject({ graphql: { operation: 'Hero', fields: ['image'], caller: 'client:blog' } });
    expect(JSON.stringify(server.logs)).not.toContain(BLOG);
  });
});

describe('client token configuration', () => {
  it.each([
    [{ GOIMGSERVER_CLIENT_TOKENS: 'shop:short' }, 'GOIMGSERVER_CLIENT_TOKENS'],
    [{ GOIMGSERVER_CLIENT_TOKENS: `shop:${ADMIN}` }, 'share no token'],
  ])('refuses %j at start-up, naming the setting', async (extra, expected) => {
    const started = spawnServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'bad-cache'), '--precache', 'false'], { ...env, ...extra }, root);
    await expect(started).rejects.toThrow(expected);
  });

  it('refuses client tokens as a flag, like every secret', async () => {
    const started = spawnServer(['--imagesdir', imagesDir, '--client-tokens', `shop:${SHOP}`], env, root);
    await expect(started).rejects.toThrow('--client-tokens is a secret');
  });
});
