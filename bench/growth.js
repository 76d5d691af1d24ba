// The growth section: how what an operator waits for grows with the images repository. At a
// small and a large size, the images folder is a git checkout of small JPEGs in folders of 100,
// each with one cached derivative, and the built server is timed on a one-file syncImages,
// a clearCache of everything and a restart, and its memory is read once the cache is known.
// The small size is 2000 images; BENCH_GROWTH_LARGE sets the large one (20000).
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const sharp = require('sharp');
const { request } = require('./load');
const { waitForLog } = require('./processes');
const { number } = require('./report');

const SMALL = 2000;
const LARGE = Number(process.env.BENCH_GROWTH_LARGE || 20_000);
const PER_FOLDER = 100;
// Each sync takes one commit touching one image; the median of these is kept.
const SYNCS = 3;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const GIT_TIMEOUT_MS = 300_000;
const RESOLVED_TIMEOUT_MS = 300_000;
const REQUEST_TIMEOUT_MS = 120_000;
const HEALTH_TIMEOUT_MS = 60_000;

const SYNC = 'mutation { syncImages { updated clearedFiles } }';
const CLEAR = 'mutation { clearCache { clearedFiles } }';
const IMAGE = 'query Image($path: String!) { image(path: $path) { url } }';

/** `promise`, or a failure naming `what` once `ms` have passed. */
function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function timed(task) {
  const started = performance.now();
  const result = await task();
  return { result, ms: performance.now() - started };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function git(cwd, ...args) {
  // A fixed identity and no signing, whatever the user's configuration says.
  const settings = ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];
  return execFileSync('git', [...settings, ...args], { cwd, timeout: GIT_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).toString();
}

/** The images' names: `g0000/img-00000.jpg`, 100 to a folder. */
const imageNames = (count) => Array.from({ length: count }, (_, i) => `g${String(Math.floor(i / PER_FOLDER)).padStart(4, '0')}/img-${String(i).padStart(5, '0')}.jpg`);

/** The path a client asks for: the name without its extension. */
const requestPath = (name) => name.slice(0, -'.jpg'.length);

/** A tiny image as a JPEG (the sources) and as a WebP (their derivatives); `shade` tells versions apart. */
async function tinyImage(shade, format) {
  const image = sharp({ create: { width: 64, height: 48, channels: 3, background: { r: shade, g: 120, b: 200 } } });
  return (format === 'webp' ? image.webp({ quality: 75 }) : image.jpeg({ quality: 80 })).toBuffer();
}

/**
 * A bare remote, a publishing clone that commits every image and pushes, and the clone the
 * server serves and syncs, all under `dir`.
 */
function makeRepository(dir, names, jpeg) {
  const remote = path.join(dir, 'remote.git');
  const publisher = path.join(dir, 'publisher');
  const served = path.join(dir, 'images');
  git(dir, 'init', '-q', '--bare', remote);
  git(dir, 'clone', '-q', remote, publisher);
  for (const name of names) {
    fs.mkdirSync(path.join(publisher, path.dirname(name)), { recursive: true });
    fs.writeFileSync(path.join(publisher, name), jpeg);
  }
  git(publisher, 'add', '-A');
  git(publisher, 'commit', '-q', '-m', `${names.length} images`);
  git(publisher, 'push', '-q', 'origin', 'HEAD');
  git(dir, 'clone', '-q', remote, served);
  return { publisher, served };
}

/** One change pushed to the remote: `name` gets new bytes. */
function publish(publisher, name, jpeg) {
  fs.writeFileSync(path.join(publisher, name), jpeg);
  git(publisher, 'commit', '-q', '-a', '-m', `Change ${name}`);
  git(publisher, 'push', '-q', 'origin', 'HEAD');
}

/**
 * One derivative per image, written where the server's cache keeps it
 * (`{cachedir}/{requested path}/{32 hex}.webp`): rendering them all would take far longer than what is measured.
 */
function fillCache(cacheDir, names, webp) {
  fs.rmSync(cacheDir, { recursive: true, force: true });
  for (const name of names) {
    const folder = path.join(cacheDir, requestPath(name));
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, `${createHash('md5').update(name).digest('hex')}.webp`), webp);
  }
}

/** A free port on the loopback interface, so that /health can be polled from the moment of the spawn. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/**
 * Starts a server on a port chosen beforehand and polls its /health from the spawn on: the
 * server, and the time until the first 200.
 */
async function timedStart(start, port) {
  const address = `http://127.0.0.1:${port}`;
  const spawned = performance.now();
  const starting = start(port);
  let failed = false;
  starting.catch(() => {
    failed = true;
  });
  const healthy = (async () => {
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    while (!failed) {
      const status = await request(`${address}/health`).then((response) => response.status, () => null);
      if (status === 200) return performance.now() - spawned;
      if (Date.now() > deadline) throw new Error(`${address}/health did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const [server, health] = await Promise.allSettled([starting, healthy]);
  if (server.status === 'rejected') throw server.reason;
  if (health.status === 'rejected') {
    await server.value.stop();
    throw health.reason;
  }
  return { server: server.value, ms: health.value };
}

/** The measures at one size; every server it starts is stopped, also on failure. */
async function measureSize(dir, count, images, { startServer, graphql, log }) {
  log(`growth: ${count} images, making the repository and the cache`);
  fs.mkdirSync(dir);
  const names = imageNames(count);
  const { publisher, served } = makeRepository(dir, names, images.jpeg);
  const cacheDir = path.join(dir, 'cache');
  fillCache(cacheDir, names, images.webp);
  const options = { imagesDir: served, cacheDir, env: { GOIMGSERVER_ADMIN_TOKENS: `bench:${ADMIN_TOKEN}` } };
  const admin = (address, query) => within(REQUEST_TIMEOUT_MS, query, graphql(address, query, undefined, { Authorization: `Bearer ${ADMIN_TOKEN}` }));

  let server = await startServer(dir, `growth-${count}`, [], options);
  try {
    const resolved = await waitForLog(server.logFile, 'cached paths resolved', RESOLVED_TIMEOUT_MS);
    const rssMb = server.rssMb();

    log(`growth: ${count} images, ${SYNCS} one-file syncs`);
    const syncs = [];
    for (let i = 1; i <= SYNCS; i++) {
      const name = names[Math.floor((count * i) / (SYNCS + 1))];
      publish(publisher, name, images.changed);
      const sync = await timed(() => admin(server.address, SYNC));
      const { updated, clearedFiles } = sync.result.syncImages;
      if (!updated || clearedFiles < 1) throw new Error(`syncImages after changing ${name} answered ${JSON.stringify(sync.result.syncImages)}`);
      syncs.push({ ms: sync.ms, clearedFiles });
      // Rendered again, so that every image has its derivative for what comes next.
      const { url } = (await graphql(server.address, IMAGE, { path: requestPath(name) })).image;
      const { status } = await within(REQUEST_TIMEOUT_MS, url, request(server.address + url));
      if (status !== 200) throw new Error(`${url} answered ${status} after the sync`);
    }

    log(`growth: ${count} images, clearCache of everything`);
    const clear = await timed(() => admin(server.address, CLEAR));
    const { clearedFiles } = clear.result.clearCache;
    if (clearedFiles !== count) throw new Error(`clearCache cleared ${clearedFiles} files of ${count}`);
    // Stopping waits for the cleared files to be deleted: how long that takes is told beside the table.
    const stop = await timed(() => server.stop());

    log(`growth: ${count} images, restart until /health answers 200`);
    fillCache(cacheDir, names, images.webp);
    const restart = await timedStart((port) => startServer(dir, `growth-${count}-restart`, [], { ...options, port }), await freePort());
    server = restart.server;
    return { count, rssMb, resolved, syncs, syncMs: median(syncs.map((sync) => sync.ms)), clearMs: clear.ms, stop: { ms: stop.ms, code: stop.result }, restartMs: restart.ms };
  } finally {
    await server.stop();
  }
}

/** Both sizes, one after the other, each in its own folder under `work`, removed once measured. */
async function measureGrowth(work, dependencies) {
  if (!Number.isInteger(LARGE) || LARGE <= SMALL) throw new Error(`BENCH_GROWTH_LARGE: a whole number of images above ${SMALL}, not ${process.env.BENCH_GROWTH_LARGE}`);
  const images = { jpeg: await tinyImage(40, 'jpeg'), changed: await tinyImage(220, 'jpeg'), webp: await tinyImage(40, 'webp') };
  const sizes = [];
  for (const count of [SMALL, LARGE]) {
    const dir = path.join(work, `growth-${count}`);
    try {
      sizes.push(await measureSize(dir, count, images, dependencies));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const [small, large] = sizes;
  return { small, large, jpegBytes: images.jpeg.length };
}

const ms = (value) => `${number(value, 1)} ms`;

/** Each measure at both sizes, its growth, and the issue's target where it has one. */
function growthRows({ small, large }) {
  const row = (measure, format, of, target, met) => ({ measure, small: format(of(small)), large: format(of(large)), growth: of(large) / of(small), target, met: met?.(of(large) / of(small), of(large)) });
  return [
    row(`one-file \`syncImages\` (median of ${SYNCS})`, ms, (size) => size.syncMs, 'large ≤ 2× small', (growth) => growth <= 2),
    row('`clearCache` of everything', ms, (size) => size.clearMs, 'large < 0.5 s', (_growth, large) => large < 500),
    row('restart: spawn to the first 200 from `/health`', ms, (size) => size.restartMs, ''),
    row('RSS, cache indexed and its paths resolved', (mb) => `${number(mb, 1)} MB`, (size) => size.rssMb, 'large ≤ 1.5× small', (growth) => growth <= 1.5),
  ];
}

/** What the table does not say: the sizes, what each sync cleared, the background resolution. */
function growthNotes({ small, large, jpegBytes }) {
  const each = (describe) => `at ${small.count}: ${describe(small)}; at ${large.count}: ${describe(large)}`;
  return [
    `Sizes: ${small.count} and ${large.count} images (\`BENCH_GROWTH_LARGE\`), one ${jpegBytes} B JPEG under every name, ${PER_FOLDER} to a folder, in a git checkout synced from a bare remote on the same disk; each image has one cached WebP derivative before every measure.`,
    `Files cleared by each sync, ${each((size) => size.syncs.map((sync) => sync.clearedFiles).join(', '))}. Each sync's time, ${each((size) => size.syncs.map((sync) => ms(sync.ms)).join(', '))}.`,
    `Cached paths resolved in the background after start-up, ${each((size) => `${size.resolved.resolved} in ${size.resolved.durationMs} ms`)}.`,
    `SIGTERM right after the clear, until the server exited (the deletion goes on in the background and what it leaves is deleted at the next start; the bench kills it after 15 s, exit code null), ${each((size) => `${ms(size.stop.ms)}, exit code ${size.stop.code}`)}.`,
  ];
}

module.exports = { measureGrowth, growthRows, growthNotes };
