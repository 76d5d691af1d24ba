import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Browser, Response } from 'playwright-core';
import { launchChromium, parseSrcSet, servePages, type PageServer } from '../helpers/browser';
import { inspect, makeSource } from '../helpers/images';
import { startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

/** The README's `<picture>` snippet, read at test time so that the test follows the README. */
function readmeSnippet(): string {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const section = readme.indexOf('### A responsive `<picture>`');
  const code = /```js\n([\s\S]*?)```/.exec(readme.slice(section))?.[1];
  if (section < 0 || code === undefined) throw new Error('README.md has no js block under "A responsive <picture>"');
  return code;
}

const ORIGIN_LINE = "const origin = 'http://localhost:9000';";

/**
 * A page showing `markup` where an article's photograph goes, with text below it (which a
 * box that grows when its image arrives would move). Layout shifts are recorded from the
 * start, and the picture's box is measured as soon as it is parsed, before any image byte.
 */
const pageWith = (markup: string) => `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>picture</title>
<script>
  window.shifts = [];
  window.shiftObserver = new PerformanceObserver((list) => window.shifts.push(...list.getEntries().map((entry) => entry.value)));
  window.shiftObserver.observe({ type: 'layout-shift', buffered: true });
</script></head>
<body><h1>A photograph</h1><main>${markup}</main>
<script>
  window.img = document.querySelector('main img');
  window.atParse = img && { complete: img.complete, height: img.getBoundingClientRect().height };
</script>
<p>Text after the picture.</p></body></html>`;

interface Shown {
  scrollWidth: number;
  innerWidth: number;
  dpr: number;
  currentSrc: string;
  srcSets: string[];
  renderedWidth: number;
  completeAtParse: boolean;
  heightAtParse: number;
  heightLoaded: number;
  aspectHeight: number;
  shifts: number[];
}

const root = tempDir();
const imagesDir = path.join(root, 'images');
let server: TestServer;
let pages: PageServer;
const files: Record<string, { type: string; body: string }> = { '/': { type: 'text/html; charset=utf-8', body: pageWith('') } };
let browser: Browser;

beforeAll(async () => {
  await makeSource(imagesDir, 'landscape.jpg', { width: 2000, height: 1333 });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')], { GOIMGSERVER_SIGNING_SECRET: 'browser-picture-secret-0123456789abcdef' });
  pages = await servePages(files);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await pages?.close();
});

it("uses the README's origin line, which the test points at its server", () => {
  expect(readmeSnippet()).toContain(ORIGIN_LINE);
});

it.each([
  { device: 'a phone', width: 390, height: 844, deviceScaleFactor: 3 },
  { device: 'a desktop', width: 1280, height: 800, deviceScaleFactor: 1 },
])("the README's <picture> on $device ($width px wide at $deviceScaleFactor×) fits, fetches enough pixels and never shifts", async ({ width, height, deviceScaleFactor }) => {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor });
  const page = await context.newPage();
  // The bytes arrive after the page has painted the picture's box, as on a real network:
  // a box that has no size of its own until then changes, and moves the text below it.
  await page.route(`${server.url}/img/**`, async (route) => {
    await delay(300);
    await route.continue();
  });
  const responses = new Map<string, Response>();
  page.on('response', (response) => responses.set(response.url(), response));
  await page.goto(`${pages.origin}/`);

  const code = readmeSnippet().replace(ORIGIN_LINE, `const origin = ${JSON.stringify(server.url)};`);
  const html = (await page.evaluate(`(async () => {\n${code}\nreturn html;\n})()`)) as string;
  // The markup as a site would send it, from the origin whose page ran the snippet.
  files[`/article-${width}`] = { type: 'text/html; charset=utf-8', body: pageWith(html) };
  await page.goto(`${pages.origin}/article-${width}`);
  const shown = (await page.evaluate(`(async () => {
    if (!img.complete) {
      await new Promise((resolve, reject) => {
        img.addEventListener('load', resolve);
        img.addEventListener('error', () => reject(new Error('the image failed to load')));
      });
    }
    // Two frames after the load, any shift it caused has been laid out and reported.
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const box = img.getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth,
      dpr: devicePixelRatio,
      currentSrc: img.currentSrc,
      srcSets: [...document.querySelectorAll('main [srcset]')].map((element) => element.getAttribute('srcset')),
      renderedWidth: box.width,
      completeAtParse: atParse.complete,
      heightAtParse: atParse.height,
      heightLoaded: box.height,
      aspectHeight: (box.width * img.getAttribute('height')) / img.getAttribute('width'),
      shifts: [...shifts, ...shiftObserver.takeRecords().map((entry) => entry.value)],
    };
  })()`)) as Shown;

  expect(html).toContain('<picture>');
  expect(shown.dpr).toBe(deviceScaleFactor);
  expect(shown.scrollWidth).toBeLessThanOrEqual(shown.innerWidth);

  const candidates = shown.srcSets.flatMap(parseSrcSet);
  const chosen = candidates.find((candidate) => candidate.url === shown.currentSrc);
  expect(chosen).toBeDefined();
  // Enough pixels for the box on this screen, or the widest there is.
  const widest = Math.max(...candidates.map((candidate) => candidate.width));
  expect(chosen!.width).toBeGreaterThanOrEqual(Math.min(widest, shown.renderedWidth * shown.dpr));
  // The bytes fetched are as wide as their w descriptor says, in the first <source>'s format.
  const fetched = responses.get(shown.currentSrc);
  expect(fetched?.headers()['content-type']).toBe('image/avif');
  expect(await inspect(await fetched!.body())).toMatchObject({ format: 'heif', width: chosen!.width });
  await context.close();

  expect(shown.completeAtParse).toBe(false);
  expect(shown.heightAtParse).toBe(shown.heightLoaded);
  expect(Math.abs(shown.heightLoaded - shown.aspectHeight)).toBeLessThan(1);
  expect(shown.shifts.reduce((sum, value) => sum + value, 0)).toBe(0);
});
