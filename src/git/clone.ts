import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Log } from '../log';
import { openGit, progressLogger, type GitSettings } from './git';

export interface CloneOptions {
  url: string;
  /** Branch to check out; empty: the remote's default branch. */
  branch: string;
  /** The images directory. */
  dir: string;
  git: GitSettings;
}

export type CloneOutcome = 'cloned' | 'present' | 'not-empty';

/**
 * Where a clone of the images directory `dir` (absolute) is made before it is renamed into
 * place: beside it, in its parent, so that the rename stays on one file system. That parent
 * must be writable.
 */
export function cloneStagingDir(dir: string): string {
  return path.join(path.dirname(dir), `.${path.basename(dir)}.clone-${randomBytes(6).toString('hex')}`);
}

/**
 * Clones the images repository when the images directory is missing or empty; a checkout
 * already there is used as it is (syncImages updates it), and any other content is left
 * alone and reported. The clone is made beside the directory and renamed into place, so
 * a failed or interrupted clone never leaves a half-filled images directory.
 */
export async function cloneImagesRepository(options: CloneOptions, log: Log): Promise<CloneOutcome> {
  const dir = path.resolve(options.dir);
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (entries?.includes('.git')) return 'present';
  if (entries && entries.length > 0) return 'not-empty';

  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true });
  const staging = cloneStagingDir(dir);
  const branch = options.branch ? ['--branch', options.branch] : [];
  log.info({ dir, branch: options.branch || null }, 'cloning the images repository');
  try {
    await openGit(parent, { ...options.git, onProgress: progressLogger(log, 'clone progress') }).clone(options.url, staging, ['--no-tags', ...branch]);
    if (entries) await rmdir(dir);
    await rename(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return 'cloned';
}
