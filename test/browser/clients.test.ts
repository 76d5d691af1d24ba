import path from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page, Response } from 'playwright-core';
import { launchChromium, parseSrcSet, servePages, type PageServer } from '../helpers/browser';
import { inspect, makeSource } from '../helpers/images';
import { startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';
import type * as Matrix from './client-matrix.mjs' with { 'resolution-mode': 'import' };

// The bundle's exports, as the page sees them (esbuild's globalName).
declare const clientMatrix: typeof Matrix;

const TOKEN = 'ops-token-0123456789abcdef';
const CLIENTS: Matrix.ClientName[] = ['apollo', 'urql', 'graphql-request', 'typed', 'fetch'];
// Sources: photo.jpg is 1600×1000, logo.png 800×600.
const REQUESTS: Matrix.Requests = {
  image: { path: 'photo', width: 400 },
  images: { paths: ['photo', 'logo'], width: 200 },
  responsive: { path: 'photo', widths: [320, 640, 960, 1280, 1600], sizes: '100vw' },
};
const PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>clients</title><style>body { margin: 0 }</style><script src="/client-matrix.js"></script></head><body><main></main></body></html>';

/** A signed URL in the API's canonical form (default fit and quality), relative: no --public-url. */
const signed = (imagePath: string, width: number, format: string) => new RegExp(`^/img/${imagePath}/${width}/inside/${format}/q75\\?v=[\\w-]+&s=[\\w-]+$`);

const root = tempDir();
const imagesDir = path.join(root, 'images');
let server: TestServer;
let api: string;
let admins: PageServer;
let strangers: PageServer;
let browser: Browser;

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 1600, height: 1000 });
  await makeSource(imagesDir, 'logo.png', { width: 800, height: 600, format: 'png', alpha: true });
  const bundle = await build({ entryPoints: [path.join(__dirname, 'client-matrix.mts')], bundle: true, format: 'iife', globalName: 'clientMatrix', platform: 'browser', write: false });
  const files = {
    '/': { type: 'text/html; charset=utf-8', body: PAGE },
    '/client-matrix.js': { type: 'text/javascript; charset=utf-8', body: bundle.outputFiles[0]!.text },
  };
  admins = await servePages(files);
  strangers = await servePages(files);
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--cors-admin-origins', admins.origin], {
    GOIMGSERVER_SIGNING_SECRET: 'browser-clients-secret-0123456789abcdef',
    GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}`,
  });
  api = `${server.url}/graphql`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await admins?.close();
  await strangers?.close();
});

/** A page of `origin` at 400 CSS px wide and twice as many device pixels, as a phone. */
async function open(origin: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 400, height: 800 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  return page;
}

describe('a page on an origin listed in --cors-admin-origins', () => {
  let page: Page;
  let client = '';
  const methods = new Map<string, string[]>();
  const images: Response[] = [];
  const outcomes = new Map<string, Matrix.Outcome>();

  beforeAll(async () => {
    page = await open(admins.origin);
    page.on('request', (request) => {
      if (request.url().startsWith(api)) methods.set(client, [...(methods.get(client) ?? []), request.method()]);
    });
    page.on('response', (response) => {
      if (response.url().startsWith(`${server.url}/img/`)) images.push(response);
    });
  });

  it.each(CLIENTS)('%s, with its defaults, runs image, images, responsive and clearCache', async (name) => {
    client = name;
    const outcome = await page.evaluate(([name, api, token, requests]) => clientMatrix.exercise(name, api, token, requests), [name, api, TOKEN, REQUESTS] as const);
    outcomes.set(name, outcome);

    expect(outcome.image).toMatchObject({ url: expect.stringMatching(signed('photo', 400, 'webp')), path: 'photo', source: 'ORIGINAL', width: 400, height: 250, format: 'WEBP' });
    expect(outcome.images[0]).toMatchObject({ url: expect.stringMatching(signed('photo', 200, 'webp')), path: 'photo', width: 200, height: 125, format: 'WEBP' });
    expect(outcome.images[1]).toMatchObject({ url: expect.stringMatching(signed('logo', 200, 'webp')), path: 'logo', width: 200, height: 150, format: 'WEBP' });

    const { responsive } = outcome;
    expect(responsive).toMatchObject({ width: 1600, height: 1000, sizes: '100vw', src: expect.stringMatching(signed('photo', 1600, 'jpeg')) });
    expect(responsive.sources.map((source) => source.type)).toEqual(['image/avif', 'image/webp']);
    for (const [srcSet, format] of [...responsive.sources.map((s) => [s.srcSet, s.type.slice('image/'.length)]), [responsive.srcSet, 'jpeg']] as const) {
      const candidates = parseSrcSet(srcSet);
      expect(candidates.map((c) => c.width)).toEqual(REQUESTS.responsive.widths);
      for (const candidate of candidates) expect(candidate.url).toMatch(signed('photo', candidate.width, format));
    }

    // The typed client's helper asks for the generated document, which leaves __typename out.
    expect(outcome.cleared).toEqual({ clearedFiles: expect.any(Number), freedBytes: expect.any(Number), ...(name === 'typed' ? {} : { __typename: 'CacheClearResult' }) });
    expect(outcome.refused).toBe('UNAUTHENTICATED');
    // urql sends queries as GET (no preflight without a token); mutations always as POST.
    expect(methods.get(name)).toEqual(name === 'urql' ? ['GET', 'GET', 'GET', 'POST', 'POST'] : ['POST', 'POST', 'POST', 'POST', 'POST']);
  });

  it('every client was handed the same signed URLs', () => {
    const urls = (outcome: Matrix.Outcome | undefined) => outcome && [outcome.image.url, outcome.images[0]?.url, outcome.images[1]?.url, outcome.responsive.src, outcome.responsive.srcSet, ...outcome.responsive.sources.map((s) => s.srcSet)];
    expect(outcomes.size).toBe(CLIENTS.length);
    for (const name of CLIENTS) expect(urls(outcomes.get(name))).toEqual(urls(outcomes.get('fetch')));
  });

  it('renders responsive as a <picture>, and the browser fetches the smallest AVIF candidate covering its device pixels', async () => {
    const { responsive, html } = await page.evaluate(([api, request]) => clientMatrix.picture(api, request), [api, REQUESTS.responsive] as const);
    const shown = (await page.evaluate(`(async () => {
      document.querySelector('main').innerHTML = ${JSON.stringify(html)};
      const img = document.querySelector('main img');
      await img.decode();
      return { currentSrc: img.currentSrc, complete: img.complete, renderedWidth: img.getBoundingClientRect().width, dpr: devicePixelRatio };
    })()`)) as { currentSrc: string; complete: boolean; renderedWidth: number; dpr: number };
    expect(shown).toMatchObject({ complete: true, renderedWidth: 400, dpr: 2 });

    const [avif] = responsive.sources;
    expect(avif?.type).toBe('image/avif');
    const candidates = parseSrcSet(avif!.srcSet);
    const wanted = candidates.find((c) => c.width >= shown.renderedWidth * shown.dpr) ?? candidates.at(-1)!;
    expect(shown.currentSrc).toBe(server.url + wanted.url);
    expect(images.map((response) => response.url())).toEqual([shown.currentSrc]);
    const fetched = images[0]!;
    expect(fetched.status()).toBe(200);
    expect(fetched.headers()['content-type']).toBe('image/avif');
    expect(fetched.headers()['access-control-allow-origin']).toBe('*');
    expect(await inspect(await fetched.body())).toMatchObject({ format: 'heif', width: wanted.width, height: (wanted.width * 1000) / 1600 });
  });

  it('reads the bytes route from a script on this origin too, which Access-Control-Allow-Origin: * allows', async () => {
    const src = `${server.url}${outcomes.get('fetch')!.image.url}`;
    const read = await page.evaluate(async (src) => {
      const response = await fetch(src);
      return { status: response.status, type: response.headers.get('content-type'), bytes: (await response.arrayBuffer()).byteLength };
    }, src);
    expect(read).toEqual({ status: 200, type: 'image/webp', bytes: expect.any(Number) });
    expect(read.bytes).toBeGreaterThan(0);
  });
});

describe('a page on an origin not listed in --cors-admin-origins', () => {
  let page: Page;

  beforeAll(async () => {
    page = await open(strangers.origin);
  });

  const auditLines = () => server.logs.filter((line) => line.msg === 'admin action').length;

  it.each(CLIENTS)('%s runs public queries, and the browser blocks its clearCache with a token', async (name) => {
    const audited = auditLines();
    const blocked = page.waitForEvent('console', (message) => message.text().includes('has been blocked by CORS policy'));
    const { image, administer } = await page.evaluate(([name, api, token, request]) => clientMatrix.administerFromElsewhere(name, api, token, request), [name, api, TOKEN, REQUESTS.image] as const);
    expect(image).toMatchObject({ url: expect.stringMatching(signed('photo', 400, 'webp')), width: 400, height: 250 });
    expect(administer).toMatch(/Failed to fetch/);
    // The preflight does not list the header, so the POST is never sent and nothing is audited.
    expect((await blocked).text()).toContain('Request header field authorization is not allowed by Access-Control-Allow-Headers in preflight response');
    expect(auditLines()).toBe(audited);
  });
});

describe('an origin listed in --cors-admin-origins while --cors-origins lists others', () => {
  let listed: TestServer;
  let page: Page;

  beforeAll(async () => {
    listed = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache-listed'), '--cors-origins', strangers.origin, '--cors-admin-origins', admins.origin], {
      GOIMGSERVER_SIGNING_SECRET: 'browser-clients-secret-0123456789abcdef',
      GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}`,
    });
    page = await open(admins.origin);
  });
  afterAll(() => listed?.close());

  it.each(CLIENTS)('%s still administers, and runs the public queries', async (name) => {
    const { image, administer } = await page.evaluate(([name, api, token, request]) => clientMatrix.administerFromElsewhere(name, api, token, request), [name, `${listed.url}/graphql`, TOKEN, REQUESTS.image] as const);
    expect(image).toMatchObject({ url: expect.stringMatching(signed('photo', 400, 'webp')), width: 400, height: 250 });
    expect(administer).toBe('administered');
  });
});
