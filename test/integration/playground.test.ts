import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { makeSource } from '../helpers/images';
import { fetchBody, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'playground-test-secret-0123456789abcdef';
const TOKEN = 'ops-token-0123456789abcdef';
// Debian's chromium package; .ci/run installs it.
const CHROMIUM = '/usr/bin/chromium';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const env = { GOIMGSERVER_SIGNING_SECRET: SECRET, GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}` };
const start = (flags: string[] = [], extraEnv: Record<string, string> = {}) =>
  startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), ...flags], { ...env, ...extraEnv });

beforeAll(async () => {
  await makeSource(imagesDir, 'landscape.jpg', { width: 600, height: 400 });
});

describe('the playground over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());

  it('sends a browser opening /graphql to the playground, and leaves GraphQL clients alone', async () => {
    const browserGet = await fetchBody(`${server.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' }, redirect: 'manual' });
    expect(browserGet.status).toBe(302);
    expect(browserGet.headers.get('location')).toBe('/playground');
    const query = `${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`;
    const client = await fetchBody(query, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(client.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await fetchBody(query, { headers: { accept: 'text/html' }, redirect: 'manual' })).status).not.toBe(302);
  });

  it('serves the page with a policy that allows nothing from elsewhere, and its bundled assets', async () => {
    const page = await fetchBody(`${server.url}/playground`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(page.body.toString()).toContain('/playground/playground.js');
    for (const asset of ['playground.js', 'playground.css', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js']) {
      expect((await fetchBody(`${server.url}/playground/${asset}`)).status).toBe(200);
    }
    const missing = await fetchBody(`${server.url}/playground/..%2f..%2fpackage.json`);
    expect(missing.status).toBe(404);
  });
});

describe('the playground in production', () => {
  it('is off unless turned on', async () => {
    const server = await start([], { NODE_ENV: 'production' });
    try {
      expect((await fetchBody(`${server.url}/playground`)).status).toBe(404);
      expect((await fetchBody(`${server.url}/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' })).status).not.toBe(302);
    } finally {
      await server.close();
    }
  });

  it('is served with --playground true', async () => {
    const server = await start(['--playground', 'true'], { NODE_ENV: 'production' });
    try {
      expect((await fetchBody(`${server.url}/playground`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('the playground in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  const origins = new Set<string>();

  beforeAll(async () => {
    server = await start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server.close();
  });

  async function open(address: string) {
    const page = await browser.newPage();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));
    await page.goto(address);
    await page.waitForSelector('.graphiql-execute-button');
    return page;
  }

  /** Clicks run and returns the JSON the server answered to the named operation. */
  async function run(page: Awaited<ReturnType<typeof open>>, operation: string) {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${server.url}/graphql` && (r.request().postData() ?? '').includes(operation)),
      page.click('.graphiql-execute-button'),
    ]);
    return { body: (await response.json()) as { data?: Record<string, unknown> }, authorization: response.request().headers().authorization };
  }

  it('opens from /graphql and runs the image query it starts with', async () => {
    const page = await open(`${server.url}/graphql`);
    expect(page.url()).toBe(`${server.url}/playground`);
    const { body } = await run(page, 'Landscape');
    expect(body.data).toEqual({ image: expect.objectContaining({ width: 300, height: 200, format: 'WEBP', source: 'ORIGINAL' }) });
    // Monaco lays text out with non-breaking spaces, which \s matches. A locator waits from
    // Playwright's own isolated script, which the page's CSP (no eval) does not govern.
    await page.locator('.graphiql-response').filter({ hasText: /"height":\s*200/ }).waitFor({ timeout: 10_000 });
    await page.close();
  });

  it('sends the token typed into the headers editor with administrative queries', async () => {
    const page = await open(`${server.url}/playground?query=${encodeURIComponent('query Stats { cacheStats { files hits misses } }')}`);
    await page.getByRole('button', { name: 'Headers' }).click();
    await page.locator('.graphiql-editor-tool .monaco-editor').last().click();
    await page.keyboard.insertText(`{"authorization": "Bearer ${TOKEN}"}`);
    const { body, authorization } = await run(page, 'Stats');
    expect(authorization).toBe(`Bearer ${TOKEN}`);
    expect(body.data).toEqual({ cacheStats: { files: expect.any(Number), hits: expect.any(Number), misses: expect.any(Number) } });
    await page.close();
  });

  it('runs the typed client in the browser, bundled for it', async () => {
    const bundle = await build({ entryPoints: [path.resolve(__dirname, '../../client/index.ts')], bundle: true, format: 'iife', globalName: 'goimgserver', write: false, platform: 'browser' });
    const page = await browser.newPage();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));
    await page.goto(`${server.url}/health`);
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    const result = await page.evaluate(`(async () => {
      const client = goimgserver.createClient({ url: '/graphql' });
      const image = await client.image({ path: 'landscape', width: 150 });
      const failure = await client.image({ path: 'landscape', width: 5 }).catch((error) => error);
      return { width: image.width, height: image.height, code: failure.code, isError: failure instanceof goimgserver.GoimgserverError };
    })()`);
    expect(result).toEqual({ width: 150, height: 100, code: 'BAD_USER_INPUT', isError: true });
    await page.close();
  });

  it('never asked anything of a host other than the server', () => {
    expect(origins.size).toBeGreaterThan(0);
    expect([...origins].filter((origin) => origin !== server.url)).toEqual([]);
  });
});
