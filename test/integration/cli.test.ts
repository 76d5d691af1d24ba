import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeSource, writeFile } from '../helpers/images';
import { VERSION } from '../../src/app';
import { SETTINGS, envName } from '../../src/config/settings';
import { graphql, MAIN, spawnServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();

beforeAll(async () => {
  expect(existsSync(MAIN)).toBe(true);
  await makeSource(path.join(root, 'images'), 'cat.jpg', { width: 300, height: 200 });
  writeFile(path.join(root, 'images'), 'broken.jpg', 'not a jpeg');
});

const SECRET = 'a-signing-secret-of-at-least-32-characters';

describe('the command line', () => {
  it('reports every configuration problem at once and exits with 2', () => {
    const run = spawnSync(process.execPath, [MAIN, '--port', 'x', '--precache-workers=-1'], { cwd: root, env: { PATH: process.env.PATH, GOIMGSERVER_MAX_QUEUE: 'lots' } });
    expect(run.status).toBe(2);
    const stderr = run.stderr.toString();
    expect(stderr).toContain('Expected an integer from 0 to 65535 for --port but received "x"');
    expect(stderr).toContain('Expected an integer from 0 to 256 for --precache-workers but received "-1"');
    expect(stderr).toContain('Expected an integer from 0 to 100000 for GOIMGSERVER_MAX_QUEUE but received "lots"');
  });

  it.each([['--help'], ['-h'], ['--port', '1', '--help']])('prints every setting for %j and exits 0 without starting', (...args) => {
    const run = spawnSync(process.execPath, [MAIN, ...args], { cwd: root, env: { PATH: process.env.PATH } });
    expect(run.status).toBe(0);
    const help = run.stdout.toString();
    expect(help).toContain(`goimgserver ${VERSION}`);
    for (const def of SETTINGS) {
      expect(help).toContain(def.secret ? envName(def) : `--${def.flag} (${envName(def)})`);
      expect(help).toContain(`[default: ${def.default === '' ? 'unset' : def.default}]`);
    }
    expect(help.split('\n').every((line) => line.length <= 100)).toBe(true);
  });

  it('prints its version', () => {
    const run = spawnSync(process.execPath, [MAIN, '--version'], { cwd: root, env: { PATH: process.env.PATH } });
    expect([run.status, run.stdout.toString()]).toEqual([0, `${VERSION}\n`]);
  });

  it('refuses to start without an images directory', () => {
    const run = spawnSync(process.execPath, [MAIN, '--imagesdir', 'nowhere'], { cwd: root, env: { PATH: process.env.PATH } });
    expect(run.status).toBe(2);
    expect(run.stderr.toString()).toMatch(/images directory .*nowhere does not exist/);
  });

  it('refuses an images directory it cannot read, in one line naming the flag', () => {
    const locked = path.join(root, 'locked');
    // Its parent may be passed through (a temporary folder is private to its owner by default).
    chmodSync(root, 0o755);
    mkdirSync(locked, { mode: 0o000 });
    chmodSync(locked, 0o000);
    // Root reads every folder: the server runs as nobody then, as a service would run as its own user.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const run = spawnSync(process.execPath, [MAIN, '--imagesdir', locked, '--cachedir', path.join(root, 'locked-cache'), '--precache', 'false'], { cwd: root, env: { PATH: process.env.PATH }, ...asUser });
    expect([run.status, run.stderr.toString()]).toEqual([2, `goimgserver: The images directory ${locked} cannot be read by this user (EACCES); fix its permissions or choose another (--imagesdir).\n`]);
  });

  it('refuses an images directory it can list but not enter, in one line naming the flag', () => {
    const listOnly = path.join(root, 'list-only');
    chmodSync(root, 0o755);
    mkdirSync(listOnly);
    writeFileSync(path.join(listOnly, 'cat.jpg'), readFileSync(path.join(root, 'images', 'cat.jpg')));
    // Read without execute: its names can be listed, no file in it can be opened.
    chmodSync(listOnly, 0o744);
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const run = spawnSync(process.execPath, [MAIN, '--imagesdir', listOnly, '--cachedir', path.join(root, 'list-only-cache'), '--precache', 'false'], {
      cwd: root,
      env: { PATH: process.env.PATH },
      ...asUser,
      timeout: 10_000,
    });
    expect([run.status, run.stderr.toString()]).toEqual([2, `goimgserver: The images directory ${listOnly} cannot be read by this user (EACCES); fix its permissions or choose another (--imagesdir).\n`]);
  });

  it('dumps its settings, serves, logs JSON with request ids, and exits 0 on SIGTERM', async () => {
    const server = await spawnServer(['--dump', '--precache=false'], { GOIMGSERVER_ALLOW_UNSIGNED: 'true' }, root);
    const address = server.address;
    const response = await fetch(`${address}/img/cat/100`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();

    const settings = readFileSync(path.join(root, 'settings.conf'), 'utf8');
    expect(settings).toContain('allow-unsigned = true  # environment');
    // --dump is an action, not a setting: a server started from the file never rewrites it.
    expect(settings).not.toMatch(/^dump =/m);

    const home = await fetch(`${address}/`);
    expect([home.status, await home.json()]).toEqual([200, expect.objectContaining({ graphql: '/graphql', playground: '/playground', health: '/health', version: VERSION })]);

    // The dump starts the same server again, and stays as the operator edited it.
    const edited = `# edited by hand\n${settings}`;
    writeFileSync(path.join(root, 'settings.conf'), edited);
    const again = await spawnServer(['--config', 'settings.conf'], {}, root);
    expect((await fetch(`${again.address}/img/cat/100`)).status).toBe(200);
    expect(await again.stop()).toBe(0);
    expect(readFileSync(path.join(root, 'settings.conf'), 'utf8')).toBe(edited);

    expect(await server.stop()).toBe(0);
    const lines = server.output().trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.find((line) => line.msg === 'goimgserver listening')).toMatchObject({
      graphql: `${address}/graphql`,
      playground: `${address}/playground`,
      health: `${address}/health`,
    });
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'request', status: 200, reqId: expect.any(String) })]));
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' })]));
  });

  it('says in one line, naming --dump, that it cannot write settings.conf where it runs', () => {
    const readOnly = path.join(root, 'read-only-cwd');
    chmodSync(root, 0o755);
    mkdirSync(readOnly, { mode: 0o555 });
    chmodSync(readOnly, 0o555);
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const run = spawnSync(process.execPath, [MAIN, '--dump', '--imagesdir', path.join(root, 'images'), '--cachedir', path.join(root, 'dump-cache'), '--precache', 'false'], {
      cwd: readOnly,
      env: { PATH: process.env.PATH },
      ...asUser,
      timeout: 10_000,
    });
    expect([run.status, run.stderr.toString()]).toEqual([2, `goimgserver: settings.conf cannot be written in ${readOnly} (EACCES); start in a folder this user can write, or without --dump.\n`]);
  });

  it('refuses to start in production without a signing secret', () => {
    const run = spawnSync(process.execPath, [MAIN], { cwd: root, env: { PATH: process.env.PATH, NODE_ENV: 'production' } });
    expect(run.status).toBe(2);
    expect(run.stderr.toString()).toContain('GOIMGSERVER_SIGNING_SECRET (or GOIMGSERVER_SIGNING_SECRET_FILE) is required in production (NODE_ENV=production)');
  });

  it('warns when it makes an ephemeral signing secret outside production', async () => {
    const server = await spawnServer(['--precache=false'], {}, root);
    await server.stop();
    expect(server.output()).toContain('generated an ephemeral one; image URLs stop verifying when the server restarts');
  });

  // Apollo sends stack traces unless NODE_ENV is production or test, and Jest sets test:
  // these servers run in their own processes with the NODE_ENV a deployment would have.
  describe.each([
    ['production', { NODE_ENV: 'production' }, false],
    ['development', { NODE_ENV: 'development' }, true],
  ])('in %s mode', (_mode, env, introspection) => {
    it('answers errors with a code and a safe message only, never a stack trace or a file path', async () => {
      const server = await spawnServer(['--precache=false'], { ...env, GOIMGSERVER_SIGNING_SECRET: SECRET }, root);
      try {
        const answers = await Promise.all([
          graphql(server.address, '{ image(path: "cat", width: 5) { url } }'),
          graphql(server.address, '{ image(path: "../images/cat") { url } }'),
          graphql(server.address, '{ image(path: "broken") { url } }'),
          graphql(server.address, '{ image(path: "cat", format: BMP) { url } }'),
          graphql(server.address, '{ image(path: "cat" { url } }'),
          graphql(server.address, 'query($w: Int) { image(path: "cat", width: $w) { url } }', { w: 'wide' }),
        ]);
        expect(answers.map((answer) => answer.errors?.[0]?.extensions.code)).toEqual([
          'BAD_USER_INPUT',
          'BAD_USER_INPUT',
          'UNSUPPORTED_IMAGE',
          'GRAPHQL_VALIDATION_FAILED',
          'GRAPHQL_PARSE_FAILED',
          'BAD_USER_INPUT',
        ]);
        for (const answer of answers) {
          expect(answer.text).not.toMatch(/stacktrace|\n\s+at |node_modules/);
          expect(answer.text).not.toContain(root);
          expect(Object.keys(answer.errors?.[0]?.extensions ?? {})).toEqual(['code']);
        }
      } finally {
        await server.stop();
      }
    });

    it(`${introspection ? 'answers' : 'refuses'} introspection unless told otherwise`, async () => {
      const server = await spawnServer(['--precache=false'], { ...env, GOIMGSERVER_SIGNING_SECRET: SECRET }, root);
      const flipped = await spawnServer(['--precache=false', '--introspection', String(!introspection)], { ...env, GOIMGSERVER_SIGNING_SECRET: SECRET }, root);
      try {
        const query = '{ __schema { queryType { name } } }';
        const [plain, turned] = await Promise.all([graphql(server.address, query), graphql(flipped.address, query)]);
        const answered = (answer: typeof plain) => answer.errors === undefined && JSON.stringify(answer.data) === '{"__schema":{"queryType":{"name":"Query"}}}';
        expect([answered(plain), answered(turned)]).toEqual([introspection, !introspection]);
      } finally {
        await Promise.all([server.stop(), flipped.stop()]);
      }
    });
  });
});
