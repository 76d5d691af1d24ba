// Load generators: wrk for throughput and latency, a closed loop for renders.
const { spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');

const WRK_SCRIPT = path.join(__dirname, 'wrk', 'report.lua');

/**
 * Runs wrk against one URL for a fixed time: req/s, latencies in ms, and every request that
 * did not succeed (socket errors, timeouts, and statuses other than 2xx/3xx).
 */
function wrk(url, { connections, seconds, threads = 1, bodyFile }) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', WRK_SCRIPT, url];
  const env = bodyFile ? { ...process.env, BENCH_BODY: bodyFile } : process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', () => {
      const line = out.split('\n').find((candidate) => candidate.startsWith('BENCH '));
      if (!line) return reject(new Error(`wrk gave no result for ${url}:\n${out}`));
      const result = JSON.parse(line.slice('BENCH '.length));
      resolve({
        rate: result.requests / (result.duration / 1e6),
        requests: result.requests,
        p50: result.p50 / 1000,
        p99: result.p99 / 1000,
        failed: result.connect + result.read + result.write + result.timeout + result.status,
      });
    });
  });
}

/**
 * Runs `task` over `items` with `concurrency` in flight until the items or the time run out:
 * how many finished per second and what each ended with.
 */
async function closedLoop(items, { concurrency, seconds }, task) {
  const outcomes = new Map();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  let done = 0;
  let lastDone = started;
  async function worker() {
    while (next < items.length && performance.now() < deadline) {
      const outcome = await task(items[next++]);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      done++;
      lastDone = performance.now();
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (lastDone - started) / 1000;
  return { done, seconds: elapsed, rate: done / elapsed, outcomes: Object.fromEntries(outcomes), exhausted: next >= items.length };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** GET (or POST with a JSON body) over a keep-alive connection; the status and the whole body. */
function request(url, { method = 'GET', json, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const body = json === undefined ? null : Buffer.from(JSON.stringify(json));
    const sent = body ? { ...headers, 'Content-Type': 'application/json', 'Content-Length': body.length } : headers;
    const req = http.request(url, { method: body ? 'POST' : method, agent, headers: sent }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Response headers that differ per answer or that node:http adds by itself.
const PER_ANSWER_HEADERS = new Set(['date', 'connection', 'keep-alive', 'x-request-id', 'content-length']);

/** A response's headers (lower-case names) but those that differ per answer: what another server would send alike. */
const stableHeaders = (headers) => Object.fromEntries(Object.entries(headers).filter(([name]) => !PER_ANSWER_HEADERS.has(name)));

/**
 * A request listener that answers `body` with `headers` (from stableHeaders) and a request id
 * and length of its own: the least a server that must send those headers can do.
 */
function answerWithHeaders(body, headers) {
  const named = Object.entries(headers).flat();
  let answered = 0;
  return (_request, response) => {
    response.writeHead(200, ['x-request-id', (++answered).toString(36), ...named, 'content-length', String(body.length)]);
    response.end(body);
  };
}

/** An HTTP GET as a closed-loop task: its outcome is the status, or the error code. */
const fetchStatus = (url) => request(url).then(
  (response) => response.status,
  (error) => error.code ?? 'error',
);

module.exports = { wrk, closedLoop, request, fetchStatus, stableHeaders, answerWithHeaders };
