import path from 'node:path';
import { simpleGit, type SimpleGit, type SimpleGitProgressEvent } from 'simple-git';
import { AppError } from '../errors';
import type { Log } from '../log';

export interface GitOptions {
  /** Seconds a git command may go without output before it is stopped. */
  timeoutSeconds: number;
  /** The variables git may see (PATH, HOME, SSH_AUTH_SOCK); nothing else is inherited. */
  env: Readonly<Record<string, string>>;
  onProgress?(event: SimpleGitProgressEvent): void;
  /** More `-c` settings, after the locked ones (see checkoutOverrides). */
  overrides?: readonly string[];
}

/** How git runs, as configured; progress is per command. */
export type GitSettings = Omit<GitOptions, 'onProgress' | 'overrides'>;

/**
 * Settings that would make git run a program, set to values that run none, for every
 * command. `credential.helper=` empties the list of helpers; those of the user's and the
 * system's configuration are added back (see checkoutOverrides).
 */
const LOCKED: readonly string[] = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.sshCommand=ssh -o BatchMode=yes',
  'core.askPass=',
  'core.pager=cat',
  'core.editor=true',
  'diff.external=',
  'protocol.ext.allow=never',
  'credential.helper=',
  // Signature checks run gpg.program; submodules have configurations of their own.
  'merge.verifySignatures=false',
  'submodule.recurse=false',
  'fetch.recurseSubmodules=false',
  'core.quotePath=false',
];

/** Keys of a checkout's own configuration that run a program, and the value that runs none (a later value wins). */
const NEUTRALISED: ReadonlyArray<[RegExp, string]> = [
  [/^filter\..+\.(?:clean|smudge|process)$/, ''],
  [/^filter\..+\.required$/, 'false'],
  [/^diff\..+\.(?:command|textconv)$/, ''],
  [/^merge\..+\.driver$/, ''],
  [/^credential\..+\.helper$/, ''],
];

/**
 * Keys no override can neutralise, so a checkout that sets one is refused: git takes the
 * first value of these, or runs them however they are set.
 */
const REFUSED = [/^core\.gitproxy$/, /^remote\..+\.vcs$/, /^core\.alternaterefs(?:command|prefixes)$/, /^gpg\./];

/**
 * The overrides a checkout's own configuration needs (its `.git/config` and what it
 * includes): every key there that would run a program during a sync, neutralised, plus the
 * credential helpers of the user's and the system's configuration, which the operator set.
 * Throws SYNC_FAILED for a key that cannot be overridden.
 */
export async function checkoutOverrides(dir: string, options: GitSettings): Promise<string[]> {
  // Unread settings could run anything: a configuration git cannot list stops the sync.
  const listing = await openGit(dir, options)
    .raw(['config', '--list', '--show-scope', '--includes', '-z'])
    .catch((cause: unknown) => {
      throw new AppError('SYNC_FAILED', "The images checkout's git configuration cannot be read.", { cause });
    });
  const overrides: string[] = [];
  const helpers: string[] = [];
  const fields = listing.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const scope = fields[i] as string;
    const entry = fields[i + 1] as string;
    const newline = entry.indexOf('\n');
    const key = newline === -1 ? entry : entry.slice(0, newline);
    const value = newline === -1 ? '' : entry.slice(newline + 1);
    if (scope === 'system' || scope === 'global') {
      if (key === 'credential.helper' && value !== '') helpers.push(`credential.helper=${value}`);
      continue;
    }
    const lower = key.toLowerCase();
    if (REFUSED.some((pattern) => pattern.test(lower))) {
      throw new AppError('SYNC_FAILED', `The images checkout's git configuration sets ${key}, which would run a program; remove it to sync.`);
    }
    const neutral = NEUTRALISED.find(([pattern]) => pattern.test(lower));
    if (!neutral) continue;
    // `-c name=value` splits at the first "=": a name that contains one cannot be overridden.
    if (key.includes('=')) {
      throw new AppError('SYNC_FAILED', `The images checkout's git configuration sets ${key}, which would run a program and cannot be overridden; remove it to sync.`);
    }
    overrides.push(`${key}=${neutral[1]}`);
  }
  return [...overrides, ...helpers];
}

/**
 * git for one directory, run without a shell and with every door closed: no setting that
 * runs a program (hooks, fsmonitor, external diffs, filters, credential helpers other than
 * the operator's), no prompts (a missing credential fails instead of waiting for a
 * terminal), no repository discovery above the directory (the images folder may sit inside
 * another checkout), a clean environment and a timeout. The settings that simple-git guards
 * as unsafe are allowed only because their values are these constants, or the operator's own.
 */
export function openGit(dir: string, options: GitOptions): SimpleGit {
  const git = simpleGit({
    baseDir: dir,
    config: [...LOCKED, ...(options.overrides ?? [])],
    unsafe: {
      allowUnsafeHooksPath: true,
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
      allowUnsafePager: true,
      allowUnsafeEditor: true,
      allowUnsafeCredentialHelper: true,
      allowUnsafeMergeDriver: true,
      allowUnsafeProtocolOverride: true,
      allowUnsafePack: true,
      allowUnsafeFsMonitor: true,
      allowUnsafeDiffExternal: true,
      allowUnsafeDiffTextConv: true,
      allowUnsafeFilter: true,
    },
    allowEnvironment: ['GIT_TERMINAL_PROMPT', 'GIT_CEILING_DIRECTORIES', 'GIT_SSH_COMMAND'],
    timeout: { block: options.timeoutSeconds * 1000 },
    maxConcurrentProcesses: 1,
    ...(options.onProgress ? { progress: options.onProgress } : {}),
  });
  return git.env({
    ...options.env,
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CEILING_DIRECTORIES: path.dirname(path.resolve(dir)),
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
  });
}

/** Logs git's progress once per stage and every quarter, not once per line. */
export function progressLogger(log: Log, message: string) {
  let last = '';
  return (event: SimpleGitProgressEvent) => {
    const mark = `${event.stage}:${Math.floor(event.progress / 25)}`;
    if (mark === last) return;
    last = mark;
    log.info({ stage: event.stage, progress: event.progress, processed: event.processed, total: event.total }, message);
  };
}
