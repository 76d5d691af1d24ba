import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { isTemporaryName } from '../../src/fs/atomic-write';
import { inspect } from '../helpers/images';
import { spawnServer, type SpawnedServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SHUTDOWN_BOUND_MS = 10_000;
const root = tempDir();

/** Noise compresses badly and decodes slowly: renders of it stay in flight long enough to be caught. */
async function writeNoise(file: string, width: number, height: number): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toBuffer());
}

function filesUnder(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name)) : [];
}

/** A GET on a connection of its own, so it cannot be answered on one opened before. */
function getOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
}

async function health(server: SpawnedServer): Promise<{ processing: { active: number; queued: number }; imagesProcessed: number }> {
  return (await fetch(`${server.address}/health`)).json() as Promise<{ processing: { active: number; queued: number }; imagesProcessed: number }>;
}

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function logLines(server: SpawnedServer): Array<Record<string, unknown>> {
  return server
    .output()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('on SIGTERM', () => {
  it('stops accepting, finishes the requests and renders in flight, leaves no temporary file and exits 0 in time', async () => {
    const imagesDir = path.join(root, 'requests', 'images');
    const cacheDir = path.join(root, 'requests', 'cache');
    await writeNoise(path.join(imagesDir, 'noise.jpg'), 3000, 2000);
    const server = await spawnServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--precache', 'false', '--processing-concurrency', '1'], { GOIMGSERVER_ALLOW_UNSIGNED: 'true' }, root);

    const widths = [400, 500, 600, 700];
    const inFlight = widths.map((width) => fetch(`${server.address}/img/noise/${width}`).then(async (response) => ({ status: response.status, body: Buffer.from(await response.arrayBuffer()) })));
    await until(async () => (await health(server)).processing.queued >= 2);

    const started = Date.now();
    const exited = server.stop();
    await until(() => getOnNewConnection(`${server.address}/health`).then(() => false, (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED'), 2000);

    const answers = await Promise.all(inFlight);
    expect(answers.map((answer) => answer.status)).toEqual(widths.map(() => 200));
    expect(await Promise.all(answers.map((answer) => inspect(answer.body).then((meta) => meta.width)))).toEqual(widths);
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_BOUND_MS);

    const files = filesUnder(cacheDir).filter((file) => !file.includes(`${path.sep}.placeholder${path.sep}`));
    expect(files.filter((file) => isTemporaryName(path.basename(file)))).toEqual([]);
    expect(files).toHaveLength(widths.length);
    const lines = logLines(server);
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    const order = lines.map((line) => line.msg);
    expect(order.indexOf('stopped')).toBeGreaterThan(order.lastIndexOf('request'));
  });

  it('waits past 10 s for a request in flight: nothing but --shutdown-timeout cuts it', async () => {
    const imagesDir = path.join(root, 'long', 'images');
    mkdirSync(imagesDir, { recursive: true });
    const server = await spawnServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'long', 'cache'), '--precache', 'false'], {}, root);
    // A request that stays in flight without costing CPU: its body arrives after the stop began, 12 s later.
    const body = JSON.stringify({ query: '{ __typename }' });
    const { port } = new URL(server.address);
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const exited = server.stop();
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    socket.write(body.slice(5));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('{"data":{"__typename":"Query"}}');
    expect(await exited).toBe(0);
    expect(logLines(server).filter((line) => line.msg === 'request')).toEqual([expect.objectContaining({ url: '/graphql', status: 200 })]);
  }, 30_000);

  it('gives up at --shutdown-timeout when a render outlasts it, and says so', async () => {
    const imagesDir = path.join(root, 'bound', 'images');
    await writeNoise(path.join(imagesDir, 'noise.jpg'), 2000, 1400);
    const server = await spawnServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'bound', 'cache'), '--precache', 'false', '--shutdown-timeout', '1'], { GOIMGSERVER_ALLOW_UNSIGNED: 'true' }, root);
    // A full-size AVIF of noise takes libvips seconds.
    const inFlight = fetch(`${server.address}/img/noise/2000x1400/avif`).then(
      (response) => response.status,
      () => 'cut',
    );
    await until(async () => (await health(server)).processing.active >= 1);
    expect(await server.stop()).toBe(1);
    expect(await inFlight).toBe('cut');
    const lines = logLines(server);
    const stopping = lines.find((line) => line.msg === 'shutting down') as { time: number };
    const gaveUp = lines.find((line) => line.msg === 'shutdown took too long (--shutdown-timeout); exiting') as { time: number; boundSeconds: number };
    expect(gaveUp.boundSeconds).toBe(1);
    // The process itself ends once libvips returns from the render it is in (Node joins its
    // threads on exit); the decision is taken at the bound.
    expect(gaveUp.time - stopping.time).toBeGreaterThanOrEqual(1000);
    expect(gaveUp.time - stopping.time).toBeLessThan(2500);
  });

  it('during the pre-cache: waits for the renders started, starts no more, and leaves only whole files', async () => {
    const imagesDir = path.join(root, 'precache', 'images');
    const cacheDir = path.join(root, 'precache', 'cache');
    for (let i = 0; i < 12; i++) await writeNoise(path.join(imagesDir, `noise${i}.jpg`), 1600, 1200);
    const server = await spawnServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--precache', 'true', '--precache-workers', '2'], { GOIMGSERVER_ALLOW_UNSIGNED: 'true' }, root);
    await until(async () => (await health(server)).processing.active >= 1);

    expect(await server.stop()).toBe(0);
    const files = filesUnder(cacheDir).filter((file) => !file.includes(`${path.sep}.placeholder${path.sep}`));
    expect(files.filter((file) => isTemporaryName(path.basename(file)))).toEqual([]);
    expect(files.length).toBeGreaterThan(0);
    expect(files.length).toBeLessThan(12);
    for (const file of files) expect(await sharp(file).metadata()).toMatchObject({ format: 'webp', width: 1000 });
    expect(logLines(server).find((line) => line.msg === 'stopped')).toMatchObject({ removedTemporary: 0 });
  });
});
