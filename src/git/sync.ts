import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { GitError, type SimpleGit } from 'simple-git';
import { AppError, toAppError, type ErrorCode } from '../errors';
import type { Log } from '../log';
import { parseNameStatus, parseSymlinks, spelledThroughLinks, type FileChange } from './changes';
import { checkoutOverrides, openGit, progressLogger, type GitSettings } from './git';

/**
 * How a sync keeps the derivative cache true: `snapshot` runs before the checkout moves,
 * `clear` after it, both with the paths that change; `clear` returns how many files it deleted.
 * Implemented by src/images/invalidation.ts (`snapshot`, `clearChanged`) and handed over by
 * app.ts, since git/ may not import images/.
 */
export interface CacheInvalidation<Snapshot> {
  /** `changedPaths` is null when what changed is not known (the checkout had no commit). */
  snapshot(changedPaths: ReadonlySet<string> | null): Promise<Snapshot>;
  clear(before: Snapshot, changedPaths: ReadonlySet<string> | null): Promise<number>;
}

export interface SyncResult {
  updated: boolean;
  branch: string | null;
  previousCommit: string | null;
  currentCommit: string | null;
  changes: FileChange[];
  clearedFiles: number;
}

export type SyncOutcome = 'UPDATED' | 'UP_TO_DATE' | 'FAILED';

export interface SyncStatus {
  repository: boolean;
  branch: string | null;
  currentCommit: string | null;
  running: boolean;
  lastSync: { at: Date; outcome: SyncOutcome; code: ErrorCode | null } | null;
}

export interface ImageSyncOptions<Snapshot> {
  /** The images directory. */
  dir: string;
  git: GitSettings;
  invalidation: CacheInvalidation<Snapshot>;
  /** Told how each sync ended. */
  onOutcome?(outcome: SyncOutcome): void;
}

const HASH = /^[0-9a-f]{40,64}$/;

/** Where a link inside the checkout leads, relative to it; null when it leads outside or nowhere. */
async function linkTarget(root: string, link: string): Promise<string | null> {
  const target = await realpath(path.join(root, link)).catch(() => null);
  return target?.startsWith(root + path.sep) ? target.slice(root.length + 1).split(path.sep).join('/') : null;
}

/**
 * Fast-forwards the images checkout to its branch's upstream and clears the derivatives
 * of what changed. Only constant arguments reach git: the branch, remote and commits are
 * the checkout's own (`HEAD`, `@{upstream}`). A history that cannot fast-forward, a failed
 * fetch or a blocked merge leaves the checkout and the cache as they were. One sync runs
 * at a time; a call that arrives while one runs joins it and gets its result.
 */
export function createImageSync<Snapshot>(options: ImageSyncOptions<Snapshot>) {
  const { invalidation } = options;
  let running: Promise<SyncResult> | null = null;
  let lastSync: SyncStatus['lastSync'] = null;

  async function git(log: Log): Promise<SimpleGit> {
    const overrides = await checkoutOverrides(options.dir, options.git);
    return openGit(options.dir, { ...options.git, overrides, onProgress: progressLogger(log, 'sync progress') });
  }

  function failure(code: ErrorCode, message: string) {
    return (cause: unknown) => {
      throw new AppError(code, message, { cause });
    };
  }

  async function checkRepository(repo: SimpleGit): Promise<void> {
    const top = await repo.raw(['rev-parse', '--show-toplevel']).catch(failure('NOT_A_GIT_REPOSITORY', 'The images directory is not a git repository.'));
    const [expected, actual] = await Promise.all([realpath(options.dir), realpath(top.trim()).catch(() => '')]);
    if (expected !== actual) throw new AppError('NOT_A_GIT_REPOSITORY', 'The images directory is not the top of a git repository.');
  }

  /** `ref` is `HEAD`, `@{upstream}` or a full commit hash (checked by HASH): never anything git could read as an option. */
  async function commit(repo: SimpleGit, ref: string): Promise<string | null> {
    const hash = (await repo.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '')).trim();
    return HASH.test(hash) ? hash : null;
  }

  async function branchOf(repo: SimpleGit): Promise<string | null> {
    const name = (await repo.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
    return name || null;
  }

  /**
   * Fetches, then fast-forwards to `given` (a commit another replica synced to) or else to
   * the upstream's head, clearing the derivatives of what changed.
   */
  async function run(log: Log, given?: string): Promise<SyncResult> {
    const repo = await git(log);
    await checkRepository(repo);
    const branch = await branchOf(repo);
    if (!branch) throw new AppError('SYNC_FAILED', 'The images checkout is not on a branch (detached HEAD).');
    const previousCommit = await commit(repo, 'HEAD');
    const upstream = (await repo.raw(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']).catch(failure('SYNC_FAILED', `The branch ${branch} has no upstream to sync from.`))).trim();

    log.info({ branch, upstream, commit: previousCommit }, 'sync fetching');
    // On the command line, the default upload-pack wins over one a checkout's configuration names.
    await repo.raw(['fetch', '--no-tags', '--no-recurse-submodules', '--upload-pack=git-upload-pack']).catch(failure('SYNC_FAILED', 'Fetching the images repository failed.'));
    const target = given === undefined ? await commit(repo, '@{upstream}') : await commit(repo, given);
    if (!target) throw new AppError('SYNC_FAILED', given === undefined ? `The upstream ${upstream} has no commit.` : `The commit ${given} is not in the fetched history.`);
    // Another replica's commit is taken only from this checkout's own branch: a replica of another
    // branch sharing the Redis (staging ahead of production, say), or anything else published
    // there, would otherwise move this checkout off its branch.
    if (given !== undefined && (await repo.raw(['merge-base', target, '@{upstream}']).catch(() => '')).trim() !== target) {
      throw new AppError('SYNC_FAILED', `The commit ${given} is not on ${upstream}, which this checkout follows.`);
    }

    const unchanged = { updated: false, branch, previousCommit, currentCommit: previousCommit, changes: [], clearedFiles: 0 };
    if (target === previousCommit) return unchanged;
    if (previousCommit) {
      // No common ancestor prints nothing, which reads as diverged too.
      const base = (await repo.raw(['merge-base', 'HEAD', target])).trim();
      // The checkout is ahead of its upstream: nothing to take.
      if (base === target) return unchanged;
      if (base !== previousCommit) throw new AppError('SYNC_DIVERGED', `The branch ${branch} and ${given ?? upstream} have diverged; it cannot be fast-forwarded.`);
    }

    const changes = previousCommit ? parseNameStatus(await repo.raw(['diff', '--no-renames', '--no-ext-diff', '--no-textconv', '--name-status', '-z', 'HEAD', target, '--'])) : [];
    log.info({ from: previousCommit, to: target, changed: changes.length }, 'sync merging');
    // A first commit has nothing to compare with: every cached path is resolved again.
    const changed = changes.map((change) => change.path);
    const linksBefore = await symlinks(repo);
    const before = await invalidation.snapshot(previousCommit ? spelledThroughLinks(changed, linksBefore) : null);
    await repo.raw(['merge', '--ff-only', '--no-stat', '--no-verify-signatures', target]).catch(failure('SYNC_FAILED', 'The images checkout could not be fast-forwarded (local changes in the way?).'));
    const currentCommit = await commit(repo, 'HEAD');
    const links = new Map([...linksBefore, ...(await linksAmong(changed))]);
    const clearedFiles = await invalidation.clear(before, previousCommit ? spelledThroughLinks(changed, links) : null);
    return { updated: true, branch, previousCommit, currentCommit, changes, clearedFiles };
  }

  /** The checkout's committed symbolic links that lead inside it, each with the path it leads to. */
  async function symlinks(repo: SimpleGit): Promise<Map<string, string>> {
    const links = new Map<string, string>();
    const root = await realpath(options.dir);
    for (const link of parseSymlinks(await repo.raw(['ls-files', '--stage', '-z']))) {
      const target = await linkTarget(root, link);
      if (target !== null) links.set(link, target);
    }
    return links;
  }

  /** The links a commit added or changed, among its changed paths: the rest are known from before it. */
  async function linksAmong(changed: readonly string[]): Promise<Map<string, string>> {
    const links = new Map<string, string>();
    const root = await realpath(options.dir);
    for (const link of changed) {
      if (!(await lstat(path.join(root, link)).then((stat) => stat.isSymbolicLink(), () => false))) continue;
      const target = await linkTarget(root, link);
      if (target !== null) links.set(link, target);
    }
    return links;
  }

  async function record(log: Log, given?: string): Promise<SyncResult> {
    log.info({ dir: options.dir, ...(given === undefined ? {} : { following: given }) }, 'sync started');
    try {
      const result = await run(log, given);
      lastSync = { at: new Date(), outcome: result.updated ? 'UPDATED' : 'UP_TO_DATE', code: null };
      options.onOutcome?.(lastSync.outcome);
      const { changes, ...summary } = result;
      log.info({ ...summary, changed: changes.length }, 'sync finished');
      return result;
    } catch (caught) {
      const error = caught instanceof GitError ? new AppError('SYNC_FAILED', 'git failed while syncing the images repository.', { cause: caught }) : toAppError(caught);
      lastSync = { at: new Date(), outcome: 'FAILED', code: error.code };
      options.onOutcome?.('FAILED');
      log.error({ err: error.cause ?? error, code: error.code }, 'sync failed');
      throw error;
    }
  }

  // Syncs and follows take turns: one moves the checkout at a time.
  let turn: Promise<unknown> = Promise.resolve();
  function inTurn(work: () => Promise<SyncResult>): Promise<SyncResult> {
    const next = turn.then(work, work);
    turn = next.catch(() => undefined);
    return next;
  }

  return {
    /** Runs a sync, or joins the one already running. */
    sync(log: Log): Promise<SyncResult> {
      running ??= inTurn(() => record(log)).finally(() => {
        running = null;
      });
      return running;
    },

    /**
     * Brings the checkout to `commit` (a full hash another replica synced to), fetched from
     * its own remote and taken only as a fast-forward; a commit it already has or is past
     * changes nothing.
     */
    follow(commit: string, log: Log): Promise<SyncResult> {
      if (!HASH.test(commit)) return Promise.reject(new AppError('SYNC_FAILED', 'Expected a full commit hash to follow.'));
      return inTurn(() => record(log, commit));
    },

    /** The checkout as it is now and how the last sync went. */
    async status(): Promise<SyncStatus> {
      // Reading the state runs nothing a checkout's configuration could name: the locked settings suffice.
      const repo = openGit(options.dir, options.git);
      const repository = await checkRepository(repo).then(
        () => true,
        () => false,
      );
      return {
        repository,
        branch: repository ? await branchOf(repo) : null,
        currentCommit: repository ? await commit(repo, 'HEAD') : null,
        running: running !== null,
        lastSync,
      };
    },
  };
}

export type ImageSync = ReturnType<typeof createImageSync>;
