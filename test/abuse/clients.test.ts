import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const env = { GOIMGSERVER_SIGNING_SECRET: 'clients-abuse-secret-0123456789abcdef' };

beforeAll(async () => {
  await makeSource(imagesDir, 'large.jpg', { width: 4000, height: 3000 });
  // Noise makes every render take a while (seconds for AVIF), so that requests queue up behind it.
  mkdirSync(imagesDir, { recursive: true });
  await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toFile(path.join(imagesDir, 'noise.jpg'));
  await makeSource(imagesDir, 'small.jpg', { width: 300, height: 200 });
});

/** Settles once no render runs or waits. */
async function idle(server: TestServer): Promise<void> {
  for (;;) {
    const { active, queued } = server.app.service.stats();
    if (active === 0 && queued === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('clients that leave', () => {
  it('drops the queued renders of clients that disconnected before they started', async () => {
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'leave-cache'), '--allow-unsigned', '--processing-concurrency', '1', '--rate-limit-renders', 'off'], env);
    try {
      const widths = Array.from({ length: 20 }, (_, i) => 2000 + i * 10);
      const attempts = widths.map(async (width) => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        return fetch(`${server.url}/img/noise/${width}/avif`, { signal: controller.signal }).then(
          (response) => response.arrayBuffer(),
          () => null,
        );
      });
      await Promise.all(attempts);
      await idle(server);
      // The render running when they left may finish; none of the waiting ones start.
      expect(server.app.service.stats().imagesProcessed).toBeLessThanOrEqual(1);
      const later = await fetchBody(`${server.url}/img/noise/${widths[5]}/webp`);
      expect(later.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('gives the queue places of renders whose clients left to others at once, and logs the left requests', async () => {
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'places-cache'), '--allow-unsigned', '--processing-concurrency', '1', '--max-queue', '3', '--rate-limit-renders', 'off'], env);
    try {
      const running = fetchBody(`${server.url}/img/noise/1500/avif/q90`);
      while (server.app.service.stats().active < 1) await new Promise((resolve) => setTimeout(resolve, 10));
      const leaving = [3000, 3010, 3020].map((width) => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        return fetch(`${server.url}/img/noise/${width}/avif`, { signal: controller.signal }).catch(() => null);
      });
      await Promise.all(leaving);
      for (let i = 0; i < 50 && server.app.service.stats().queued > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(server.app.service.stats()).toMatchObject({ active: 1, queued: 0 });
      const later = fetchBody(`${server.url}/img/noise/400/webp`);
      expect((await later).status).toBe(200);
      expect((await running).status).toBe(200);
      const left = server.logs.filter((line) => line.msg === 'request' && line.status === 499);
      expect(left.map((line) => line.url).sort()).toEqual(['/img/noise/3000/avif', '/img/noise/3010/avif', '/img/noise/3020/avif']);
      expect(server.app.service.stats().imagesProcessed).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('renders for the client that stayed, even when another asking for the same image left', async () => {
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'stay-cache'), '--allow-unsigned', '--processing-concurrency', '1'], env);
    try {
      const blocker = fetchBody(`${server.url}/img/large/3000/png`);
      const controller = new AbortController();
      const leaving = fetch(`${server.url}/img/large/1234`, { signal: controller.signal }).catch(() => null);
      const staying = fetchBody(`${server.url}/img/large/1234`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort();
      await leaving;
      expect((await staying).status).toBe(200);
      expect((await blocker).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('a render that outlasts --processing-timeout', () => {
  it('fails its request at the deadline even while the encoder runs on, and keeps the slot until it is done', async () => {
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'slow-cache'), '--allow-unsigned', '--processing-concurrency', '1', '--processing-timeout', '1'], env);
    try {
      const response = await fetchBody(`${server.url}/img/noise/1600/avif/q90`);
      expect(response.status).toBe(422);
      expect(response.json()).toEqual({ code: 'UNSUPPORTED_IMAGE', message: 'The source took longer than 1 s to process.' });
      // The AVIF encoder cannot be stopped: its slot stays taken, so the bound on renders holds.
      expect(server.app.service.stats().active).toBe(1);
      await idle(server);
    } finally {
      await server.close();
    }
  });
});

describe('a full render queue', () => {
  it('refuses a miss with 503 before looking at any file, and still serves what memory knows to be cached', async () => {
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'full-cache'), '--processing-concurrency', '1', '--max-queue', '1', '--rate-limit-renders', 'off'], env);
    try {
      const urlOf = async (p: string, width: number, format = 'PNG') =>
        (await graphql<{ image: { url: string } }>(server.url, `{ image(path: "${p}", width: ${width}, format: ${format}) { url } }`)).data!.image.url;
      const hit = await urlOf('small', 100, 'WEBP');
      expect((await fetchBody(server.url + hit)).status).toBe(200);
      const slow = [await urlOf('large', 3900), await urlOf('large', 3800)];
      const fresh = await urlOf('large', 3700);
      const busy = slow.map((url) => fetchBody(server.url + url));
      while (server.app.service.stats().queued < 1) await new Promise((resolve) => setTimeout(resolve, 10));

      const reads = server.app.service.stats().metadataReads;
      const refused = await fetchBody(server.url + fresh);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.json()).toMatchObject({ code: 'OVERLOADED' });
      expect(server.app.service.stats().metadataReads).toBe(reads);
      const known = await fetchBody(server.url + hit, { headers: { 'if-none-match': '"nothing"' } });
      expect([known.status, known.headers.get('x-cache-status')]).toEqual([200, 'HIT']);
      expect((await Promise.all(busy)).map((response) => response.status)).toEqual([200, 200]);
    } finally {
      await server.close();
    }
  });
});

/** Opens a TCP connection and resolves with what the server sends until it closes it (or `waitMs` passes). */
function connect(url: string, send: string, waitMs: number): Promise<{ closed: boolean; received: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect(Number(port), hostname, () => socket.write(send));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, received });
    }, waitMs);
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, received });
    });
    socket.on('error', () => undefined);
  });
}

describe('idle, slow and numerous connections', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'conn-cache'), '--headers-timeout', '1', '--max-connections-per-client', '3'], env);
  });
  afterAll(() => server.close());

  it('closes a connection that sends nothing within --headers-timeout', async () => {
    const idleOne = await connect(server.url, '', 5000);
    expect(idleOne.closed).toBe(true);
  });

  it('closes a connection that sends its headers too slowly', async () => {
    const { hostname, port } = new URL(server.url);
    const socket = net.connect(Number(port), hostname);
    socket.on('error', () => undefined);
    // Read what the server sends, or its closing is never seen.
    socket.resume();
    let timer: NodeJS.Timeout | undefined;
    const closed = new Promise<boolean>((resolve) => {
      socket.on('close', () => resolve(true));
      timer = setTimeout(() => resolve(false), 5000);
    });
    const drip = setInterval(() => socket.write('X-Slow: header\r\n'), 200);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    try {
      expect(await closed).toBe(true);
    } finally {
      clearInterval(drip);
      clearTimeout(timer);
      socket.destroy();
    }
  });

  it('answers the connection past --max-connections-per-client with 429 and closes it', async () => {
    const { hostname, port } = new URL(server.url);
    const held = await Promise.all(
      Array.from({ length: 3 }, () => new Promise<net.Socket>((resolve) => {
        const socket = net.connect(Number(port), hostname, () => resolve(socket));
      })),
    );
    try {
      const extra = await connect(server.url, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 3000);
      expect(extra.closed).toBe(true);
      expect(extra.received).toMatch(/^HTTP\/1\.1 429 Too Many Requests/);
    } finally {
      for (const socket of held) socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetchBody(`${server.url}/health`)).status).toBe(200);
  });
});
