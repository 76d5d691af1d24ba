import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const env = { GOIMGSERVER_SIGNING_SECRET: 'amplification-secret-0123456789abcdefg' };
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'default.jpg', { width: 800, height: 600 });
  await makeSource(imagesDir, 'photo.jpg', { width: 800, height: 600 });
  await makeSource(root, 'outside.jpg', { width: 50, height: 50 });
  symlinkSync(path.join(root, 'outside.jpg'), path.join(imagesDir, 'escape.jpg'));
  server = await startServer(
    ['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--allow-unsigned', '--source-check-interval', '0', '--rate-limit-renders', '3/1m'],
    env,
  );
});
afterAll(() => server.close());

describe('work a stranger could multiply', () => {
  it('renders the fallback of many distinct missing names once, and answers every one of them', async () => {
    const before = server.app.service.stats().imagesProcessed;
    const names = Array.from({ length: 25 }, (_, i) => `missing-${i}`);
    const first = await Promise.all(names.slice(0, 5).map((name) => fetchBody(`${server.url}/img/${name}/300`)));
    const rest = await Promise.all(names.slice(5).map((name) => fetchBody(`${server.url}/img/${name}/300`)));
    for (const response of [...first, ...rest]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('x-image-source')).toBe('DEFAULT');
    }
    expect(server.app.service.stats().imagesProcessed - before).toBe(1);
  });

  it('counts placeholder renders against the client render budget', async () => {
    const placeholder = (width: number) => graphql(server.url, `{ responsive(path: "photo", widths: [${width}]) { placeholder { color } } }`);
    const codes: Array<string | undefined> = [];
    for (const width of [100, 110, 120, 130]) codes.push((await placeholder(width)).errors?.[0]?.extensions.code);
    // The fallback above used one render of the budget of three.
    expect(codes).toEqual([undefined, undefined, 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(server.app.previews.rendered()).toBe(2);
  });

  it('warns about a symlink that leads outside once, however often it is asked for', async () => {
    for (let i = 0; i < 5; i++) expect((await fetchBody(`${server.url}/img/escape.jpg/100`)).headers.get('x-image-source')).not.toBe('ORIGINAL');
    expect(server.logs.filter((line) => String(line.msg).startsWith('symlink leads outside'))).toHaveLength(1);
  });
});
