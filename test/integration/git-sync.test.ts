import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { StartupError } from '../../src/app';
import { createRemote, git, GIT_TEST_ENV, publish } from '../helpers/git';
import { inspect, makeSource } from '../helpers/images';
import { fetchBody, graphql, startServer, type GraphQLResponse, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const SECRET = 'git-sync-test-signing-secret-0123456789abcdef';
const TOKEN = 'ops-token-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${TOKEN}` };
const SYNC = 'mutation { syncImages { updated branch previousCommit currentCommit changedPaths changes { path change } clearedFiles } }';
const STATUS = '{ syncStatus { repository branch currentCommit running lastSyncAt lastSyncOutcome lastSyncErrorCode } }';
const IMAGE = 'query($path: String!) { image(path: $path, width: 200) { url source width height } }';

interface SyncResult {
  updated: boolean;
  branch: string | null;
  previousCommit: string | null;
  currentCommit: string | null;
  changedPaths: string[];
  changes: Array<{ path: string; change: string }>;
  clearedFiles: number;
}

interface Scenario {
  remote: string;
  publisher: string;
  imagesDir: string;
  cacheDir: string;
  /** The commit the images directory was cloned at. */
  first: string;
  server: TestServer;
}

/** A remote with a few images, and the real server started with --git-url on an images directory that does not exist yet. */
async function setUp(root: string, flags: string[] = []): Promise<Scenario> {
  const { remote, publisher } = createRemote(root);
  await makeSource(publisher, 'landscape.jpg', { width: 600, height: 400 });
  await makeSource(publisher, 'portrait.jpg', { width: 300, height: 450 });
  await makeSource(publisher, 'default.jpg', { width: 500, height: 500, colour: { r: 200, g: 200, b: 200 } });
  await makeSource(publisher, 'cats/default.jpg', { width: 400, height: 300 });
  await makeSource(publisher, 'cats/cat_white.jpg', { width: 300, height: 400 });
  const first = publish(publisher, 'first images');
  const imagesDir = path.join(root, 'images');
  const cacheDir = path.join(root, 'cache');
  const server = await startServer(['--imagesdir', imagesDir, '--cachedir', cacheDir, '--git-url', remote, ...flags], {
    ...GIT_TEST_ENV,
    GOIMGSERVER_SIGNING_SECRET: SECRET,
    GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}`,
  });
  return { remote, publisher, imagesDir, cacheDir, first, server };
}

function sync(s: Scenario, headers: Record<string, string> = ADMIN): Promise<GraphQLResponse<{ syncImages: SyncResult }>> {
  return graphql<{ syncImages: SyncResult }>(s.server.url, SYNC, {}, headers);
}

async function status(s: Scenario) {
  const answer = await graphql<{ syncStatus: Record<string, unknown> }>(s.server.url, STATUS, {}, ADMIN);
  expect(answer.errors).toBeUndefined();
  return answer.data!.syncStatus;
}

/** Asks the API for an image and fetches its URL, so that its variant is cached. */
async function cacheVariant(s: Scenario, imagePath: string) {
  const answer = await graphql<{ image: { url: string; source: string; width: number; height: number } }>(s.server.url, IMAGE, { path: imagePath });
  expect(answer.errors).toBeUndefined();
  const image = answer.data!.image;
  const response = await fetchBody(s.server.url + image.url);
  expect(response.status).toBe(200);
  return { ...image, bytes: response.body };
}

function derivatives(s: Scenario, folder: string): string[] {
  const dir = path.join(s.cacheDir, folder);
  return existsSync(dir) ? readdirSync(dir).filter((name) => /^[0-9a-f]{32}\./.test(name)).sort() : [];
}

function messages(s: Scenario): string[] {
  return s.server.logs.map((line) => String(line.msg));
}

function errorCodeOf(answer: GraphQLResponse): string | undefined {
  return answer.errors?.[0]?.extensions.code;
}

describe('syncing the images repository', () => {
  const root = tempDir();
  let s: Scenario;
  beforeAll(async () => {
    s = await setUp(root);
  });
  afterAll(() => s.server.close());

  it('clones the repository into the missing images directory at start-up, leaving nothing beside it', () => {
    expect(git(s.imagesDir, 'rev-parse', 'HEAD')).toBe(s.first);
    expect(readdirSync(s.imagesDir).sort()).toEqual(['.git', 'cats', 'default.jpg', 'landscape.jpg', 'portrait.jpg']);
    expect(readdirSync(root).filter((name) => name.includes('clone'))).toEqual([]);
    expect(messages(s)).toContain('images repository cloned');
  });

  it('reports the checkout in syncStatus before any sync', async () => {
    expect(await status(s)).toEqual({
      repository: true,
      branch: 'main',
      currentCommit: s.first,
      running: false,
      lastSyncAt: null,
      lastSyncOutcome: null,
      lastSyncErrorCode: null,
    });
  });

  it('answers updated: false when the remote has nothing new', async () => {
    const answer = await sync(s);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.syncImages).toEqual({
      updated: false,
      branch: 'main',
      previousCommit: s.first,
      currentCommit: s.first,
      changedPaths: [],
      changes: [],
      clearedFiles: 0,
    });
    expect((await status(s)).lastSyncOutcome).toBe('UP_TO_DATE');
  });

  it('takes added, modified and deleted images, clears exactly the variants they touched and hands out new URLs', async () => {
    const before = {
      landscape: await cacheVariant(s, 'landscape'),
      portrait: await cacheVariant(s, 'portrait'),
      fresh: await cacheVariant(s, 'new'),
      white: await cacheVariant(s, 'cats/cat_white'),
      black: await cacheVariant(s, 'cats/cat_black'),
      rex: await cacheVariant(s, 'dogs/rex'),
    };
    expect([before.fresh.source, before.white.source, before.black.source, before.rex.source]).toEqual(['DEFAULT', 'ORIGINAL', 'GROUP_DEFAULT', 'DEFAULT']);
    const touched = ['landscape', 'new', 'cats/cat_white', 'dogs/rex'];
    const untouched = ['portrait', 'cats/cat_black'];
    const touchedFiles = touched.flatMap((folder) => derivatives(s, folder));
    const untouchedFiles = untouched.map((folder) => derivatives(s, folder));
    expect(touchedFiles).toHaveLength(4);

    await makeSource(s.publisher, 'landscape.jpg', { width: 800, height: 400 });
    await makeSource(s.publisher, 'new.jpg', { width: 640, height: 480 });
    rmSync(path.join(s.publisher, 'cats/cat_white.jpg'));
    await makeSource(s.publisher, 'default.jpg', { width: 500, height: 300, colour: { r: 10, g: 10, b: 10 } });
    const second = publish(s.publisher, 'new, changed and removed images');

    const answer = await sync(s);
    expect(answer.errors).toBeUndefined();
    const result = answer.data!.syncImages;
    expect(result).toEqual({
      updated: true,
      branch: 'main',
      previousCommit: s.first,
      currentCommit: second,
      changedPaths: expect.arrayContaining(['cats/cat_white.jpg', 'default.jpg', 'landscape.jpg', 'new.jpg']),
      changes: expect.arrayContaining([
        { path: 'cats/cat_white.jpg', change: 'DELETED' },
        { path: 'default.jpg', change: 'MODIFIED' },
        { path: 'landscape.jpg', change: 'MODIFIED' },
        { path: 'new.jpg', change: 'ADDED' },
      ]),
      clearedFiles: touchedFiles.length,
    });
    expect(result.changedPaths).toHaveLength(4);
    expect(git(s.imagesDir, 'rev-parse', 'HEAD')).toBe(second);

    expect(touched.map((folder) => derivatives(s, folder))).toEqual([[], [], [], []]);
    expect(untouched.map((folder) => derivatives(s, folder))).toEqual(untouchedFiles);

    const after = {
      landscape: await cacheVariant(s, 'landscape'),
      fresh: await cacheVariant(s, 'new'),
      white: await cacheVariant(s, 'cats/cat_white'),
      rex: await cacheVariant(s, 'dogs/rex'),
    };
    expect(after.landscape.url).not.toBe(before.landscape.url);
    expect(await inspect(after.landscape.bytes)).toMatchObject({ width: 200, height: 100 });
    expect([after.fresh.source, after.fresh.width, after.fresh.height]).toEqual(['ORIGINAL', 200, 150]);
    expect(after.white.source).toBe('GROUP_DEFAULT');
    expect(await inspect(after.rex.bytes)).toMatchObject({ width: 200, height: 120 });
  });

  it('shows the sync in the log and the audit trail, never with the token', () => {
    const lines = messages(s);
    for (const step of ['sync started', 'sync fetching', 'sync merging', 'sync finished']) expect(lines).toContain(step);
    const audits = s.server.logs.filter((line) => line.msg === 'admin action').map((line) => line.audit);
    expect(audits).toContainEqual(expect.objectContaining({ admin: 'ops', action: 'syncImages', args: {}, outcome: 'ok' }));
    expect(JSON.stringify(s.server.logs)).not.toContain(TOKEN);
  });

  it('tells in syncStatus how the last sync went', async () => {
    const now = await status(s);
    expect(now).toMatchObject({ repository: true, branch: 'main', currentCommit: git(s.imagesDir, 'rev-parse', 'HEAD'), running: false, lastSyncOutcome: 'UPDATED', lastSyncErrorCode: null });
    expect(Date.now() - Date.parse(String(now.lastSyncAt))).toBeLessThan(60_000);
  });

  it.each([
    ['no token', {}, 'UNAUTHENTICATED'],
    ['a token that is not an administrator', { authorization: 'Bearer mallory-token-0123456789abcdef' }, 'FORBIDDEN'],
  ])('refuses syncImages with %s and leaves the checkout alone', async (_name, headers, code) => {
    const head = git(s.imagesDir, 'rev-parse', 'HEAD');
    writeFileSync(path.join(s.publisher, 'notes.txt'), `pushed while ${code}\n`);
    publish(s.publisher, 'a note');
    const answer = await sync(s, headers);
    expect(errorCodeOf(answer)).toBe(code);
    expect(answer.data).toBeNull();
    expect(git(s.imagesDir, 'rev-parse', 'HEAD')).toBe(head);
    expect(errorCodeOf(await graphql(s.server.url, STATUS, {}, headers))).toBe(code);
  });

  it('lets a second sync that arrives while one runs join it', async () => {
    const head = git(s.imagesDir, 'rev-parse', 'HEAD');
    await makeSource(s.publisher, 'portrait.jpg', { width: 450, height: 300 });
    const latest = publish(s.publisher, 'portrait turned');
    const started = messages(s).filter((line) => line === 'sync started').length;

    const [one, two] = await Promise.all([sync(s), sync(s)]);
    expect(one.errors).toBeUndefined();
    expect(two).toEqual(one);
    expect(one.data!.syncImages).toMatchObject({ updated: true, previousCommit: head, currentCommit: latest });
    expect(messages(s).filter((line) => line === 'sync started').length).toBe(started + 1);
  });
});

describe('a sync through symbolic links committed in the repository', () => {
  const root = tempDir();
  let s: Scenario;
  beforeAll(async () => {
    s = await setUp(root);
    // A folder link and a file link, as a repository may commit them.
    symlinkSync('cats', path.join(s.publisher, 'gallery'));
    symlinkSync('landscape.jpg', path.join(s.publisher, 'alias.jpg'));
    publish(s.publisher, 'links');
    expect((await sync(s)).data?.syncImages.updated).toBe(true);
  });
  afterAll(() => s.server.close());

  it('clears what is cached through a link when the file it leads to changes, and nothing else', async () => {
    const through = { lion: await cacheVariant(s, 'gallery/lion'), white: await cacheVariant(s, 'gallery/cat_white'), alias: await cacheVariant(s, 'alias') };
    expect([through.lion.source, through.white.source, through.alias.source]).toEqual(['GROUP_DEFAULT', 'ORIGINAL', 'ORIGINAL']);
    await cacheVariant(s, 'portrait');
    const portrait = derivatives(s, 'portrait');

    await makeSource(s.publisher, 'cats/lion.jpg', { width: 320, height: 200 });
    rmSync(path.join(s.publisher, 'cats/cat_white.jpg'));
    await makeSource(s.publisher, 'landscape.jpg', { width: 900, height: 300 });
    publish(s.publisher, 'a lion, no white cat, a wider landscape');
    const answer = await sync(s);
    expect(answer.data?.syncImages).toMatchObject({ updated: true, clearedFiles: 3 });
    expect(['gallery/lion', 'gallery/cat_white', 'alias'].map((folder) => derivatives(s, folder))).toEqual([[], [], []]);
    expect(derivatives(s, 'portrait')).toEqual(portrait);
    expect((await cacheVariant(s, 'gallery/lion')).source).toBe('ORIGINAL');
  });
});

describe('syncs that cannot fast-forward leave the checkout and the cache as they were', () => {
  const root = tempDir();
  let s: Scenario;
  let cached: string[];
  let localHead: string;
  const landscape = () => readFileSync(path.join(s.imagesDir, 'landscape.jpg'));

  beforeAll(async () => {
    s = await setUp(root);
    await cacheVariant(s, 'landscape');
    cached = derivatives(s, 'landscape');
    await makeSource(s.publisher, 'landscape.jpg', { width: 900, height: 300 });
    publish(s.publisher, 'a wider landscape');
  });
  afterAll(() => s.server.close());

  function expectUnchanged(head: string, file: Buffer): void {
    expect(git(s.imagesDir, 'rev-parse', 'HEAD')).toBe(head);
    expect(landscape().equals(file)).toBe(true);
    expect(derivatives(s, 'landscape')).toEqual(cached);
  }

  it('refuses a diverged history with SYNC_DIVERGED', async () => {
    writeFileSync(path.join(s.imagesDir, 'local.txt'), 'committed on the server\n');
    git(s.imagesDir, 'add', 'local.txt');
    git(s.imagesDir, '-c', 'user.name=Ops', '-c', 'user.email=ops@example.com', 'commit', '--quiet', '-m', 'local change');
    localHead = git(s.imagesDir, 'rev-parse', 'HEAD');
    const file = landscape();

    const answer = await sync(s);
    expect(errorCodeOf(answer)).toBe('SYNC_DIVERGED');
    expect(answer.errors![0]!.message).not.toContain(root);
    expectUnchanged(localHead, file);
    expect(await status(s)).toMatchObject({ lastSyncOutcome: 'FAILED', lastSyncErrorCode: 'SYNC_DIVERGED', currentCommit: localHead });
  });

  it('refuses with SYNC_FAILED when local changes are in the way of the update', async () => {
    git(s.imagesDir, 'reset', '--quiet', '--hard', s.first);
    await makeSource(s.imagesDir, 'landscape.jpg', { width: 100, height: 100 });
    const file = landscape();

    const answer = await sync(s);
    expect(errorCodeOf(answer)).toBe('SYNC_FAILED');
    expectUnchanged(s.first, file);
    const failure = s.server.logs.filter((line) => line.msg === 'sync failed').pop();
    expect(failure).toMatchObject({ code: 'SYNC_FAILED' });
    expect(JSON.stringify(failure)).toMatch(/would be overwritten/);
  });

  it('refuses with SYNC_FAILED on a detached HEAD', async () => {
    git(s.imagesDir, 'checkout', '--quiet', '--', 'landscape.jpg');
    git(s.imagesDir, 'checkout', '--quiet', '--detach');
    const answer = await sync(s);
    expect(errorCodeOf(answer)).toBe('SYNC_FAILED');
    expect(answer.errors![0]!.message).toMatch(/detached/);
    expectUnchanged(s.first, landscape());
  });

  it('syncs again once the checkout is back on its branch', async () => {
    git(s.imagesDir, 'checkout', '--quiet', 'main');
    const answer = await sync(s);
    expect(answer.data!.syncImages).toMatchObject({ updated: true, previousCommit: s.first, changedPaths: ['landscape.jpg'], clearedFiles: cached.length });
    expect(derivatives(s, 'landscape')).toEqual([]);
  });
});

describe('an unreachable remote', () => {
  const root = tempDir();
  let s: Scenario;
  let silent: net.Server;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    s = await setUp(root, ['--git-timeout', '1']);
    silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await s.server.close();
  });

  it('fails with SYNC_FAILED when the remote is gone, changing nothing', async () => {
    git(s.imagesDir, 'remote', 'set-url', 'origin', path.join(root, 'gone.git'));
    const answer = await sync(s);
    expect(errorCodeOf(answer)).toBe('SYNC_FAILED');
    expect(answer.errors![0]!.message).not.toContain(root);
    expect(git(s.imagesDir, 'rev-parse', 'HEAD')).toBe(s.first);
  });

  it('stops a fetch that gets no answer after --git-timeout and fails with SYNC_FAILED', async () => {
    const { port } = silent.address() as net.AddressInfo;
    git(s.imagesDir, 'remote', 'set-url', 'origin', `http://127.0.0.1:${port}/images.git`);
    const answer = await sync(s);
    expect(errorCodeOf(answer)).toBe('SYNC_FAILED');
    expect(sockets.size).toBeGreaterThan(0);
    const failure = s.server.logs.filter((line) => line.msg === 'sync failed').pop();
    expect(JSON.stringify(failure)).toMatch(/timeout/i);
    expect(git(s.imagesDir, 'rev-parse', 'HEAD')).toBe(s.first);
  });
});

describe('images directories that are not a repository', () => {
  const root = tempDir();
  const env = { ...GIT_TEST_ENV, GOIMGSERVER_SIGNING_SECRET: SECRET, GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}` };

  it.each([
    ['a plain folder', 'plain/images'],
    ['a folder inside another checkout', 'outer/images'],
  ])('refuses to sync %s with NOT_A_GIT_REPOSITORY', async (_name, relative) => {
    git(root, 'init', '--quiet', path.join(root, 'outer'));
    const imagesDir = path.join(root, relative);
    await makeSource(imagesDir, 'landscape.jpg', { width: 600, height: 400 });
    const server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, `${relative}-cache`)], env);
    try {
      const answer = await graphql(server.url, SYNC, {}, ADMIN);
      expect(errorCodeOf(answer)).toBe('NOT_A_GIT_REPOSITORY');
      const state = await graphql<{ syncStatus: Record<string, unknown> }>(server.url, STATUS, {}, ADMIN);
      expect(state.data!.syncStatus).toMatchObject({ repository: false, branch: null, currentCommit: null, lastSyncOutcome: 'FAILED', lastSyncErrorCode: 'NOT_A_GIT_REPOSITORY' });
    } finally {
      await server.close();
    }
  });
});

describe('cloning at start-up', () => {
  const root = tempDir();
  const env = { ...GIT_TEST_ENV, GOIMGSERVER_SIGNING_SECRET: SECRET };
  let remote: string;
  let publisher: string;

  beforeAll(async () => {
    ({ remote, publisher } = createRemote(root));
    await makeSource(publisher, 'landscape.jpg', { width: 600, height: 400 });
    publish(publisher, 'first');
    git(publisher, 'checkout', '--quiet', '-b', 'release');
    await makeSource(publisher, 'release-only.jpg', { width: 100, height: 100 });
    git(publisher, 'add', '--all');
    git(publisher, 'commit', '--quiet', '-m', 'release');
    git(publisher, 'push', '--quiet', 'origin', 'release');
  });

  const start = (imagesDir: string, flags: string[] = []) =>
    startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--git-url', remote, ...flags], env);

  it('clones the branch --git-branch names', async () => {
    const imagesDir = path.join(root, 'release');
    const server = await start(imagesDir, ['--git-branch', 'release']);
    await server.close();
    expect(git(imagesDir, 'symbolic-ref', '--short', 'HEAD')).toBe('release');
    expect(existsSync(path.join(imagesDir, 'release-only.jpg'))).toBe(true);
  });

  it('uses a checkout that is already there as it is', async () => {
    const imagesDir = path.join(root, 'present');
    git(root, 'clone', '--quiet', remote, imagesDir);
    const server = await start(imagesDir);
    await server.close();
    expect(server.logs.map((line) => line.msg)).toContain('images repository already present; syncImages updates it');
  });

  it('refuses to start on a folder with other content, touching nothing', async () => {
    const imagesDir = path.join(root, 'busy');
    await makeSource(imagesDir, 'mine.jpg', { width: 50, height: 50 });
    await expect(start(imagesDir)).rejects.toThrow(StartupError);
    expect(readdirSync(imagesDir)).toEqual(['mine.jpg']);
  });

  it('refuses to start when the clone fails, leaving no half-made folder', async () => {
    const imagesDir = path.join(root, 'failed');
    const attempt = startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--git-url', path.join(root, 'missing.git')], env);
    await expect(attempt).rejects.toThrow(/Cloning --git-url/);
    expect(existsSync(imagesDir)).toBe(false);
    expect(readdirSync(root).filter((name) => name.includes('clone'))).toEqual([]);
  });
});
