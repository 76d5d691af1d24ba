// `npm run bench:hot`: CPU per image request answered from memory, measured in-process: the
// server's request listener is called with real request and response objects and no socket,
// next to a listener that only sends the same bytes and headers. Leaving out the kernel and
// the load generator shows differences well under a microsecond, which `wrk`'s noise hides.
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { setImmediate: nextTurn } = require('node:timers/promises');
const pino = require('pino');
const { answerWithHeaders, request, stableHeaders } = require('./load');

const ROOT = path.join(__dirname, '..');
const { createApp } = require(path.join(ROOT, 'dist', 'app'));
const { loadConfig } = require(path.join(ROOT, 'dist', 'config', 'load'));
const { createLineWriter } = require(path.join(ROOT, 'dist', 'fs', 'line-writer'));

const ROUNDS = 5;
const TURNS = 2000;
// Answers per turn of the event loop, about as many as 50 connections bring under load.
const PER_TURN = 50;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Nanoseconds of CPU per answer of `listener` to GETs of `url`, over TURNS turns. */
async function cpuPerAnswer(listener, url) {
  const before = process.cpuUsage();
  for (let turn = 0; turn < TURNS; turn++) {
    for (let i = 0; i < PER_TURN; i++) {
      const req = new http.IncomingMessage(null);
      Object.assign(req, { method: 'GET', url, httpVersionMajor: 1, httpVersionMinor: 1, httpVersion: '1.1' });
      req.rawHeaders.push('Host', '127.0.0.1');
      const res = new http.ServerResponse(req);
      listener(req, res);
      if (!res.writableEnded || res.statusCode !== 200) throw new Error(`${url} was not answered from memory`);
    }
    await nextTurn();
  }
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / (TURNS * PER_TURN);
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'goimgserver-hot-'));
  const env = { NODE_ENV: 'production', GOIMGSERVER_SIGNING_SECRET: 'bench-secret-bench-secret-bench-secret-0123' };
  // Once a second by default a request goes through the route to look at the files again,
  // asynchronously; here every answer has to come from memory at once.
  const flags = ['--source-check-interval', '3600', '--precache', 'false'];
  const config = loadConfig(['--host', '127.0.0.1', '--port', '0', '--imagesdir', path.join(ROOT, 'images'), '--cachedir', path.join(work, 'cache'), ...flags], env, ROOT);
  // Log lines go to a file, as they would in production, and are written the same way.
  const logger = pino({ level: config.logLevel }, createLineWriter(fs.openSync(path.join(work, 'server.log'), 'w')));
  const app = await createApp(config, logger);
  try {
    const address = await app.listen();
    const query = '{ image(path: "landscape", width: 800, format: WEBP) { url } }';
    const { url } = JSON.parse((await request(`${address}/graphql`, { json: { query } })).body.toString()).data.image;
    await request(address + url);
    const hit = await request(address + url);

    const bare = answerWithHeaders(hit.body, stableHeaders(hit.headers));
    const [ours] = app.server.server.listeners('request');

    await cpuPerAnswer(ours, url);
    await cpuPerAnswer(bare, url);
    const runs = { ours: [], bare: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.ours.push(await cpuPerAnswer(ours, url));
      runs.bare.push(await cpuPerAnswer(bare, url));
    }
    const [oursNs, bareNs] = [median(runs.ours), median(runs.bare)];
    process.stdout.write(
      `CPU per answer from memory, median of ${ROUNDS} turns of ${TURNS * PER_TURN}:\n` +
        `  goimgserver's listener  ${oursNs.toFixed(0)} ns\n` +
        `  same bytes and headers  ${bareNs.toFixed(0)} ns\n` +
        `  goimgserver's own part  ${(oursNs - bareNs).toFixed(0)} ns\n`,
    );
  } finally {
    await app.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
