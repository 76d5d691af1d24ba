import path from 'node:path';
import { simpleGit, type SimpleGit, type SimpleGitProgressEvent } from 'simple-git';

export interface GitOptions {
  /** Seconds a git command may go without output before it is stopped. */
  timeoutSeconds: number;
  /** The variables git may see (PATH, HOME, SSH_AUTH_SOCK); nothing else is inherited. */
  env: Readonly<Record<string, string>>;
  onProgress?(event: SimpleGitProgressEvent): void;
}

/** How git runs, as configured; progress is per command. */
export type GitSettings = Omit<GitOptions, 'onProgress'>;

/**
 * git for one directory, run without a shell and with every door closed: no hooks, no
 * prompts (a missing credential fails instead of waiting for a terminal), no repository
 * discovery above the directory (the images folder may sit inside another checkout), a
 * clean environment and a timeout. The settings that simple-git guards as unsafe are
 * allowed only because their values are these constants.
 */
export function openGit(dir: string, options: GitOptions): SimpleGit {
  const git = simpleGit({
    baseDir: dir,
    config: ['core.hooksPath=/dev/null', 'core.quotePath=false'],
    unsafe: { allowUnsafeHooksPath: true, allowUnsafeSshCommand: true },
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
export function progressLogger(log: { info(obj: object, msg: string): void }, message: string) {
  let last = '';
  return (event: SimpleGitProgressEvent) => {
    const mark = `${event.stage}:${Math.floor(event.progress / 25)}`;
    if (mark === last) return;
    last = mark;
    log.info({ stage: event.stage, progress: event.progress, processed: event.processed, total: event.total }, message);
  };
}
