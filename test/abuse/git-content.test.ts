import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRemote, git, GIT_TEST_ENV, publish } from '../helpers/git';
import { makeSource } from '../helpers/images';
import { graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const TOKEN = 'ops-token-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${TOKEN}` };
const SYNC = 'mutation { syncImages { updated changedPaths } }';
const markers = path.join(root, 'markers');
const imagesDir = path.join(root, 'images');
let publisher: string;
let remote: string;
let server: TestServer;
let commits = 0;

/** A program that leaves a marker file named `name` when it runs, then behaves as `then` (a command reading stdin). */
function program(name: string, then = 'cat'): string {
  const file = path.join(root, `${name}.sh`);
  writeFileSync(file, `#!/bin/sh\nmkdir -p ${markers}\ntouch ${markers}/${name}\nexec ${then} "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

const ran = (name: string) => existsSync(path.join(markers, name));

/** Publishes one more image upstream. */
async function publishAnother(extra: Record<string, string> = {}): Promise<void> {
  commits++;
  await makeSource(publisher, `pic${commits}.jpg`, { width: 50 + commits, height: 40 });
  for (const [name, content] of Object.entries(extra)) writeFileSync(path.join(publisher, name), content);
  publish(publisher, `image ${commits}`);
}

beforeAll(async () => {
  ({ remote, publisher } = createRemote(root));
  await makeSource(publisher, 'first.jpg', { width: 60, height: 40 });
  publish(publisher, 'first');
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--git-url', remote], {
    ...GIT_TEST_ENV,
    GOIMGSERVER_SIGNING_SECRET: 'git-content-abuse-secret-0123456789abcd',
    GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}`,
  });
});
afterAll(() => server.close());

// Each setting sits in the checkout's own configuration; the commit that follows would trigger it.
const NEUTRALISED: Array<[string, () => Array<[string, string]>, Record<string, string>]> = [
  ['core.fsmonitor', () => [['core.fsmonitor', program('fsmonitor')]], {}],
  ['a smudge filter named by a committed .gitattributes', () => [['filter.evil.smudge', program('smudge')], ['filter.evil.required', 'true']], { '.gitattributes': '*.jpg filter=evil\n' }],
  ['a clean filter', () => [['filter.evil.clean', program('clean')], ['filter.evil.process', program('process')]], { '.gitattributes': '*.jpg filter=evil\n' }],
  ['diff.external', () => [['diff.external', program('external-diff')]], {}],
  ['a textconv driver', () => [['diff.evil.textconv', program('textconv')]], { '.gitattributes': '*.jpg diff=evil\n' }],
  ['remote.origin.uploadpack', () => [['remote.origin.uploadpack', program('uploadpack', 'git-upload-pack')]], {}],
  ['a hooks folder with post-merge', () => {
    const hooks = path.join(root, 'hooks');
    git(root, 'init', '--quiet', hooks);
    writeFileSync(path.join(hooks, 'post-merge'), `#!/bin/sh\ntouch ${markers}/post-merge\n`);
    chmodSync(path.join(hooks, 'post-merge'), 0o755);
    return [['core.hooksPath', hooks]];
  }, {}],
  ['core.fsmonitor in a file the configuration includes', () => {
    const included = path.join(root, 'included.gitconfig');
    writeFileSync(included, `[core]\n\tfsmonitor = ${program('included-fsmonitor')}\n`);
    return [['include.path', included]];
  }, {}],
];

describe('settings in the checkout that would run a program during syncImages', () => {
  it.each(NEUTRALISED)('%s runs nothing, and the sync still updates', async (_name, settings, extra) => {
    const applied = settings();
    for (const [key, value] of applied) git(imagesDir, 'config', key, value);
    try {
      await publishAnother(extra);
      const answer = await graphql<{ syncImages: { updated: boolean; changedPaths: string[] } }>(server.url, SYNC, {}, ADMIN);
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.syncImages.updated).toBe(true);
      expect(existsSync(path.join(imagesDir, `pic${commits}.jpg`))).toBe(true);
    } finally {
      for (const [key] of applied) git(imagesDir, 'config', '--unset-all', key);
    }
    expect(existsSync(markers) ? readdirSync(markers) : []).toEqual([]);
  });

  it('a credential helper of the checkout is never asked, even when the remote wants credentials', async () => {
    const asking = http.createServer((_request, response) => response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="images"' }).end());
    await new Promise<void>((resolve) => asking.listen(0, '127.0.0.1', resolve));
    const { port } = asking.address() as { port: number };
    git(imagesDir, 'config', 'credential.helper', `!${program('credential-helper')}`);
    git(imagesDir, 'remote', 'set-url', 'origin', `http://127.0.0.1:${port}/images.git`);
    try {
      const answer = await graphql(server.url, SYNC, {}, ADMIN);
      expect(answer.errors?.[0]?.extensions.code).toBe('SYNC_FAILED');
      expect(ran('credential-helper')).toBe(false);
    } finally {
      git(imagesDir, 'remote', 'set-url', 'origin', remote);
      git(imagesDir, 'config', '--unset-all', 'credential.helper');
      asking.close();
    }
  });

  it.each([
    ['core.gitProxy', () => program('git-proxy'), 'core.gitproxy'],
    ['remote.origin.vcs', () => 'evil', 'remote.origin.vcs'],
    ['core.alternateRefsCommand', () => program('alternate-refs'), 'core.alternaterefscommand'],
    ['gpg.program', () => program('gpg'), 'gpg.program'],
    ['filter.a=b.smudge', () => program('equals-smudge'), 'filter.a=b.smudge'],
  ])('%s, which no override can neutralise, makes the sync refuse with SYNC_FAILED naming it', async (key, value, named) => {
    git(imagesDir, 'config', key, value());
    try {
      await publishAnother({ '.gitattributes': '*.jpg filter=a=b\n' });
      const answer = await graphql(server.url, SYNC, {}, ADMIN);
      expect(answer.errors?.[0]).toMatchObject({ extensions: { code: 'SYNC_FAILED' }, message: expect.stringContaining(named) });
      expect(existsSync(markers) ? readdirSync(markers) : []).toEqual([]);
    } finally {
      git(imagesDir, 'config', '--unset-all', key);
    }
    const after = await graphql<{ syncImages: { updated: boolean } }>(server.url, SYNC, {}, ADMIN);
    expect(after.data?.syncImages.updated).toBe(true);
  });
});
