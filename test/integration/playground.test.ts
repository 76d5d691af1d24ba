import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
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

/**
 * Everything the page's origin keeps in localStorage, sessionStorage and IndexedDB (every
 * database, every object store, keys and values, binary values decoded), as text per area.
 */
async function dumpStorage(page: Page): Promise<{ localStorage: string; sessionStorage: string; indexedDB: string }> {
  return page.evaluate(`(async () => {
    const done = (request) => new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const text = async (value) => {
      if (value instanceof Blob) return value.text();
      if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return new TextDecoder().decode(value);
      if (value instanceof Map) value = Object.fromEntries(value);
      if (value instanceof Set) value = [...value];
      if (value && typeof value === 'object') {
        const parts = await Promise.all(Object.entries(value).map(async ([key, inner]) => key + ': ' + (await text(inner))));
        return '{' + parts.join(', ') + '}';
      }
      return String(value);
    };
    const entries = (storage) => Object.keys(storage).map((key) => key + '=' + storage.getItem(key)).join('\\n');
    const databases = [];
    for (const { name } of await indexedDB.databases()) {
      const db = await done(indexedDB.open(name));
      for (const storeName of db.objectStoreNames) {
        const store = db.transaction(storeName, 'readonly').objectStore(storeName);
        const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
        databases.push(name + '/' + storeName + ': ' + (await text(keys)) + ' ' + (await text(values)));
      }
      db.close();
    }
    return { localStorage: entries(localStorage), sessionStorage: entries(sessionStorage), indexedDB: databases.join('\\n') };
  })()`);
}

/** Retries `check` until it passes, for up to five seconds. */
async function eventually(check: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await check();
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

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

  /** The visible text of the Monaco editor under `section` (Monaco lays text out with non-breaking spaces). */
  async function editorText(page: Page, section: string): Promise<string> {
    return (await page.locator(`${section} .monaco-editor .view-lines`).last().innerText()).replaceAll('\u00a0', ' ').trim();
  }

  async function showHeaders(page: Page) {
    await page.getByRole('button', { name: 'Headers' }).click();
  }

  it('opens from /graphql and runs the image and gallery query it starts with', async () => {
    const page = await open(`${server.url}/graphql`);
    expect(page.url()).toBe(`${server.url}/playground`);
    const { body } = await run(page, 'Gallery');
    expect(body.data).toEqual({
      image: expect.objectContaining({ width: 300, height: 200, format: 'WEBP', source: 'ORIGINAL' }),
      folder: expect.objectContaining({ images: expect.objectContaining({ nodes: expect.arrayContaining([expect.objectContaining({ path: 'landscape.jpg', responsive: expect.objectContaining({ src: expect.stringMatching(/^\/img\//) }) })]) }) }),
    });
    // Monaco lays text out with non-breaking spaces, which \s matches. A locator waits from
    // Playwright's own isolated script, which the page's CSP (no eval) does not govern.
    await page.locator('.graphiql-response').filter({ hasText: /"height":\s*200/ }).waitFor({ timeout: 10_000 });
    expect(await editorText(page, '.graphiql-query-editor')).toMatch(/GOIMGSERVER_ADMIN_TOKENS[\s#]+\(comma-separated name:token pairs\)/);
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

  it('finds what a page put in localStorage, sessionStorage and IndexedDB, binary values included', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/health`);
    await page.evaluate(`(async () => {
      localStorage.setItem('saved', JSON.stringify({ deep: ['marker-local'] }));
      sessionStorage.setItem('saved', 'marker-session');
      const open = indexedDB.open('control', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('things');
      const db = await new Promise((resolve) => { open.onsuccess = () => resolve(open.result); });
      const transaction = db.transaction('things', 'readwrite');
      transaction.objectStore('things').put({ nested: { bytes: new TextEncoder().encode('marker-idb-value') } }, 'a');
      transaction.objectStore('things').put(1, 'marker-idb-key');
      await new Promise((resolve) => { transaction.oncomplete = resolve; });
      db.close();
    })()`);
    const dump = await dumpStorage(page);
    expect(dump.localStorage).toContain('marker-local');
    expect(dump.sessionStorage).toContain('marker-session');
    expect(dump.indexedDB).toContain('marker-idb-value');
    expect(dump.indexedDB).toContain('marker-idb-key');
    await page.close();
  });

  it('keeps the admin token out of localStorage, sessionStorage and IndexedDB, and keeps the query, across a reload', async () => {
    const page = await open(`${server.url}/playground`);
    await page.locator('.graphiql-query-editor .monaco-editor').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('mutation ClearAll { clearCache { clearedFiles } }');
    await showHeaders(page);
    await page.locator('.graphiql-editor-tool .monaco-editor').last().click();
    await page.keyboard.insertText(`{"authorization": "Bearer ${TOKEN}"}`);
    const first = await run(page, 'ClearAll');
    expect(first.authorization).toBe(`Bearer ${TOKEN}`);
    expect(first.body.data).toEqual({ clearCache: { clearedFiles: expect.any(Number) } });
    expect(await editorText(page, '.graphiql-editor-tool')).toContain(TOKEN);

    // GraphiQL writes its tabs 500 ms after a change: wait until they hold the query.
    await eventually(async () => expect((await dumpStorage(page)).localStorage).toMatch(/^graphiql:tabState=.*ClearAll/m));
    expect(JSON.stringify(await dumpStorage(page))).not.toContain(TOKEN);

    await page.reload();
    await page.waitForSelector('.graphiql-execute-button');
    expect(JSON.stringify(await dumpStorage(page))).not.toContain(TOKEN);
    expect(await editorText(page, '.graphiql-query-editor')).toContain('mutation ClearAll { clearCache { clearedFiles } }');
    await showHeaders(page);
    expect(await editorText(page, '.graphiql-editor-tool')).toBe('');
    expect(await page.locator('.graphiql-footer').innerText()).toContain('GOIMGSERVER_ADMIN_TOKENS');
    const again = await run(page, 'ClearAll');
    expect(again.authorization).toBeUndefined();
    expect(again.body).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
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
