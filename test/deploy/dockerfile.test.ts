import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, shutdownBoundMs } from '../../src/config/load';
import { SETTINGS, envName } from '../../src/config/settings';
import { cloneStagingDir } from '../../src/git/clone';
import { startServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

// There is no Docker engine to build with in the test run: the file is read instruction by
// instruction, the server's own configuration loader reads its environment, and its health
// check command runs against a real server.
const ROOT = path.resolve(__dirname, '../..');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const root = tempDir();

interface Instruction {
  name: string;
  args: string;
}

/** The instructions of each stage (comments dropped, continued lines joined). */
const stages: Instruction[][] = [];
for (const line of dockerfile.replace(/\\\n/g, ' ').split('\n')) {
  const match = /^([A-Z]+)\s+(.*)$/.exec(line.trim());
  if (!match) continue;
  const instruction = { name: match[1] as string, args: match[2] as string };
  if (instruction.name === 'FROM') stages.push([]);
  stages.at(-1)?.push(instruction);
}
const runtime = stages.at(-1) ?? [];
const all = (stage: Instruction[], name: string) => stage.filter((instruction) => instruction.name === name).map(({ args }) => args);
const last = (stage: Instruction[], name: string) => all(stage, name).at(-1) ?? '';

/** `ENV A=1 B=2` pairs of the runtime stage. */
const env = Object.fromEntries(all(runtime, 'ENV').flatMap((args) => [...args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])));
const user = last(runtime, 'USER');
const workdir = last(runtime, 'WORKDIR');
const config = loadConfig([], { ...env, GOIMGSERVER_SIGNING_SECRET: 'a secret passed with docker run -e, 32+ characters' }, workdir);

describe('the Dockerfile', () => {
  it('builds and runs on a long-term support line of Node.js, 22 or later (20 has reached its end of life), on Debian 12 slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      const image = /^node:(\d+)-bookworm-slim(?: AS \w+)?$/.exec(stage[0]?.args ?? '');
      expect(image).not.toBeNull();
      const major = Number(image![1]);
      // Even majors become LTS lines; odd ones never do.
      expect([major >= 22, major % 2]).toEqual([true, 0]);
    }
  });

  it('installs from the lock file with npm ci: everything to build, production dependencies to run', () => {
    expect(all(stages[0]!, 'RUN').some((run) => /^npm ci\b/.test(run) && !run.includes('--omit=dev'))).toBe(true);
    expect(all(runtime, 'RUN').some((run) => /^npm ci --omit=dev\b/.test(run))).toBe(true);
    for (const stage of stages) expect(all(stage, 'COPY').some((copy) => copy.includes('package-lock.json'))).toBe(true);
  });

  it('runs as a user other than root', () => {
    expect(user).not.toBe('');
    expect(['root', '0']).not.toContain(user.split(':')[0]);
  });

  it('exposes the port the server listens on', () => {
    expect(all(runtime, 'EXPOSE')).toEqual([String(config.port)]);
    expect(env.GOIMGSERVER_PORT).toBe(String(config.port));
  });

  it('has a health check that passes while the server answers /health and fails when nothing listens', async () => {
    const healthcheck = last(runtime, 'HEALTHCHECK');
    const [program, ...args] = JSON.parse(/ CMD (\[.*\])$/.exec(healthcheck)?.[1] ?? '[]') as string[];
    const timeout = Number(/--timeout=(\d+)s /.exec(healthcheck)?.[1]) * 1000;
    expect(timeout).toBeGreaterThan(0);
    expect(program).toBe('node');
    // As Docker runs it: a process of its own, stopped after the HEALTHCHECK's --timeout.
    const probe = (port: string) =>
      new Promise<number | null>((resolve) => {
        spawn(process.execPath, args, { env: { PATH: process.env.PATH, GOIMGSERVER_PORT: port }, stdio: 'ignore', timeout }).on('exit', resolve);
      });
    const imagesDir = path.join(root, 'images');
    mkdirSync(imagesDir);
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache')]);
    try {
      expect(await probe(new URL(server.url).port)).toBe(0);
    } finally {
      await server.close();
    }
    expect(await probe(new URL(server.url).port)).toBe(1);
  });

  it('starts the built dist/main.js with node, behind tini for signals', () => {
    const cmd = JSON.parse(last(runtime, 'CMD')) as string[];
    expect(cmd).toEqual(['node', '/app/dist/main.js']);
    expect(all(runtime, 'COPY')).toContain('--from=build /app/dist ./dist');
    expect(all(runtime, 'WORKDIR')[0]).toBe('/app');
    expect(JSON.parse(last(runtime, 'ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--']);
  });

  it('sets only known settings, in production, and the folders the README names', () => {
    const unknown = Object.keys(env).filter((name) => name.startsWith('GOIMGSERVER_') && !SETTINGS.some((def) => envName(def) === name));
    expect(unknown).toEqual([]);
    expect(config.production).toBe(true);
    const docker = /^- \*\*Docker\*\*:[\s\S]*?(?=^- \*\*)/m.exec(readme)?.[0] ?? '';
    expect(docker).toContain(`images at \`${config.imagesDir}\``);
    expect(docker).toContain(`cache at \`${config.cacheDir}\``);
  });

  it('is run, wherever a docker run is shown, with a stop timeout past the shutdown bound of the server', () => {
    // Docker kills a container 10 s after SIGTERM unless told otherwise: renders in flight would be cut.
    const runs = [...`${dockerfile}\n${readme}`.matchAll(/docker run [^\n`]*/g)].map((match) => match[0]);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) {
      const seconds = Number(/--stop-timeout[ =](\d+)/.exec(run)?.[1] ?? 10);
      expect({ run, past: seconds * 1000 > shutdownBoundMs(config) }).toEqual({ run, past: true });
    }
  });

  it('gives the user every folder the server writes, with the clone beside the images on the same volume', () => {
    const owned = all(runtime, 'RUN').flatMap((run) => {
      const chown = /chown (?:-R )?([\w-]+):[\w-]+ ([^&;]+)/.exec(run);
      return chown && chown[1] === user.split(':')[0] ? (chown[2] as string).trim().split(/\s+/) : [];
    });
    const inside = (dir: string) => (file: string) => file === dir || file.startsWith(`${dir}/`);
    const staging = cloneStagingDir(config.imagesDir);
    const written = [config.imagesDir, staging, config.cacheDir, path.join(workdir, 'settings.conf')];
    expect(written.filter((file) => !owned.some((dir) => inside(dir)(file)))).toEqual([]);
    const volumes = JSON.parse(last(runtime, 'VOLUME')) as string[];
    expect(volumes).toContain(path.dirname(staging));
    expect(volumes).toContain(config.cacheDir);
  });
});
