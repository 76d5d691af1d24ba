import http from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config/load';

export interface TestServer {
  url: string;
  app: App;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Starts the real server on 127.0.0.1 with an ephemeral port. `flags` are command-line
 * flags as a user would pass them; pre-cache is off unless asked for.
 */
export async function startServer(flags: string[], env: NodeJS.ProcessEnv = {}): Promise<TestServer> {
  const config = loadConfig(['--port', '0', '--host', '127.0.0.1', '--precache', 'false', ...flags], env, process.cwd());
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const app = await createApp(config, pino({ level: 'debug' }, sink));
  const url = await app.listen();
  return { url, app, logs, close: () => app.close() };
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
