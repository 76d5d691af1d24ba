import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** git as the tests' own tool, with a fixed identity and no user or system configuration. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Publisher',
      GIT_AUTHOR_EMAIL: 'publisher@example.com',
      GIT_COMMITTER_NAME: 'Publisher',
      GIT_COMMITTER_EMAIL: 'publisher@example.com',
    },
  }).trim();
}

/**
 * A bare repository standing in for the images remote, and a clone of it where a
 * publisher commits and pushes, as a team would.
 */
export function createRemote(root: string): { remote: string; publisher: string } {
  const remote = path.join(root, 'remote.git');
  const publisher = path.join(root, 'publisher');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(root, 'clone', '--quiet', remote, publisher);
  git(publisher, 'checkout', '--quiet', '-B', 'main');
  return { remote, publisher };
}

/** Commits everything in the working tree (additions, changes, deletions) and pushes it; returns the commit. */
export function publish(publisher: string, message: string): string {
  git(publisher, 'add', '--all');
  git(publisher, 'commit', '--quiet', '-m', message);
  git(publisher, 'push', '--quiet', 'origin', 'main');
  return git(publisher, 'rev-parse', 'HEAD');
}

/** Environment for a server under test: enough for git to run, nothing from the user's git configuration. */
export const GIT_TEST_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' };
