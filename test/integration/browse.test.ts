import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createRemote, GIT_TEST_ENV, publish } from '../helpers/git';
import { inspect, makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'browse-test-secret-0123456789abcdefghij';

type Connection<T> = { totalCount: number; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null }; edges: Array<{ cursor: string; node: T }>; nodes: T[] };
type FolderAnswer = { folder: { path: string; name: string; default: { path: string } | null; folders: Connection<{ path: string; name: string }>; images: Connection<{ path: string }> } | null };

const root = tempDir();
let server: TestServer;

/** A JPEG with the EXIF a camera writes: when it was taken, the camera and a position. */
async function photo(file: string, { taken, camera }: { taken?: string; camera?: [string, string] }) {
  const main: Record<string, string> = camera ? { Make: camera[0], Model: camera[1] } : {};
  const photographic: Record<string, string> = taken ? { DateTimeOriginal: taken } : {};
  const exif = { IFD0: main, IFD2: photographic, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 30/1' } };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await sharp({ create: { width: 60, height: 40, channels: 3, background: { r: 40, g: 120, b: 200 } } }).jpeg().withExif(exif).toBuffer());
}

beforeAll(async () => {
  const { remote, publisher } = createRemote(root);
  await makeSource(publisher, 'default.jpg', { width: 500, height: 500 });
  await makeSource(publisher, 'landscape.jpg', { width: 600, height: 400, colour: { r: 200, g: 40, b: 40 } });
  await makeSource(publisher, 'portrait-6.jpg', { width: 400, height: 300, orientation: 6 });
  await makeSource(publisher, 'badge.png', { width: 100, height: 100, format: 'png', alpha: true });
  // A PNG under a JPEG's name: its format is what its bytes say.
  await makeSource(publisher, 'disguised.jpg', { width: 50, height: 50, format: 'png' });
  writeFileSync(path.join(publisher, 'README.md'), 'not an image');
  writeFileSync(path.join(publisher, '.hidden.jpg'), await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).jpeg().toBuffer());
  await makeSource(publisher, 'cats/default.jpg', { width: 300, height: 300 });
  for (const name of ['cat_white', 'cat_black', 'cat_grey']) await makeSource(publisher, `cats/${name}.jpg`, { width: 200, height: 150 });
  await photo(path.join(publisher, 'trips/late.jpg'), { taken: '2023:07:01 09:00:00', camera: ['Canon', 'Canon EOS R5'] });
  await photo(path.join(publisher, 'trips/early.jpg'), { taken: '2019:02:03 04:05:06', camera: ['FUJIFILM', 'X-T4'] });
  await photo(path.join(publisher, 'trips/undated.jpg'), {});
  const frames = await Promise.all(['red', 'green'].map((background) => sharp({ create: { width: 20, height: 10, channels: 3, background } }).png().toBuffer()));
  writeFileSync(path.join(publisher, 'spinner.gif'), await sharp(frames, { join: { animated: true } }).gif({ delay: [100, 100] }).toBuffer());
  mkdirSync(path.join(publisher, 'empty'));
  writeFileSync(path.join(publisher, 'empty', 'notes.txt'), 'no images here');
  publish(publisher, 'a repository of images');

  const imagesDir = path.join(root, 'images');
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--git-url', remote, '--max-page-size', '5'], { ...GIT_TEST_ENV, GOIMGSERVER_SIGNING_SECRET: SECRET });
  // Links made on the server's checkout: one to an image inside, one to a folder inside, one leading outside.
  symlinkSync(path.join(imagesDir, 'landscape.jpg'), path.join(imagesDir, 'linked.jpg'));
  symlinkSync(path.join(imagesDir, 'cats'), path.join(imagesDir, 'kittens'));
  writeFileSync(path.join(root, 'outside.jpg'), await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).jpeg().toBuffer());
  symlinkSync(path.join(root, 'outside.jpg'), path.join(imagesDir, 'escape.jpg'));
  // Links a hostile commit could make: into hidden files of the checkout, and back up the tree.
  symlinkSync('.hidden.jpg', path.join(imagesDir, 'tohidden.jpg'));
  symlinkSync('.git', path.join(imagesDir, 'gitlink'));
  symlinkSync('..', path.join(imagesDir, 'cats', 'up'));
  symlinkSync('.', path.join(imagesDir, 'self'));
});
afterAll(() => server.close());

const FOLDER = `query($path: String!, $first: Int, $after: String) {
  folder(path: $path) {
    path name default { path }
    folders(first: $first) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { path name } } nodes { path name } }
    images(first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { path } } nodes { path } }
  }
}`;
const browse = (variables: Record<string, unknown>) => graphql<FolderAnswer>(server.url, FOLDER, variables);

describe('browsing folders', () => {
  it('lists the images folder: its default, its subfolders and its images by name, nothing hidden, no other files, no link leading outside', async () => {
    const answer = await browse({ path: '', first: 5 });
    expect(answer.errors).toBeUndefined();
    const folder = answer.data!.folder!;
    expect(folder).toMatchObject({ path: '', name: '', default: { path: 'default.jpg' } });
    expect(folder.folders.nodes).toEqual([
      { path: 'cats', name: 'cats' },
      { path: 'empty', name: 'empty' },
      { path: 'kittens', name: 'kittens' },
      { path: 'trips', name: 'trips' },
    ]);
    expect(folder.images.totalCount).toBe(7);
    expect(folder.images.nodes.map((node) => node.path)).toEqual(['badge.png', 'default.jpg', 'disguised.jpg', 'landscape.jpg', 'linked.jpg']);
    expect(folder.images.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('pages on with the cursor it handed out, to the end', async () => {
    const first = (await browse({ path: '', first: 5 })).data!.folder!.images;
    const next = (await browse({ path: '', first: 5, after: first.pageInfo.endCursor })).data!.folder!.images;
    expect(next.nodes.map((node) => node.path)).toEqual(['portrait-6.jpg', 'spinner.gif']);
    expect(next.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const fromEdge = (await browse({ path: '', first: 1, after: first.edges[1]!.cursor })).data!.folder!.images;
    expect(fromEdge.nodes.map((node) => node.path)).toEqual(['disguised.jpg']);
    const none = (await browse({ path: '', first: 0 })).data!.folder!.images;
    expect(none).toMatchObject({ nodes: [], totalCount: 7, pageInfo: { hasNextPage: true, endCursor: null } });
  });

  it('lists a group with its default, and a folder reached through a link inside the images folder', async () => {
    for (const folderPath of ['cats', 'kittens']) {
      const folder = (await browse({ path: folderPath, first: 5 })).data!.folder!;
      expect(folder.default).toEqual({ path: `${folderPath}/default.jpg` });
      expect(folder.images.nodes.map((node) => node.path)).toEqual(['cat_black', 'cat_grey', 'cat_white', 'default'].map((name) => `${folderPath}/${name}.jpg`));
      expect(folder.folders.totalCount).toBe(0);
    }
    const empty = (await browse({ path: 'empty' })).data!.folder!;
    expect(empty).toMatchObject({ default: null, images: { totalCount: 0, nodes: [] } });
  });

  it('follows no link into hidden files or back up the tree, and serves nothing through one', async () => {
    const rootFolder = (await browse({ path: '', first: 5 })).data!.folder!;
    expect(rootFolder.folders.nodes.map((node) => node.path)).not.toContain('gitlink');
    expect(rootFolder.folders.nodes.map((node) => node.path)).not.toContain('self');
    expect((await browse({ path: 'cats' })).data!.folder!.folders.totalCount).toBe(0);
    expect((await browse({ path: 'gitlink' })).data).toEqual({ folder: null });
    expect((await graphql<SourceAnswer>(server.url, SOURCE, { path: 'tohidden.jpg' })).data!.source).toBeNull();
    const image = await graphql<{ image: { source: string } }>(server.url, '{ image(path: "tohidden.jpg") { source } }');
    expect(image.data!.image.source).toBe('DEFAULT');
  });

  it('takes a cursor only in the list that handed it out', async () => {
    const catsCursor = (await browse({ path: 'cats', first: 1 })).data!.folder!.images.pageInfo.endCursor!;
    const elsewhere = await browse({ path: 'trips', after: catsCursor });
    expect(elsewhere.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('for after but') });
    const byName = (await browse({ path: 'trips', first: 1 })).data!.folder!.images.pageInfo.endCursor!;
    const byDate = await graphql(server.url, 'query($a: String) { folder(path: "trips") { images(orderBy: TAKEN_AT, after: $a) { totalCount } } }', { a: byName });
    expect(byDate.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers null where there is no folder, with no fallback', async () => {
    for (const folderPath of ['missing', 'landscape.jpg', 'cats/missing']) expect((await browse({ path: folderPath })).data).toEqual({ folder: null });
  });

  it.each([
    [{ path: '.git' }, 'path', 'do not start with "."'],
    [{ path: '../outside' }, 'path', 'do not start with "."'],
    [{ path: '', first: 6 }, 'first', 'an integer from 0 to 5 (--max-page-size)'],
    [{ path: '', first: -1 }, 'first', 'an integer from 0 to 5'],
    [{ path: '', after: 'not-a-cursor' }, 'after', 'a cursor handed out in this list'],
    [{ path: '', after: Buffer.from('{"a":1}').toString('base64url') }, 'after', 'a cursor handed out in this list'],
  ])('refuses %j with BAD_USER_INPUT naming %s', async (variables, argument, expected) => {
    const answer = await browse(variables);
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toContain(`for ${argument} but`);
    expect(answer.errors?.[0]?.message).toContain(expected);
  });
});

const SOURCE = `query($path: String!) {
  source(path: $path) { path name folder format width height bytes hasAlpha frames version takenAt camera dominantColor }
}`;
type SourceAnswer = { source: Record<string, unknown> | null };

describe('the facts of a source', () => {
  it('says what the bytes are, as displayed, with its date and camera and nothing else of its EXIF', async () => {
    const landscape = await graphql<SourceAnswer>(server.url, SOURCE, { path: 'landscape' });
    expect(landscape.data!.source).toMatchObject({ path: 'landscape.jpg', name: 'landscape.jpg', folder: '', format: 'jpeg', width: 600, height: 400, hasAlpha: false, frames: 1, takenAt: null, camera: null });
    expect(landscape.data!.source!.dominantColor).toMatch(/^#[c-f][0-9a-f][0-3][0-9a-f][0-3][0-9a-f]$/);
    expect((await graphql<SourceAnswer>(server.url, SOURCE, { path: 'portrait-6' })).data!.source).toMatchObject({ width: 300, height: 400 });
    expect((await graphql<SourceAnswer>(server.url, SOURCE, { path: 'disguised.jpg' })).data!.source).toMatchObject({ format: 'png' });
    expect((await graphql<SourceAnswer>(server.url, SOURCE, { path: 'badge' })).data!.source).toMatchObject({ hasAlpha: true, format: 'png' });
    expect((await graphql<SourceAnswer>(server.url, SOURCE, { path: 'spinner' })).data!.source).toMatchObject({ format: 'gif', frames: 2 });
    const trip = await graphql<SourceAnswer>(server.url, SOURCE, { path: 'trips/early' });
    expect(trip.data!.source).toMatchObject({ folder: 'trips', takenAt: '2019-02-03T04:05:06', camera: 'FUJIFILM X-T4' });
    expect((await graphql<SourceAnswer>(server.url, SOURCE, { path: 'trips/late' })).data!.source).toMatchObject({ camera: 'Canon EOS R5' });
    expect(JSON.stringify(trip)).not.toMatch(/GPS|48\/1/);
  });

  it('answers null for a path no image file answers, where image() would fall back', async () => {
    for (const missing of ['missing', 'cats/missing', 'README.md', '.hidden', 'escape']) {
      const answer = await graphql<SourceAnswer>(server.url, SOURCE, { path: missing });
      expect([missing, answer.data?.source ?? null, answer.errors?.[0]?.extensions?.code ?? null]).toEqual([missing, null, missing === '.hidden' ? 'BAD_USER_INPUT' : null]);
    }
    expect((await graphql<SourceAnswer>(server.url, SOURCE, { path: 'cats' })).data!.source).toMatchObject({ path: 'cats/default.jpg' });
  });

  it('lists a folder by the date its images were taken, oldest first, undated last', async () => {
    const answer = await graphql<{ folder: { images: { nodes: Array<{ path: string; takenAt: string | null }> } } }>(
      server.url,
      '{ folder(path: "trips") { images(orderBy: TAKEN_AT) { nodes { path takenAt } } } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.folder.images.nodes).toEqual([
      { path: 'trips/early.jpg', takenAt: '2019-02-03T04:05:06' },
      { path: 'trips/late.jpg', takenAt: '2023-07-01T09:00:00' },
      { path: 'trips/undated.jpg', takenAt: null },
    ]);
  });
});

describe('derivatives as fields', () => {
  it('answers image and responsive on a node as the root fields do for its path, in one request for a gallery', async () => {
    type Gallery = { folder: { images: { nodes: Array<{ path: string; width: number; image: { url: string; width: number; height: number }; responsive: { src: string } }> } } };
    const answer = await graphql<Gallery>(server.url, '{ folder(path: "cats") { images(first: 5) { nodes { path width image(width: 100, format: PNG) { url width height } responsive(widths: [80]) { src } } } } }');
    expect(answer.errors).toBeUndefined();
    const nodes = answer.data!.folder.images.nodes;
    expect(nodes).toHaveLength(4);
    for (const node of nodes) {
      const root = await graphql<{ image: { url: string } }>(server.url, 'query($path: String!) { image(path: $path, width: 100, format: PNG) { url } }', { path: node.path });
      expect(node.image.url).toBe(root.data!.image.url);
      const bytes = (await fetchBody(server.url + node.image.url)).body;
      expect(await inspect(bytes)).toMatchObject({ format: 'png', width: node.image.width, height: node.image.height });
      expect((await fetchBody(server.url + node.responsive.src)).status).toBe(200);
    }
  });

  it('bounds what a document may ask: pages multiply what is below them', async () => {
    const answer = await graphql(server.url, '{ folder { folders(first: 50) { nodes { images(first: 50) { nodes { dominantColor } } } } } }');
    expect(answer.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/^Expected an operation costing at most/) });
  });
});
