import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { tempDir } from '../helpers/temp';

const MAIN = path.resolve(__dirname, '../../dist/main.js');
const root = tempDir();

beforeAll(async () => {
  expect(existsSync(MAIN)).toBe(true);
  await makeSource(path.join(root, 'images'), 'cat.jpg', { width: 300, height: 200 });
});

describe('the command line', () => {
  it('reports every configuration problem at once and exits with 2', () => {
    const run = spawnSync(process.execPath, [MAIN, '--port', 'x', '--precache-workers=-1'], { cwd: root, env: { PATH: process.env.PATH, GOIMGSERVER_MAX_QUEUE: 'lots' } });
    expect(run.status).toBe(2);
    const stderr = run.stderr.toString();
    expect(stderr).toContain('Expected an integer from 0 to 65535 for --port but received "x"');
    expect(stderr).toContain('Expected an integer from 0 to 256 for --precache-workers but received "-1"');
    expect(stderr).toContain('Expected an integer from 0 to 100000 for GOIMGSERVER_MAX_QUEUE but received "lots"');
  });

  it('refuses to start without an images directory', () => {
    const run = spawnSync(process.execPath, [MAIN, '--imagesdir', 'nowhere'], { cwd: root, env: { PATH: process.env.PATH } });
    expect(run.status).toBe(2);
    expect(run.stderr.toString()).toMatch(/images directory .*nowhere does not exist/);
  });

  it('dumps its settings, serves, logs JSON with request ids, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [MAIN, '--port', '0', '--host', '127.0.0.1', '--dump', '--precache=false'], {
      cwd: root,
      env: { PATH: process.env.PATH, GOIMGSERVER_ALLOW_UNSIGNED: 'true' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const address = await new Promise<string>((resolve, reject) => {
      child.on('exit', () => reject(new Error(`exited early: ${output}`)));
      const timer = setInterval(() => {
        const match = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
        if (match) {
          clearInterval(timer);
          resolve(match[1] as string);
        }
      }, 20);
    });
    const response = await fetch(`${address}/img/cat/100`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();

    const settings = readFileSync(path.join(root, 'settings.conf'), 'utf8');
    expect(settings).toContain('allow-unsigned = true  # environment');
    expect(settings).toContain('dump = true  # flag');

    const exitCode = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exitCode).toBe(0);
    const lines = output.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'request', status: 200, reqId: expect.any(String) })]));
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' })]));
  });
});
