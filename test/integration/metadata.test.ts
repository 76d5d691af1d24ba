import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createRemote, GIT_TEST_ENV, publish } from '../helpers/git';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'metadata-test-secret-0123456789abcdefghi';
const TOKEN = 'metadata-admin-token-0123456789abcdefgh';
const ADMIN = { authorization: `Bearer ${TOKEN}` };

const root = tempDir();
let publisher: string;
let server: TestServer;

/** The colour name at the middle of an image. */
async function middle(data: Buffer): Promise<string> {
  const { data: raw, info } = await sharp(data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  const [r, g] = [raw[at]!, raw[at + 1]!];
  return r > 200 && g < 60 ? 'red' : g > 200 && r < 60 ? 'green' : `rgb(${r},${g})`;
}

const writeMeta = (text: string) => writeFileSync(path.join(publisher, 'cats', '_meta.yml'), text);
const sync = () => graphql<{ syncImages: { updated: boolean; clearedFiles: number; metadataProblems: Array<{ file: string; line: number; message: string }> } }>(server.url, 'mutation { syncImages { updated clearedFiles metadataProblems { file line message } } }', {}, ADMIN);
const cover = (variables: Record<string, unknown> = {}) =>
  graphql<{ image: { url: string } }>(server.url, 'query($position: ImagePosition) { image(path: "cats/cat_white", width: 100, height: 100, fit: COVER, format: PNG, position: $position) { url } }', variables);

beforeAll(async () => {
  const repo = createRemote(root);
  publisher = repo.publisher;
  // 400×100: red on the left half, green on the right, so a square crop shows where it was centred.
  const halves = await sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 255, g: 0, b: 0 } } })
    .extend({ right: 200, background: { r: 0, g: 255, b: 0 } })
    .png()
    .toBuffer();
  writeFileSync(path.join(repo.publisher, 'default.png'), halves);
  mkdirSync(path.join(publisher, 'cats'));
  writeFileSync(path.join(publisher, 'cats', 'cat_white.png'), halves);
  writeFileSync(path.join(publisher, 'cats', 'cat_black.png'), halves);
  writeMeta(['cat_white.png:', '  alt: A white cat on a red and green sofa', '  title: Snow', '  credit: Jane Doe', '  focalPoint: { x: 0.9, y: 0.5 }', 'cat_black:', '  alt: A black cat'].join('\n'));
  publish(publisher, 'cats with metadata');
  server = await startServer(['--imagesdir', path.join(root, 'images'), '--cachedir', path.join(root, 'cache'), '--git-url', repo.remote, '--allow-unsigned'], {
    ...GIT_TEST_ENV,
    GOIMGSERVER_SIGNING_SECRET: SECRET,
    GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}`,
  });
});
afterAll(() => server.close());

describe('metadata kept in the repository', () => {
  it('gives an image its alt text, title, credit and focal point, by name with or without extension', async () => {
    const answer = await graphql<{ folder: { metadataProblems: unknown[]; images: { nodes: unknown[] } } }>(
      server.url,
      '{ folder(path: "cats") { metadataProblems { line } images { nodes { path alt title credit focalPoint { x y } } } } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.folder).toEqual({
      metadataProblems: [],
      images: {
        nodes: [
          { path: 'cats/cat_black.png', alt: 'A black cat', title: null, credit: null, focalPoint: null },
          { path: 'cats/cat_white.png', alt: 'A white cat on a red and green sofa', title: 'Snow', credit: 'Jane Doe', focalPoint: { x: 0.9, y: 0.5 } },
        ],
      },
    });
  });

  it('centres a COVER crop on the focal point when the request names no place, and not when it does', async () => {
    const centred = await cover();
    expect(centred.data!.image.url).toMatch(/\/100x100\/cover\/focus0\.9x0\.5\/png\//);
    expect(await middle((await fetchBody(server.url + centred.data!.image.url)).body)).toBe('green');
    const placed = await cover({ position: 'WEST' });
    expect(placed.data!.image.url).toMatch(/\/100x100\/cover\/west\/png\//);
    expect(await middle((await fetchBody(server.url + placed.data!.image.url)).body)).toBe('red');
    const responsive = await graphql<{ responsive: { src: string } }>(server.url, '{ responsive(path: "cats/cat_white", widths: [100], height: 100, fit: COVER) { src } }');
    expect(responsive.data!.responsive.src).toMatch(/\/focus0\.9x0\.5\//);
  });

  it('reports a broken file with its line on the sync and on the folder, and serves on without it', async () => {
    const before = (await cover()).data!.image.url;
    writeMeta(['cat_white.png:', '  alt: Still a cat', '  focalPoint: { x: 0.9, y: 1.5 }', '  colour: white', 'cat_black.png:', '  alt: "unclosed'].join('\n'));
    publish(publisher, 'broken metadata');
    const broken = await sync();
    expect(broken.data!.syncImages.updated).toBe(true);
    expect(broken.data!.syncImages.metadataProblems).toEqual([expect.objectContaining({ file: 'cats/_meta.yml', line: 6 })]);
    const folder = await graphql<{ folder: { metadataProblems: Array<{ file: string; line: number }> } }>(server.url, '{ folder(path: "cats") { metadataProblems { file line message } } }');
    expect(folder.data!.folder.metadataProblems).toEqual([expect.objectContaining({ file: 'cats/_meta.yml', line: 6 })]);
    // Nothing of an unreadable file applies: the crop is centred again, and the old URL still answers.
    const now = await cover();
    expect(now.data!.image.url).toMatch(/\/100x100\/cover\/png\//);
    expect((await fetchBody(server.url + before)).status).toBe(200);

    writeMeta(['cat_white.png:', '  alt: Still a cat', '  focalPoint: { x: 0.9, y: 1.5 }', '  colour: white'].join('\n'));
    publish(publisher, 'metadata with wrong fields');
    const fields = await sync();
    expect(fields.data!.syncImages.metadataProblems.map((problem) => [problem.line, problem.message])).toEqual([
      [3, expect.stringMatching(/focalPoint expects x and y/)],
      [4, expect.stringMatching(/unknown field "colour"/)],
    ]);
    expect((await graphql<{ source: { alt: string } }>(server.url, '{ source(path: "cats/cat_white") { alt } }')).data!.source.alt).toBe('Still a cat');
  });

  it('gives new URLs when a focal point changes, clearing nothing: each URL keeps the crop it was minted with', async () => {
    writeMeta(['cat_white.png:', '  focalPoint: { x: 0.9, y: 0.5 }'].join('\n'));
    publish(publisher, 'right');
    await sync();
    const right = (await cover()).data!.image.url;
    const rightBytes = (await fetchBody(server.url + right)).body;
    writeMeta(['cat_white.png:', '  focalPoint: { x: 0.1, y: 0.5 }'].join('\n'));
    publish(publisher, 'left');
    const moved = await sync();
    expect(moved.data!.syncImages).toMatchObject({ updated: true, clearedFiles: 0, metadataProblems: [] });
    const left = (await cover()).data!.image.url;
    expect(left).toMatch(/\/focus0\.1x0\.5\//);
    expect(await middle((await fetchBody(server.url + left)).body)).toBe('red');
    const again = await fetchBody(server.url + right);
    expect([again.headers.get('x-cache-status'), again.body.equals(rightBytes)]).toEqual(['HIT', true]);
  });
});
