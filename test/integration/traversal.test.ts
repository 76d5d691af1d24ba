import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { meanColour } from '../helpers/images';
import { rawGet, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const MAGENTA = { r: 255, g: 0, b: 255 };
const root = tempDir();
const imagesDir = path.join(root, 'images');
let server: TestServer;

beforeAll(async () => {
  // The secret sits beside the images directory, where a traversal would find it.
  await makeSource(root, 'secret.jpg', { width: 64, height: 64, colour: MAGENTA });
  await makeSource(imagesDir, 'secret-free.jpg', { width: 64, height: 64 });
  await makeSource(imagesDir, 'default.jpg', { width: 64, height: 64, colour: { r: 128, g: 128, b: 128 } });
  await makeSource(imagesDir, '.git/leak.jpg', { width: 64, height: 64, colour: MAGENTA });
  symlinkSync(path.join(root, 'secret.jpg'), path.join(imagesDir, 'escape.jpg'));
  symlinkSync(root, path.join(imagesDir, 'outside'));
  symlinkSync(path.join(imagesDir, 'secret-free.jpg'), path.join(imagesDir, 'alias.jpg'));
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--allow-unsigned']);
});
afterAll(() => server.close());

const ATTEMPTS = [
  '/img/../secret.jpg',
  '/img/../secret',
  '/img/..%2fsecret.jpg',
  '/img/..%2Fsecret',
  '/img/%2e%2e/secret.jpg',
  '/img/%2e%2e%2fsecret.jpg',
  '/img/%252e%252e%252fsecret.jpg',
  '/img/%252e%252e/secret.jpg',
  '/img/..%5csecret.jpg',
  '/img/..\\secret.jpg',
  '/img/%00/../secret.jpg',
  '/img/secret.jpg%00.png',
  '/img//secret.jpg',
  `/img/${encodeURIComponent(root)}%2fsecret.jpg`,
  '/img/escape.jpg',
  '/img/escape',
  '/img/outside/secret.jpg',
  '/img/outside/secret',
  '/img/.git/leak.jpg',
  '/img/.git/leak',
  '/img/cats/../../secret.jpg',
];

describe('confinement to the images directory', () => {
  it.each(ATTEMPTS)('%s never serves the file outside', async (attempt) => {
    const response = await rawGet(server.url, attempt);
    if (response.status === 200) {
      expect(response.headers['x-image-source']).not.toBe('ORIGINAL');
      const mean = await meanColour(response.body);
      expect(Math.abs((mean.g as number) - MAGENTA.g)).toBeGreaterThan(60);
    } else {
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body.toString())).toMatchObject({ code: 'BAD_USER_INPUT' });
      // The message may quote the request, but never a path the request did not contain.
      if (!decodeURIComponent(attempt).includes(root)) expect(response.body.toString()).not.toContain(root);
    }
  });

  it('follows a symlink that stays inside', async () => {
    const response = await rawGet(server.url, '/img/alias.jpg/32');
    expect(response.status).toBe(200);
    expect(response.headers['x-image-source']).toBe('ORIGINAL');
  });

  it('logs a warning for a symlink that leads outside', async () => {
    await rawGet(server.url, '/img/escape.jpg');
    expect(server.logs).toEqual(expect.arrayContaining([expect.objectContaining({ level: 40, path: 'escape.jpg' })]));
  });
});
