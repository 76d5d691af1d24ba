import path from 'node:path';
import fc from 'fast-check';
import { makeSource } from '../helpers/images';
import { graphql, rawGet, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
let server: TestServer;
let urls: string[];

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 300, height: 200 });
  await makeSource(imagesDir, 'cats/default.jpg', { width: 200, height: 200 });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')], { GOIMGSERVER_SIGNING_SECRET: 'signed-url-abuse-secret-0123456789abcde' });
  const answer = await graphql<Record<string, { url: string }>>(
    server.url,
    '{ a: image(path: "photo", width: 100) { url } b: image(path: "cats", width: 120, height: 80, fit: COVER, position: NORTH, format: AUTO) { url } c: image(path: "photo", height: 50, format: PNG, enlarge: true) { url } }',
  );
  urls = Object.values(answer.data!).map((image) => image.url);
});
afterAll(() => server.close());

/** One change a stranger might make to a signed URL. */
const tamper = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), to: fc.constantFrom(...'AZaz09-_%/?&=.x') }),
  fc.record({ kind: fc.constant('insert'), at: fc.nat(), text: fc.constantFrom('/', '/300', '/png', '/..', '%2F', '/enlarge', '&s=AAAA', '&v=1', 'é') }),
  fc.record({ kind: fc.constant('delete'), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);

function apply(url: string, change: { kind: string; at: number; to?: string; text?: string; length?: number }): string {
  const at = 5 + (change.at % (url.length - 5));
  if (change.kind === 'flip') return url.slice(0, at) + change.to + url.slice(at + 1);
  if (change.kind === 'insert') return url.slice(0, at) + change.text + url.slice(at);
  return url.slice(0, at) + url.slice(at + (change.length ?? 1));
}

describe('tampered signed URLs, generated', () => {
  it('are refused (403, or 400 for a malformed path) before any file is looked at, unless the change means nothing', async () => {
    const before = server.app.service.stats();
    let refused = 0;
    const accepted = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 2), fc.array(tamper, { minLength: 1, maxLength: 3 }), async (which, changes) => {
        const original = urls[which] as string;
        const changed = changes.reduce(apply, original);
        const response = await rawGet(server.url, changed, { accept: 'image/webp' });
        if (response.status === 200) {
          // Only changes that leave path, parameters, v and s as they were can still verify (empty segments are skipped).
          const [path, query] = changed.split('?');
          const params = new URLSearchParams(query);
          const originalParams = new URLSearchParams(original.split('?')[1]);
          const segments = (url: string) => decodeURIComponent(url).split('/').filter(Boolean).join('/');
          expect(segments(path as string)).toBe(segments(original.split('?')[0] as string));
          expect([params.getAll('v'), params.getAll('s')]).toEqual([originalParams.getAll('v'), originalParams.getAll('s')]);
          accepted.add(which);
          return;
        }
        refused++;
        expect([400, 403, 404]).toContain(response.status);
        expect(JSON.parse(response.body.toString()).code).not.toBe('INTERNAL_SERVER_ERROR');
      }),
      { numRuns: 300 },
    );
    expect(refused).toBeGreaterThan(200);
    // Only the URLs that still verified were rendered, once each.
    const after = server.app.service.stats();
    expect(after.imagesProcessed - before.imagesProcessed).toBeLessThanOrEqual(accepted.size);
    expect(after.metadataReads - before.metadataReads).toBeLessThanOrEqual(accepted.size);
  });

  it('are refused with the signature of another URL, and with one too many v or s', async () => {
    const [a, b] = urls as [string, string];
    const signatureOfB = new URLSearchParams(b.split('?')[1]).get('s');
    const swapped = a.replace(/s=[^&]+$/, `s=${signatureOfB}`);
    for (const url of [swapped, `${a}&s=${signatureOfB}`, `${a}&v=x`]) {
      expect((await rawGet(server.url, url)).status).toBe(403);
    }
  });
});
