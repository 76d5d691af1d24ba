import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp, type App, type AppDependencies } from '../../src/app';
import type { Clock } from '../../src/clock';
import { loadConfig } from '../../src/config/load';

/** Node options that let the server's render processes run the TypeScript sources. */
export const TS_LOADER = ['--require', path.join(__dirname, 'register-ts.js')];

export interface TestServer {
  url: string;
  app: App;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  /** The first log line with this message, once it is written (at once when it already is). */
  logged(msg: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Starts the real server on 127.0.0.1 with an ephemeral port. `flags` are command-line
 * flags as a user would pass them; pre-cache is off unless asked for.
 */
export async function startServer(
  flags: string[],
  env: NodeJS.ProcessEnv = {},
  dependencies: AppDependencies = {},
  /** Runs once the app is built, before it listens and the pre-cache starts. */
  beforeListen?: (app: App) => void,
): Promise<TestServer> {
  const config = loadConfig(['--port', '0', '--host', '127.0.0.1', '--precache', 'false', ...flags], env, process.cwd());
  const logs: Array<Record<string, unknown>> = [];
  const awaited = new Map<string, Array<(line: Record<string, unknown>) => void>>();
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) {
        if (!text) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        logs.push(line);
        const msg = String(line.msg);
        for (const resolve of awaited.get(msg) ?? []) resolve(line);
        awaited.delete(msg);
      }
      done();
    },
  });
  const app = await createApp(config, pino({ level: 'debug' }, sink), { renderExecArgv: TS_LOADER, ...dependencies });
  beforeListen?.(app);
  const url = await app.listen();
  return {
    url,
    app,
    logs,
    logged: (msg) =>
      new Promise((resolve) => {
        const written = logs.find((line) => line.msg === msg);
        if (written) resolve(written);
        else awaited.set(msg, [...(awaited.get(msg) ?? []), resolve]);
      }),
    close: async () => {
      await app.close();
    },
  };
}

/** A clock that stands still until a test moves it. */
export function manualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** GET (or another method) with the body read, so sockets never stay busy. */
export async function fetchBody(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body, json: () => JSON.parse(body.toString('utf8')) };
}

/** A request with the path sent exactly as written (fetch would normalise `..` away). */
export function rawGet(base: string, rawPath: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(base);
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const request = http.request({ host: hostname, port, path: rawPath, method: 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions: { code: string } & Record<string, unknown> }>;
  text: string;
}

/** POSTs a GraphQL operation to `{base}/graphql` as a client would. */
export async function graphql<T = Record<string, unknown>>(
  base: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, text, ...JSON.parse(text) };
}

export const MAIN = path.resolve(__dirname, '../../dist/main.js');

export interface SpawnedServer {
  address: string;
  pid: number;
  /** Everything written to standard output so far. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Runs the built server in its own process (for NODE_ENV and signals), listening on 127.0.0.1:0. */
export async function spawnServer(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--host', '127.0.0.1', ...args], { cwd, env: { PATH: process.env.PATH, ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close' comes after the output is read to its end, which 'exit' does not wait for.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`exited early: ${output}`));
    });
    const timer = setInterval(() => {
      const match = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
      if (match) {
        clearInterval(timer);
        resolve(match[1] as string);
      }
    }, 20);
  });
  return {
    address,
    pid: child.pid!,
    output: () => output,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
