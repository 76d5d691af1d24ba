// Child processes under test: each writes its log to a file and says when it listens.
const { spawn } = require('node:child_process');
const fs = require('node:fs');

const READY_TIMEOUT_MS = 30_000;

/**
 * Starts `node script ...args` with its output in `logFile` and resolves once a log line
 * announces the address it listens on.
 */
async function startNode(script, args, { env = process.env, logFile }) {
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const address = listeningAddress(fs.readFileSync(logFile, 'utf8'));
    if (address) return { child, address, logFile, peakRssMb: () => peakRssMb(child.pid), rssMb: () => rssMb(child.pid), stop: () => stop(child) };
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not start (${exited ? `exit ${exited.code ?? exited.signal}` : 'timeout'}):\n${tail(logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The JSON lines of a log written so far. */
function* logEntries(log) {
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      yield JSON.parse(line);
    } catch {
      // A partly written line: the next poll reads it whole.
    }
  }
}

function listeningAddress(log) {
  for (const entry of logEntries(log)) if (typeof entry.address === 'string' && /listening$/.test(entry.msg)) return entry.address;
  return null;
}

/** Resolves with the first entry of `logFile` whose message is `msg`, once it is written. */
async function waitForLog(logFile, msg, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const entry of logEntries(fs.readFileSync(logFile, 'utf8'))) if (entry.msg === msg) return entry;
    if (Date.now() > deadline) throw new Error(`no "${msg}" in ${logFile} within ${timeoutMs / 1000} s:\n${tail(logFile)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function statusKb(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/** The most resident memory the process has had since it started (the kernel's high-water mark). */
const peakRssMb = (pid) => statusKb(pid, 'VmHWM') / 1024;
const rssMb = (pid) => statusKb(pid, 'VmRSS') / 1024;

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(force);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

function tail(file) {
  return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
}

module.exports = { startNode, waitForLog };
