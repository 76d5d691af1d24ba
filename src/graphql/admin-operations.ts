import type { FastifyBaseLogger } from 'fastify';
import type { Caller } from '../auth/identify';
import { parseImagePath } from '../images/path';
import type { ImageService } from '../images/service';
import type { CacheClearResult, CacheStats } from './admin.type';
import type { Audited } from './audit';

export interface AdminOperationsOptions {
  service: ImageService;
  cacheStats(): { files: number; bytes: number };
  audited: Audited;
}

/** The administrative operations, bound to one request's logger and caller; shield has already checked the caller. */
export function createAdminOperations(options: AdminOperationsOptions) {
  const { service, audited } = options;

  return function forRequest(log: FastifyBaseLogger, caller: Caller) {
    const admin = caller.kind === 'admin' ? caller.name : 'nobody';
    return {
      cacheStats(): CacheStats {
        const { files, bytes } = options.cacheStats();
        const { cacheHits: hits, cacheMisses: misses } = service.stats();
        return { files, bytes, hits, misses, hitRate: hits + misses === 0 ? 0 : hits / (hits + misses) };
      },

      clearCache(path: string | null): Promise<CacheClearResult> {
        return audited(log, admin, 'clearCache', { path }, async () => {
          const freed = await service.clear(path === null ? null : parseImagePath(path));
          log.info({ path, ...freed }, 'cache cleared');
          return { clearedFiles: freed.files, freedBytes: freed.bytes };
        });
      },
    };
  };
}

export type AdminOperations = ReturnType<ReturnType<typeof createAdminOperations>>;
