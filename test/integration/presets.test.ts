import path from 'node:path';
import { inspect, makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'presets-test-secret-0123456789abcdef';
const PRESETS = 'thumb: 200x200 cover webp q70; hero: 800x400 cover attention jpeg q60';
const IMAGE = 'query($path: String!, $preset: String, $width: Int) { image(path: $path, preset: $preset, width: $width) { url width height format quality } }';

const root = tempDir();
const imagesDir = path.join(root, 'images');

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 1200, height: 800 });
});

const start = (flags: string[]) => startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--presets', PRESETS, ...flags], { GOIMGSERVER_SIGNING_SECRET: SECRET });

describe('presets', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start([]);
  });
  afterAll(() => server.close());

  it('lists the configured presets', async () => {
    const answer = await graphql(server.url, '{ imagePresets { name width height format quality fit position enlarge } }');
    expect(answer.data).toEqual({
      imagePresets: [
        { name: 'thumb', width: 200, height: 200, format: 'WEBP', quality: 70, fit: 'COVER', position: 'CENTER', enlarge: false },
        { name: 'hero', width: 800, height: 400, format: 'JPEG', quality: 60, fit: 'COVER', position: 'ATTENTION', enlarge: false },
      ],
    });
  });

  it('answers image with a preset, with a URL whose bytes are the preset', async () => {
    const answer = await graphql<{ image: { url: string; width: number; height: number; format: string; quality: number } }>(server.url, IMAGE, { path: 'photo', preset: 'hero' });
    expect(answer.data!.image).toMatchObject({ width: 800, height: 400, format: 'JPEG', quality: 60 });
    expect(answer.data!.image.url).toContain('/800x400/cover/attention/jpeg/q60?');
    expect(await inspect((await fetchBody(server.url + answer.data!.image.url)).body)).toMatchObject({ format: 'jpeg', width: 800, height: 400 });
  });

  it('lets arguments given beside a preset override it', async () => {
    const answer = await graphql<{ image: { width: number; height: number; quality: number } }>(server.url, IMAGE, { path: 'photo', preset: 'thumb', width: 100 });
    expect(answer.data!.image).toMatchObject({ width: 100, height: 200, quality: 70 });
  });

  it('refuses an unknown preset naming the known ones', async () => {
    const answer = await graphql(server.url, IMAGE, { path: 'photo', preset: 'poster' });
    expect(answer.errors?.[0]).toMatchObject({ message: 'Expected a configured preset (thumb, hero) for preset but received "poster"', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('presets-only mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start(['--presets-only']);
  });
  afterAll(() => server.close());

  it('answers a preset alone', async () => {
    const answer = await graphql<{ image: { width: number } }>(server.url, IMAGE, { path: 'photo', preset: 'thumb' });
    expect(answer.data!.image.width).toBe(200);
  });

  it.each([
    ['no preset', { path: 'photo', width: 300 }, 'preset'],
    ['a width beside the preset', { path: 'photo', preset: 'thumb', width: 300 }, 'width'],
  ])('refuses %s, naming %s', async (_name, variables, argument) => {
    const answer = await graphql(server.url, IMAGE, variables);
    expect(answer.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toContain(`for ${argument} but`);
  });

  it.each([
    ['crop', 'crop: { left: 0, top: 0, width: 10, height: 10 }', '{"left":0,"top":0,"width":10,"height":10}'],
    ['focalPoint', 'focalPoint: { x: 0.5, y: 0.5 }', '{"x":0.5,"y":0.5}'],
    ['watermark', 'watermark: { name: "logo" }', '{"name":"logo"}'],
  ])('refuses an input object written in the document beside the preset (%s), showing it', async (argument, written, shown) => {
    const answer = await graphql(server.url, `{ image(path: "photo", preset: "thumb", ${written}) { url } }`);
    expect(answer.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(answer.errors?.[0]?.message).toBe(`Expected nothing beside the preset in presets-only mode for ${argument} but received ${shown}`);
  });

  it('refuses images without a preset and responsive altogether', async () => {
    const images = await graphql(server.url, '{ images(paths: ["photo"], width: 300) { url } }');
    expect(images.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const responsive = await graphql(server.url, '{ responsive(path: "photo") { src } }');
    expect(responsive.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(responsive.errors?.[0]?.message).toContain('presets only');
  });
});
