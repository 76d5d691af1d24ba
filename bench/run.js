// `npm run bench`: goimgserver beside the physical limits measured in the same run (a bare
// node:http server, raw sharp, a bare Apollo server) and beside unjs/ipx. Reports, never fails on noise.
// The mixed section (bench/mixed.js) serves a hit alone and during a storm of misses.
// Then the growth section (bench/growth.js): syncImages, clearCache, a restart and memory at two
// sizes of the images repository, 2000 images and BENCH_GROWTH_LARGE (20000). BENCH_GROWTH=0
// leaves it out; BENCH_ONLY=growth runs it alone and replaces only its block in RESULTS.md.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sharp = require('sharp');
const { closedLoop, fetchStatus, request, stableHeaders, wrk } = require('./load');
const { measureGrowth, growthNotes, growthRows } = require('./growth');
const { measureMixed, STORM_CLIENTS } = require('./mixed');
const { startNode } = require('./processes');
const { formatGrowth, formatGrowthTable, formatTable, number, writeGrowth, writeResults } = require('./report');
const { LOGO, makeSources } = require('./sources');

const SECONDS = Number(process.env.BENCH_SECONDS || 4);
const WARMUP_SECONDS = 2;
// Each side is measured in turns, several times, and the median kept: a neighbour's burst of
// load on a shared machine then skews one turn, not the ratio.
const ROUNDS = 3;
const MISS_ROUNDS = 2;
// Hits alone and during a storm differ by more than a neighbour's burst: more turns for those.
const MIXED_ROUNDS = 5;
const CONNECTIONS = 50;
const STAMPEDE = 100;
const BURST = 32;
const BATCH = 100;
const ROOT = path.join(__dirname, '..');
// More goimgserver flags for a run, such as "--memory-cache-size 0", to see what a setting is worth.
const EXTRA_FLAGS = (process.env.BENCH_SERVER_FLAGS ?? '').split(/\s+/).filter(Boolean);
const SERVER = path.join(ROOT, 'dist', 'main.js');
// The server renders this many at once by default (--processing-concurrency 0); raw sharp gets the same.
const CONCURRENCY = 2 * os.availableParallelism();
// The clients keep the server's queue fed, so that a slot never waits for the network.
const CLIENTS = CONCURRENCY * 2;

const MISSES = [
  { label: '4000×3000 JPEG → 800 px WebP', kind: 'large', width: 800, format: 'webp' },
  { label: '4000×3000 JPEG → 800 px JPEG', kind: 'large', width: 800, format: 'jpeg' },
  { label: '4000×3000 JPEG → 300 px WebP', kind: 'large', width: 300, format: 'webp' },
  { label: '1920×1280 JPEG → 800 px WebP', kind: 'medium', width: 800, format: 'webp' },
  { label: '1200×800 PNG with alpha → 300 px WebP', kind: 'alpha', width: 300, format: 'webp' },
  // The costliest adjustments at their largest values, after resizing.
  { label: '4000×3000 JPEG → 800 px WebP, blur 10', kind: 'large', width: 800, format: 'webp', adjust: { blur: 10 } },
  { label: '4000×3000 JPEG → 800 px WebP, sharpen 3', kind: 'large', width: 800, format: 'webp', adjust: { sharpen: 3 } },
  { label: '4000×3000 JPEG → 800 px WebP, watermark (a fifth of the width)', kind: 'large', width: 800, format: 'webp', adjust: { watermark: { name: 'logo' } } },
  { label: '30-frame 480×360 GIF → 240 px animated WebP', kind: 'animated', width: 240, format: 'webp', animated: true },
];

const log = (message) => process.stdout.write(`[bench] ${message}\n`);

/** What our server answered besides success: counted across the whole run. */
const refusals = { overloaded: 0, failed: 0 };
function account(outcomes) {
  for (const [outcome, count] of Object.entries(outcomes)) {
    if (outcome === '503') refusals.overloaded += count;
    else if (outcome !== '200') refusals.failed += count;
  }
}

function startServer(work, name, flags = [], { imagesDir = path.join(work, 'images'), cacheDir = path.join(work, name), port = 0, env = {} } = {}) {
  const args = [
    ...['--host', '127.0.0.1', '--port', String(port), '--imagesdir', imagesDir, '--cachedir', cacheDir],
    ...['--precache', 'false', '--rate-limit-image', 'off', '--rate-limit-images', 'off', '--rate-limit-renders', 'off'],
    ...EXTRA_FLAGS,
    ...flags,
  ];
  const serverEnv = { ...process.env, NODE_ENV: 'production', GOIMGSERVER_SIGNING_SECRET: 'bench-secret-bench-secret-bench-secret-0123', ...env };
  return startNode(SERVER, args, { env: serverEnv, logFile: path.join(work, `${name}.log`) });
}

async function graphql(address, query, variables, headers) {
  const response = await request(`${address}/graphql`, { json: { query, variables }, headers });
  const body = JSON.parse(response.body.toString());
  if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const IMAGE_QUERY = 'query Image($path: String!, $width: Int, $format: ImageFormat) { image(path: $path, width: $width, format: $format) { url width height } }';
const IMAGES_QUERY =
  'query Images($paths: [String!]!, $width: Int, $format: ImageFormat, $blur: Float, $sharpen: Float, $watermark: WatermarkInput) { images(paths: $paths, width: $width, format: $format, blur: $blur, sharpen: $sharpen, watermark: $watermark) { url width height } }';

/** Signed absolute URLs of one variant of each path, asked the way a client would. */
async function signedUrls(address, paths, width, format, adjust = {}) {
  const urls = [];
  for (let start = 0; start < paths.length; start += BATCH) {
    const data = await graphql(address, IMAGES_QUERY, { paths: paths.slice(start, start + BATCH), width, format: format.toUpperCase(), ...adjust });
    urls.push(...data.images.map((image) => address + image.url));
  }
  return urls;
}

/** A logo laid the way the server lays its default watermark: a fifth of the width, bottom right, 2% margin. */
async function rawWatermark(logoFile, output) {
  const width = Math.round(output.width / 5);
  const { data, info } = await sharp(logoFile).resize({ width }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const margin = Math.round(Math.min(output.width, output.height) * 0.02);
  return { input: data, raw: { width: info.width, height: info.height, channels: 4 }, left: output.width - info.width - margin, top: output.height - info.height - margin };
}

/** The same transform as the server's renderer, written as anyone would with sharp. */
async function rawSharp(file, { width, format, adjust = {}, animated = false }, logoFile) {
  let pipeline = sharp(file, { sequentialRead: true, animated }).rotate().resize({ width });
  if (adjust.blur) pipeline = pipeline.blur(adjust.blur);
  if (adjust.sharpen) pipeline = pipeline.sharpen({ sigma: adjust.sharpen });
  if (adjust.watermark) {
    const { width: sourceWidth, height: sourceHeight } = await sharp(file).metadata();
    pipeline = pipeline.composite([await rawWatermark(logoFile, { width, height: Math.round((sourceHeight * width) / sourceWidth) })]);
  }
  return (format === 'webp' ? pipeline.webp({ quality: 75 }) : pipeline.jpeg({ quality: 75, progressive: true })).toBuffer();
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** wrk against each target in turn, ROUNDS times after a warm-up: the median of each figure, and every failure. */
async function alternate(targets) {
  for (const { url, bodyFile } of targets) await wrk(url, { connections: CONNECTIONS, seconds: WARMUP_SECONDS, bodyFile });
  const runs = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, { url, bodyFile }] of targets.entries()) runs[i].push(await wrk(url, { connections: CONNECTIONS, seconds: SECONDS, bodyFile }));
  }
  return runs.map((results) => ({
    rate: median(results.map((result) => result.rate)),
    p50: median(results.map((result) => result.p50)),
    p99: median(results.map((result) => result.p99)),
    failed: results.reduce((sum, result) => sum + result.failed, 0),
  }));
}

/** Closed loops over fresh items for each side in turn, MISS_ROUNDS times: completions per second over all rounds. */
async function alternateLoops(sides) {
  const totals = sides.map(() => ({ done: 0, seconds: 0, outcomes: {}, exhausted: false }));
  for (let round = 0; round < MISS_ROUNDS; round++) {
    for (const [i, side] of sides.entries()) {
      const result = await closedLoop(side.items.splice(0, side.items.length / (MISS_ROUNDS - round)), { concurrency: side.concurrency, seconds: SECONDS }, side.task);
      const total = totals[i];
      total.done += result.done;
      total.seconds += result.seconds;
      total.exhausted ||= result.exhausted;
      for (const [outcome, count] of Object.entries(result.outcomes)) total.outcomes[outcome] = (total.outcomes[outcome] ?? 0) + count;
    }
  }
  return totals.map((total) => ({ ...total, rate: total.done / total.seconds }));
}

async function hits(work, server, sources) {
  log('hits: goimgserver vs node:http from memory (bare, and with our headers), then without per-hit log lines');
  const hitUrl = async (target) => {
    const { url } = (await graphql(target.address, IMAGE_QUERY, { path: sources.medium.name, width: 800, format: 'WEBP' })).image;
    await request(target.address + url);
    // The second answer is a hit: its headers are the ones a hit sends.
    const { body, headers } = await request(target.address + url);
    return { url: target.address + url, body, headers };
  };
  const first = await hitUrl(server);
  const bodyFile = path.join(work, 'hit.webp');
  fs.writeFileSync(bodyFile, first.body);
  const sent = stableHeaders(first.headers);
  const headersFile = path.join(work, 'hit-headers.json');
  fs.writeFileSync(headersFile, JSON.stringify(sent));
  const bare = await startNode(path.join(__dirname, 'baselines', 'bare-http.js'), [bodyFile, 'image/webp'], { logFile: path.join(work, 'bare-http.log') });
  const bareHeaders = await startNode(path.join(__dirname, 'baselines', 'bare-http.js'), [bodyFile, 'image/webp', headersFile], { logFile: path.join(work, 'bare-http-headers.log') });
  const [ours, baseline, sameHeaders] = await alternate([{ url: first.url }, { url: `${bare.address}/` }, { url: `${bareHeaders.address}/` }]);
  await bareHeaders.stop();
  const quietServer = await startServer(work, 'cache-quiet', ['--log-hits', 'false']);
  const [quiet, quietBaseline] = await alternate([{ url: (await hitUrl(quietServer)).url }, { url: `${bare.address}/` }]);
  await quietServer.stop();
  await bare.stop();
  refusals.failed += ours.failed + quiet.failed;
  // The request id and the length come on top of the headers that are the same every time.
  return { ours, baseline, sameHeaders, headerCount: Object.keys(sent).length + 2, quiet, quietBaseline, bytes: first.body.length };
}

async function graphqlLoad(work, server, sources) {
  log('GraphQL: image and 50-path images queries vs bare Apollo');
  const bodies = {
    image: { query: IMAGE_QUERY, variables: { path: sources.medium.name, width: 800, format: 'WEBP' } },
    images: { query: IMAGES_QUERY, variables: { paths: sources.medium.copies.slice(0, 50), width: 800, format: 'WEBP' } },
    bare: { query: '{ __typename }' },
  };
  const files = {};
  for (const [name, body] of Object.entries(bodies)) {
    files[name] = path.join(work, `${name}.json`);
    fs.writeFileSync(files[name], JSON.stringify(body));
  }
  // Warm metadata: the 50 headers are read once, as in a running server.
  await graphql(server.address, bodies.images.query, bodies.images.variables);
  const apollo = await startNode(path.join(__dirname, 'baselines', 'bare-apollo.js'), [], { env: { ...process.env, NODE_ENV: 'production' }, logFile: path.join(work, 'bare-apollo.log') });
  const [image, images, bare] = await alternate([
    { url: `${server.address}/graphql`, bodyFile: files.image },
    { url: `${server.address}/graphql`, bodyFile: files.images },
    { url: `${apollo.address}/`, bodyFile: files.bare },
  ]);
  await apollo.stop();
  refusals.failed += image.failed + images.failed;
  return { image, images, bare };
}

async function misses(work, server, sources) {
  const rows = [];
  for (const miss of MISSES) {
    log(`misses: ${miss.label}, ${CONCURRENCY} at once`);
    const copies = sources[miss.kind].copies;
    const urls = await signedUrls(server.address, copies, miss.width, miss.format, miss.adjust);
    // The first renders of a kind load codecs: both sides warm up on two copies left out of the count.
    await Promise.all(urls.slice(-2).map(fetchStatus));
    const logoFile = path.join(work, 'images', LOGO);
    await Promise.all(copies.slice(-2).map((copy) => rawSharp(path.join(work, 'images', copy), miss, logoFile)));
    const [ours, raw] = await alternateLoops([
      { items: urls.slice(0, -2), concurrency: CLIENTS, task: fetchStatus },
      { items: copies.slice(0, -2), concurrency: CONCURRENCY, task: (copy) => rawSharp(path.join(work, 'images', copy), miss, logoFile).then(() => 200) },
    ]);
    account(ours.outcomes);
    rows.push({ ...miss, ours, raw });
  }
  return rows;
}

async function mixed(server, sources) {
  const { url } = (await graphql(server.address, IMAGE_QUERY, { path: sources.medium.name, width: 400, format: 'WEBP' })).image;
  const hitUrl = server.address + url;
  await request(hitUrl);
  // Widths no other section asks for: every one of these renders.
  const missUrls = [...(await signedUrls(server.address, sources.large.copies, 700, 'webp')), ...(await signedUrls(server.address, sources.large.copies, 660, 'webp'))];
  const result = await measureMixed({ hitUrl, missUrls, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, rounds: MIXED_ROUNDS, log });
  refusals.failed += result.alone.failed + result.during.failed;
  account(result.storm.outcomes);
  return result;
}

function mixedRows(mix) {
  return [
    ratioRow({ measure: `hits during a storm of ${mix.clients} clients' distinct 12 MP → 700 px WebP misses (${MIXED_ROUNDS} turns), req/s`, ours: number(mix.during.rate), baseline: `${number(mix.alone.rate)} (hits alone)` }, mix.during.rate, mix.alone.rate, '≥ 0.7×', 0.7),
    { measure: 'hits during the storm, p50 / p99', ours: `${number(mix.during.p50, 2)} / ${number(mix.during.p99, 2)} ms`, baseline: `${number(mix.alone.p50, 2)} / ${number(mix.alone.p99, 2)} ms alone`, target: 'p99 ≤ 10 ms', met: mix.during.p99 <= 10 },
    { measure: 'misses rendered during the storm, images/s', ours: number(mix.storm.rate, 1), target: '' },
  ];
}

async function peer(work, sources) {
  log('peer: ipx, repeated and distinct variants; distinct alternating with a fresh goimgserver');
  const ipx = await startNode(path.join(__dirname, 'baselines', 'ipx.js'), [path.join(work, 'images')], { env: { ...process.env, NODE_ENV: 'production' }, logFile: path.join(work, 'ipx.log') });
  const repeatedUrl = `${ipx.address}/w_800,f_webp,q_75/${sources.medium.name}`;
  await wrk(repeatedUrl, { connections: CONNECTIONS, seconds: WARMUP_SECONDS });
  const repeated = await wrk(repeatedUrl, { connections: CONNECTIONS, seconds: SECONDS });

  // An empty cache, so that every one of the same 800 px WebP variants renders on both sides.
  const server = await startServer(work, 'cache-peer');
  const copies = sources.large.copies;
  const ours = await signedUrls(server.address, copies, 800, 'webp');
  const theirs = copies.map((copy) => `${ipx.address}/w_800,f_webp,q_75/${copy}`);
  await Promise.all([...ours.slice(-2), ...theirs.slice(-2)].map(fetchStatus));
  const [distinct, ipxDistinct] = await alternateLoops([
    { items: ours.slice(0, -2), concurrency: CLIENTS, task: fetchStatus },
    { items: theirs.slice(0, -2), concurrency: CLIENTS, task: fetchStatus },
  ]);
  account(distinct.outcomes);
  await server.stop();
  await ipx.stop();
  return { repeated, distinct, ipxDistinct };
}

async function health(address) {
  return JSON.parse((await request(`${address}/health`)).body.toString());
}

async function stampede(server, sources) {
  log(`stampede: ${STAMPEDE} identical cold requests`);
  const { url } = (await graphql(server.address, IMAGE_QUERY, { path: sources.large.name, width: 640, format: 'WEBP' })).image;
  const before = (await health(server.address)).imagesProcessed;
  const statuses = await Promise.all(Array.from({ length: STAMPEDE }, () => fetchStatus(server.address + url)));
  const renders = (await health(server.address)).imagesProcessed - before;
  const outcomes = {};
  for (const status of statuses) outcomes[status] = (outcomes[status] ?? 0) + 1;
  account(outcomes);
  return { renders, outcomes };
}

async function memory(work, sources) {
  log(`memory: ${BURST} concurrent misses on the 12 MP source, fresh server`);
  const server = await startServer(work, 'cache-memory');
  const idle = server.rssMb();
  const urls = await signedUrls(server.address, sources.large.copies.slice(0, BURST), 800, 'webp');
  const statuses = await Promise.all(urls.map(fetchStatus));
  const outcomes = {};
  for (const status of statuses) outcomes[status] = (outcomes[status] ?? 0) + 1;
  account(outcomes);
  const peak = server.peakRssMb();
  const exitCode = await server.stop();
  return { idle, peak, outcomes, exitCode };
}

function requireTools(needsWrk) {
  if (needsWrk && spawnSync('wrk', ['-v']).error) {
    process.stderr.write('bench: wrk is not installed (Debian: apt-get install wrk).\n');
    process.exit(1);
  }
  if (!fs.existsSync(SERVER)) {
    process.stderr.write('bench: dist/main.js is missing; run npm run build first.\n');
    process.exit(1);
  }
}

// The sections of the main table; growth has a table of its own.
const MAIN_SECTIONS = ['hits', 'graphql', 'misses', 'mixed', 'stampede', 'peer', 'memory'];
const SECTIONS = [...MAIN_SECTIONS, 'growth'];

const ratioRow = (measure, ours, baseline, target, minimum) => ({ ...measure, ratio: ours / baseline, target, met: minimum === undefined ? undefined : ours / baseline >= minimum });

function hitRows(hit) {
  return [
    ratioRow({ measure: `hits, ${hit.bytes} B WebP, req/s`, ours: number(hit.ours.rate), baseline: `${number(hit.baseline.rate)} (node:http)` }, hit.ours.rate, hit.baseline.rate, '≥ 0.7×', 0.7),
    ratioRow({ measure: `hits vs node:http sending our ${hit.headerCount} headers, req/s`, ours: number(hit.ours.rate), baseline: `${number(hit.sameHeaders.rate)} (node:http)` }, hit.ours.rate, hit.sameHeaders.rate, ''),
    { measure: `hits, p50 / p99 at ${CONNECTIONS} connections`, ours: `${number(hit.ours.p50, 2)} / ${number(hit.ours.p99, 2)} ms`, baseline: `${number(hit.baseline.p50, 2)} / ${number(hit.baseline.p99, 2)} ms`, target: 'p99 ≤ 10 ms', met: hit.ours.p99 <= 10 },
    ratioRow({ measure: 'hits with `--log-hits false`, req/s', ours: number(hit.quiet.rate), baseline: `${number(hit.quietBaseline.rate)} (node:http)` }, hit.quiet.rate, hit.quietBaseline.rate, '≥ 0.7×', 0.7),
    { measure: 'hits with `--log-hits false`, p50 / p99', ours: `${number(hit.quiet.p50, 2)} / ${number(hit.quiet.p99, 2)} ms`, baseline: `${number(hit.quietBaseline.p50, 2)} / ${number(hit.quietBaseline.p99, 2)} ms`, target: 'p99 ≤ 10 ms', met: hit.quiet.p99 <= 10 },
  ];
}

function graphqlRows(gql) {
  return [
    ratioRow({ measure: '`image` query, req/s', ours: number(gql.image.rate), baseline: `${number(gql.bare.rate)} (Apollo \`{ __typename }\`)` }, gql.image.rate, gql.bare.rate, '≥ 0.5×', 0.5),
    { measure: '`image` query, p50 / p99', ours: `${number(gql.image.p50, 2)} / ${number(gql.image.p99, 2)} ms`, baseline: `${number(gql.bare.p50, 2)} / ${number(gql.bare.p99, 2)} ms`, target: '' },
    ratioRow({ measure: '50-path `images` query, req/s (paths/s)', ours: `${number(gql.images.rate)} (${number(gql.images.rate * 50)})`, baseline: `${number(gql.bare.rate)} (Apollo)` }, gql.images.rate, gql.bare.rate, ''),
    { measure: '50-path `images` query, p50 / p99', ours: `${number(gql.images.p50, 2)} / ${number(gql.images.p99, 2)} ms`, target: '' },
  ];
}

function missRows(rows) {
  return rows.map((row) =>
    ratioRow({ measure: `misses, ${row.label}, images/s`, ours: number(row.ours.rate, 1), baseline: `${number(row.raw.rate, 1)} (raw sharp)` }, row.ours.rate, row.raw.rate, '≥ 0.9×', 0.9),
  );
}

function peerRows(peered, hit) {
  const repeated = { measure: 'hits vs ipx repeated variant, req/s', baseline: `${number(peered.repeated.rate, 1)} (ipx)` };
  return [
    hit ? ratioRow({ ...repeated, ours: number(hit.ours.rate) }, hit.ours.rate, peered.repeated.rate, '≥ 10×', 10) : { ...repeated, ours: '', target: '≥ 10×' },
    ratioRow(
      { measure: 'misses vs ipx distinct variants (12 MP → 800 px WebP), images/s', ours: number(peered.distinct.rate, 1), baseline: `${number(peered.ipxDistinct.rate, 1)} (ipx)` },
      peered.distinct.rate,
      peered.ipxDistinct.rate,
      // Both render at libvips' own rate with the same output: parity is the physical limit here, not a target.
      '',
    ),
  ];
}

async function main() {
  const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : SECTIONS.filter((section) => section !== 'growth' || process.env.BENCH_GROWTH !== '0');
  const unknown = only.filter((section) => !SECTIONS.includes(section));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown section ${unknown.join(', ')}; the sections are ${SECTIONS.join(', ')}`);
  const runs = (section) => only.includes(section);
  const runsMain = MAIN_SECTIONS.some(runs);
  requireTools(runsMain);
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'goimgserver-bench-'));
  try {
    log(`sources in ${work}`);
    let sources;
    if (runsMain) {
      fs.mkdirSync(path.join(work, 'images'));
      sources = await makeSources(path.join(work, 'images'));
    }
    const rows = [];
    const notes = [];
    let hit;
    if (['hits', 'graphql', 'misses', 'mixed', 'stampede'].some(runs)) {
      const server = await startServer(work, 'cache', ['--watermarks', `logo: ${LOGO}`]);
      if (runs('hits')) rows.push(...hitRows((hit = await hits(work, server, sources))));
      if (runs('graphql')) rows.push(...graphqlRows(await graphqlLoad(work, server, sources)));
      if (runs('misses')) {
        const missed = await misses(work, server, sources);
        rows.push(...missRows(missed));
        notes.push(`Per-miss outcomes: ${missed.map((row) => `${row.label}: ${JSON.stringify(row.ours.outcomes)}${row.ours.exhausted ? ' (all copies done)' : ''}`).join('; ')}.`);
      }
      if (runs('mixed')) {
        const mix = await mixed(server, sources);
        rows.push(...mixedRows(mix));
        notes.push(`Storm outcomes ${JSON.stringify(mix.storm.outcomes)}${mix.storm.exhausted ? ' (all copies done)' : ''}.`);
      }
      if (runs('stampede')) {
        const herd = await stampede(server, sources);
        rows.push({ measure: `stampede: ${STAMPEDE} identical cold requests, sharp runs`, ours: String(herd.renders), target: 'exactly 1', met: herd.renders === 1 });
        notes.push(`Stampede outcomes ${JSON.stringify(herd.outcomes)}.`);
      }
      const exitCode = await server.stop();
      rows.push({ measure: 'SIGTERM after the load: exit code', ours: String(exitCode), target: '0', met: exitCode === 0 });
    }
    if (runs('peer')) {
      const peered = await peer(work, sources);
      rows.push(...peerRows(peered, hit));
      notes.push(`Distinct variants against ipx, outcomes: goimgserver ${JSON.stringify(peered.distinct.outcomes)}, ipx ${JSON.stringify(peered.ipxDistinct.outcomes)}.`);
    }
    if (runs('memory')) {
      const mem = await memory(work, sources);
      rows.push({ measure: `peak RSS, ${BURST} concurrent 12 MP misses`, ours: `${number(mem.peak)} MB`, baseline: `${number(mem.idle)} MB idle`, target: '≤ 400 MB', met: mem.peak <= 400 });
      notes.push(`Memory burst outcomes ${JSON.stringify(mem.outcomes)}; exit code after SIGTERM ${mem.exitCode}.`);
    }
    if (runsMain) rows.push({ measure: 'failed requests (besides 503 from a full queue)', ours: `${refusals.failed} (503: ${refusals.overloaded})`, target: '0', met: refusals.failed === 0 });
    let growth;
    if (runs('growth')) {
      const grown = await measureGrowth(work, { startServer, graphql, log });
      const growing = { rows: growthRows(grown), sizes: { small: grown.small.count, large: grown.large.count }, notes: growthNotes(grown) };
      growth = formatGrowth(growing);
      process.stdout.write(`\n${formatGrowthTable(growing.rows, growing.sizes)}\n`);
    }

    const settings = `wrk with 1 thread and ${CONNECTIONS} connections, ${WARMUP_SECONDS} s of warm-up, then ${ROUNDS} turns of ${SECONDS} s alternating with the baseline (medians); misses: ${MISS_ROUNDS} alternating turns of ${SECONDS} s, ${CLIENTS} clients against the server's default processing concurrency of ${CONCURRENCY}, raw sharp ${CONCURRENCY} in flight; mixed: ${MIXED_ROUNDS} turns of ${SECONDS} s of wrk on one hit alone and as many while ${STORM_CLIENTS} clients keep distinct misses in flight; the server in production mode, logging at info to a file, rate limits off${EXTRA_FLAGS.length > 0 ? `, and ${EXTRA_FLAGS.join(' ')}` : ''}`;
    notes.unshift('Sources: synthetic photographs (4000×3000 and 1920×1280 JPEG q85) and a 1200×800 PNG with alpha; each miss is a distinct file name (a hard link), so every request renders.');
    notes.push(`Whole run: ${Math.round((Date.now() - started) / 1000)} s.`);
    if (runsMain) process.stdout.write(`\n${formatTable(rows)}\n\n`);
    if (MAIN_SECTIONS.every(runs)) log(`written ${path.relative(ROOT, writeResults({ rows, settings, notes, growth }))}`);
    else if (growth) log(`growth block written in ${path.relative(ROOT, writeGrowth(growth))}; the rest left as it was (a partial run)`);
    else log('a partial run (BENCH_ONLY): bench/RESULTS.md left as it was');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack}\n`);
  process.exit(1);
});
