// What reading sources for their versions costs (`npm run bench:versions`, about a minute):
// a first sight of a 12 MP JPEG and of a 48 MB file through the server's own code and chunk
// size, next to a stat (all the old mtime versions needed), in ms per file and per MB; the
// event loop's longest wait meanwhile at three chunk sizes; and the pre-cache at start-up of
// VERSIONS_SOURCES distinct copies of the 12 MP photograph, into an empty cache (every
// source read and rendered) and again into the full cache (every source read, none rendered).
// Files are read from the page cache, as just written: a cold disk adds its own reading time.
const { createReadStream, promises: fs, mkdtempSync, rmSync, copyFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { photo } = require('../scripts/photo');
const { startNode, waitForLog } = require('./processes');
const { createContentIds } = require('../dist/images/content-id');

const SOURCES = Number(process.env.VERSIONS_SOURCES || 40);
const CHUNK_BYTES = 256 * 1024;
const MB = 1024 * 1024;
const PRECACHE_TIMEOUT_MS = 600_000;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (value, digits = 2) => Number(value.toFixed(digits));

/** First sights of `files` (distinct files) one after another, through a fresh memo: ms each. */
async function firstSights(files, chunkBytes = CHUNK_BYTES) {
  const ids = createContentIds({ stat: (file) => fs.stat(file), read: (file) => createReadStream(file, { highWaterMark: chunkBytes }) });
  const times = [];
  for (const file of files) {
    const seen = await fs.stat(file);
    const started = performance.now();
    await ids.identify(file, seen);
    times.push(performance.now() - started);
  }
  return times;
}

async function statTimes(files) {
  const times = [];
  for (const file of files) {
    const started = performance.now();
    await fs.stat(file);
    times.push(performance.now() - started);
  }
  return times;
}

/** The longest the event loop waited while `task` ran, in ms. */
async function longestWait(task) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await task();
  delay.disable();
  return delay.max / 1e6;
}

/** Starts the built server with the pre-cache on, waits for it to finish and stops it: its duration in ms. */
async function precache(imagesDir, cacheDir, logFile) {
  const server = await startNode(path.join(__dirname, '..', 'dist', 'main.js'), ['--port', '0', '--host', '127.0.0.1', '--imagesdir', imagesDir, '--cachedir', cacheDir, '--precache', 'true', '--precache-workers', '2'], { logFile });
  try {
    return (await waitForLog(logFile, 'pre-cache finished', PRECACHE_TIMEOUT_MS)).durationMs;
  } finally {
    await server.stop();
  }
}

async function main() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'goimgserver-versions-'));
  try {
    const imagesDir = path.join(work, 'images');
    await fs.mkdir(imagesDir);
    const original = path.join(work, 'photo-4000x3000.jpg');
    await photo(4000, 3000, 5).jpeg({ quality: 85 }).toFile(original);
    const photoBytes = (await fs.stat(original)).size;
    const copies = Array.from({ length: SOURCES }, (_, i) => path.join(imagesDir, `photo-${String(i).padStart(3, '0')}.jpg`));
    for (const copy of copies) copyFileSync(original, copy);
    const large = path.join(work, 'large.bin');
    writeFileSync(large, Buffer.alloc(48 * MB, 'not an image '));
    const larges = Array.from({ length: 5 }, (_, i) => `${large}.${i}`);
    for (const copy of larges) copyFileSync(large, copy);

    const photoMs = median(await firstSights(copies));
    const largeMs = median(await firstSights(larges));
    const statMs = median(await statTimes(copies));
    const waits = {};
    for (const chunk of [64 * 1024, CHUNK_BYTES, MB]) {
      let ms = 0;
      const wait = await longestWait(async () => (ms = median(await firstSights(larges, chunk))));
      waits[`${chunk / 1024} KB`] = { msPer48MB: round(ms, 1), longestWaitMs: round(wait, 1) };
    }

    const cacheDir = path.join(work, 'cache');
    const emptyMs = await precache(imagesDir, cacheDir, path.join(work, 'empty.log'));
    const fullMs = await precache(imagesDir, cacheDir, path.join(work, 'full.log'));

    const report = {
      photo: { megabytes: round(photoBytes / MB), firstSightMs: round(photoMs), msPerMB: round(photoMs / (photoBytes / MB), 3), statMs: round(statMs, 3) },
      large48MB: { firstSightMs: round(largeMs, 1), msPerMB: round(largeMs / 48, 3), MBps: Math.round(48 / (largeMs / 1000)) },
      chunkSizes: waits,
      precache: { sources: SOURCES, emptyCacheMs: emptyMs, fullCacheMs: fullMs, readingShareOfFullMs: Math.round(photoMs * SOURCES) },
      cpus: os.cpus().length,
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
