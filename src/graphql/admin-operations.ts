import type { Log } from '../log';
import type { Caller } from '../auth/identify';
import type { SyncResult, SyncStatus as CheckoutStatus } from '../git/sync';
import type { Invalidation } from '../images/invalidation';
import type { CacheClearResult, CacheStats } from './admin.type';
import type { Auditor } from './audit';
import type { FileChangeKind, SyncOutcome } from './enums';
import type { ImageSyncResult, SyncStatus } from './sync.type';

export interface AdminOperationsOptions {
  /** The derivative cache's hits and misses since start-up. */
  imageStats(): { cacheHits: number; cacheMisses: number };
  invalidation: Invalidation;
  cacheStats(): { files: number; bytes: number };
  /** Syncs the images checkout (across replicas with Redis) and tells where every replica's checkout is. */
  sync: {
    sync(log: Log): Promise<SyncResult>;
    status(): Promise<CheckoutStatus & { replicas: Array<{ replica: string; currentCommit: string | null; seenAt: Date }> }>;
  };
  /** What is wrong in the metadata files among a sync's changed files. */
  metadataProblems(paths: readonly string[]): Promise<Array<{ file: string; line: number; message: string }>>;
  auditor: Auditor;
}

/** The administrative operations, bound to one request's logger and caller; shield has already checked the caller. */
export function createAdminOperations(options: AdminOperationsOptions) {
  const { sync } = options;
  const { audited } = options.auditor;

  return function forRequest(log: Log, caller: Caller, clientId: string) {
    const admin = caller.kind === 'admin' ? caller.name : 'nobody';
    return {
      /** Audits an administrative field refused to this caller. */
      refused(field: string, code: string): void {
        options.auditor.refused(log, clientId, field, code);
      },

      cacheStats(): CacheStats {
        const { files, bytes } = options.cacheStats();
        const { cacheHits: hits, cacheMisses: misses } = options.imageStats();
        return { files, bytes, hits, misses, hitRate: hits + misses === 0 ? 0 : hits / (hits + misses) };
      },

      clearCache(path: string | null): Promise<CacheClearResult> {
        return audited(log, admin, 'clearCache', { path }, async () => {
          const freed = await options.invalidation.clear(path);
          log.info({ path, ...freed }, 'cache cleared');
          return { clearedFiles: freed.files, freedBytes: freed.bytes };
        });
      },

      async syncStatus(): Promise<SyncStatus> {
        const { lastSync, ...now } = await sync.status();
        return { ...now, lastSyncAt: lastSync?.at ?? null, lastSyncOutcome: (lastSync?.outcome ?? null) as SyncOutcome | null, lastSyncErrorCode: lastSync?.code ?? null };
      },

      syncImages(): Promise<ImageSyncResult> {
        return audited(log, admin, 'syncImages', {}, async () => {
          const result = await sync.sync(log);
          const changes = result.changes.map(({ path, change }) => ({ path, change: change as FileChangeKind }));
          const present = changes.filter((change) => change.change !== 'DELETED').map((change) => change.path);
          return { ...result, changes, changedPaths: changes.map((change) => change.path), metadataProblems: await options.metadataProblems(present) };
        });
      },
    };
  };
}

export type AdminOperations = ReturnType<ReturnType<typeof createAdminOperations>>;
