import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildSchema } from 'graphql';
import { createClient, GoimgserverError } from '../../client';
import { inspect, makeSource } from '../helpers/images';
import { fetchBody, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const ROOT = path.resolve(__dirname, '../..');
const TOKEN = 'client-test-admin-token-0123456789';

describe('the generated SDK', () => {
  it('is exactly what `npm run codegen` makes from the committed schema and operations', async () => {
    const codegen = path.join(ROOT, 'node_modules/.bin/graphql-codegen');
    await expect(promisify(execFile)(codegen, ['--config', 'codegen.yml', '--check'], { cwd: ROOT })).resolves.toBeDefined();
  });

  it('has an operation for every root field of the schema', () => {
    const schema = buildSchema(readFileSync(path.join(ROOT, 'schema/schema.graphql'), 'utf8'));
    const dir = path.join(ROOT, 'client/operations');
    const operations = readdirSync(dir)
      .map((file) => readFileSync(path.join(dir, file), 'utf8'))
      .join('\n');
    const fields = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) => Object.keys(type.getFields()));
    expect(fields.filter((field) => !new RegExp(`\\b${field}\\(|\\b${field} \\{`).test(operations))).toEqual([]);
  });
});

describe('the typed client against a live server', () => {
  const root = tempDir();
  let server: TestServer;

  beforeAll(async () => {
    const imagesDir = path.join(root, 'images');
    await makeSource(imagesDir, 'photo.jpg', { width: 1200, height: 800 });
    await makeSource(imagesDir, 'cats/default.jpg', { width: 400, height: 300 });
    writeFileSync(path.join(imagesDir, 'broken.jpg'), 'not a jpeg');
    server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')], {
      GOIMGSERVER_SIGNING_SECRET: 'client-test-signing-secret-0123456789abcdef',
      GOIMGSERVER_ADMIN_TOKENS: `ci:${TOKEN}`,
    });
  });
  afterAll(() => server.close());

  const client = (token?: string) => createClient({ url: `${server.url}/graphql`, ...(token ? { token } : {}) });

  it('answers image with a URL whose bytes have the reported size', async () => {
    const image = await client().image({ path: 'photo', width: 300, format: 'JPEG' });
    expect(image).toMatchObject({ path: 'photo', source: 'ORIGINAL', width: 300, height: 200, format: 'JPEG', contentType: 'image/jpeg' });
    expect(await inspect((await fetchBody(server.url + image.url)).body)).toMatchObject({ format: 'jpeg', width: 300, height: 200 });
  });

  it('answers images in the order asked and responsive with its sources', async () => {
    const images = await client().images({ paths: ['cats/tiger', 'photo'], width: 100 });
    expect(images.map((image) => (image instanceof GoimgserverError ? image : [image.path, image.source]))).toEqual([
      ['cats/tiger', 'GROUP_DEFAULT'],
      ['photo', 'ORIGINAL'],
    ]);
    const responsive = await client().responsive({ path: 'photo', widths: [200, 400] });
    expect(responsive.sources.map((source) => source.type)).toEqual(['image/avif', 'image/webp']);
    expect(responsive.placeholder.color).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('hands back a failed path of a batch as its error, at its index, beside the other results', async () => {
    const images = await client().images({ paths: ['photo', 'broken', '../up'], width: 100 });
    expect(images[0]).toMatchObject({ path: 'photo', width: 100 });
    expect(images[1]).toBeInstanceOf(GoimgserverError);
    expect(images[1]).toMatchObject({ code: 'UNSUPPORTED_IMAGE', imagePath: 'broken', path: ['images', 1] });
    expect(images[2]).toMatchObject({ code: 'BAD_USER_INPUT', imagePath: '../up', path: ['images', 2] });
    const gallery = await client().responsiveImages({ paths: ['broken', 'photo'], widths: [200, 400] });
    expect(gallery[0]).toMatchObject({ code: 'UNSUPPORTED_IMAGE', imagePath: 'broken', path: ['responsiveImages', 0] });
    expect(gallery[1]).toMatchObject({ path: 'photo', width: 400, height: 267, placeholder: { color: expect.stringMatching(/^#[0-9a-f]{6}$/) } });
    await expect(client().images({ paths: ['photo'], width: 5 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', path: ['images'] });
  });

  it('browses folders and reads the facts of a source', async () => {
    const folder = await client().folder({ widths: [200] });
    expect(folder).toMatchObject({ path: '', folders: { totalCount: 1, nodes: [{ path: 'cats', name: 'cats' }] } });
    // broken.jpg cannot be read: it is null in the page, and the rest answers.
    expect(folder!.images.nodes.map((node) => node?.path ?? null)).toEqual([null, 'photo.jpg']);
    expect(folder!.images.totalCount).toBe(2);
    const cats = await client().folder({ path: 'cats' });
    expect(cats!.default).toMatchObject({ path: 'cats/default.jpg', format: 'jpeg', width: 400, height: 300 });
    expect(await client().folder({ path: 'dogs' })).toBeNull();
    const source = await client().source({ path: 'photo' });
    expect(source).toMatchObject({ path: 'photo.jpg', width: 1200, height: 800, frames: 1, dominantColor: expect.stringMatching(/^#[0-9a-f]{6}$/) });
    expect(await client().source({ path: 'cats/tiger' })).toBeNull();
    // A bad argument is not an unreadable image: it throws.
    await expect(client().folder({ widths: [5] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('throws the server error code for bad input', async () => {
    const failure = await client().image({ path: 'photo', width: 5 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GoimgserverError);
    expect(failure).toMatchObject({ code: 'BAD_USER_INPUT', path: ['image'] });
  });

  it('runs the administrative operations with a token, and is refused without one', async () => {
    await expect(client().cacheStats()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const admin = client(TOKEN);
    expect(await admin.cacheStats()).toMatchObject({ hits: expect.any(Number), misses: expect.any(Number) });
    expect(await admin.clearCache({ path: 'photo' })).toMatchObject({ clearedFiles: 1 });
    expect(await admin.syncStatus()).toMatchObject({ repository: false });
    await expect(admin.syncImages()).rejects.toMatchObject({ code: 'NOT_A_GIT_REPOSITORY' });
  });
});
