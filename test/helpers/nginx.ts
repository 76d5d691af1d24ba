import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fetchBody } from './server';

// Debian's nginx package; .ci/run installs it.
export const NGINX = '/usr/sbin/nginx';
const DEPLOY = path.resolve(__dirname, '../../deploy');
const SNIPPETS = 'snippets';

/** A file of deploy/ as shipped; `file` is relative to deploy/. */
function shipped(file: string): string {
  return readFileSync(path.join(DEPLOY, file), 'utf8');
}

/** The cache folder the shipped files name. */
export const SHIPPED_CACHE = /^proxy_cache_path (\S+) /m.exec(shipped(`${SNIPPETS}/goimgserver-http.conf`))?.[1] ?? '';

/** Exact texts to replace in shipped files, by file relative to deploy/; each text must occur exactly once. */
export type Adaptations = Record<string, Array<[from: string, to: string]>>;

function adapt(file: string, adaptations: Adaptations): string {
  let text = shipped(file);
  for (const [from, to] of adaptations[file] ?? []) {
    const found = text.split(from).length - 1;
    if (found !== 1) throw new Error(`Expected ${JSON.stringify(from)} once in deploy/${file} but found it ${found} times`);
    text = text.replace(from, to);
  }
  return text;
}

/** A main nginx.conf around an http-level site file, as Debian's includes conf.d/*.conf; nginx writes only under `prefix`. */
function mainConfig(prefix: string, site: string): string {
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${prefix}/${kind}-temp;`);
  return [`error_log ${prefix}/error.log;`, 'events { worker_connections 64; }', 'http {', `    access_log ${prefix}/access.log;`, ...temps, `    include ${site};`, '}', ''].join('\n');
}

/** Runs `nginx -t` on a shipped site file as installed: the snippets folder beside the main file, as /etc/nginx/snippets is. */
export function checkShipped(prefix: string, site: string) {
  mkdirSync(prefix);
  symlinkSync(path.join(DEPLOY, SNIPPETS), path.join(prefix, SNIPPETS));
  writeFileSync(path.join(prefix, 'nginx.conf'), mainConfig(prefix, path.join(DEPLOY, site)));
  const run = spawnSync(NGINX, ['-t', '-q', '-p', `${prefix}/`, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'error.log')], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

export interface RunningNginx {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Sends SIGTERM to nginx's master process and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts real nginx in the foreground with a site file of deploy/ and every snippet, each
 * changed only by `adaptations`, laid out under `prefix` as on a server; resolves once
 * `/health` answers through it on `port`.
 */
export async function startNginx(prefix: string, site: string, port: number, adaptations: Adaptations): Promise<RunningNginx> {
  mkdirSync(path.join(prefix, SNIPPETS), { recursive: true });
  for (const snippet of readdirSync(path.join(DEPLOY, SNIPPETS))) writeFileSync(path.join(prefix, SNIPPETS, snippet), adapt(`${SNIPPETS}/${snippet}`, adaptations));
  writeFileSync(path.join(prefix, 'goimgserver.conf'), adapt(site, adaptations));
  writeFileSync(path.join(prefix, 'nginx.conf'), mainConfig(prefix, path.join(prefix, 'goimgserver.conf')));
  const nginx = spawn(NGINX, ['-p', `${prefix}/`, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'error.log'), '-g', `daemon off; pid ${prefix}/nginx.pid;`], { stdio: 'ignore' });
  let gone = false;
  const exited = new Promise((resolve) => nginx.on('exit', resolve)).then(() => (gone = true));
  const stop = async () => {
    if (!gone && nginx.pid) process.kill(nginx.pid, 'SIGTERM');
    await exited;
  };
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (gone || attempt === 100) {
      await stop();
      throw new Error(`nginx did not start: ${readFileSync(path.join(prefix, 'error.log'), 'utf8')}`);
    }
    const health = await fetchBody(`${base}/health`).catch(() => null);
    if (health?.status === 200) return { base, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** GET from a given local address (all of 127.0.0.0/8 is this machine, but only 127.0.0.1 is "local" to the config). */
export function getFrom(localAddress: string, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { localAddress }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}
