import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { CacheClearResult, CacheStats } from './admin.type';
import type { GraphQLContext } from './context';
import { ImageSyncResult, SyncStatus } from './sync.type';

@Resolver()
export class AdminResolver {
  @Query(() => CacheStats, { description: 'Derivative cache size and hit counts. Administrators only.' })
  cacheStats(@Ctx() context: GraphQLContext): CacheStats {
    return context.admin.cacheStats();
  }

  @Mutation(() => CacheClearResult, { description: "Deletes one image's cached variants (under every spelling of its path), or with no path the whole cache. Administrators only." })
  clearCache(
    @Arg('path', () => String, { nullable: true, description: 'An image path as given to image(); omit it to clear everything.' }) path: string | null | undefined,
    @Ctx() context: GraphQLContext,
  ): Promise<CacheClearResult> {
    return context.admin.clearCache(path ?? null);
  }

  @Query(() => SyncStatus, { description: 'The images checkout (branch, commit) and how the last sync went. Administrators only.' })
  syncStatus(@Ctx() context: GraphQLContext): Promise<SyncStatus> {
    return context.admin.syncStatus();
  }

  @Mutation(() => ImageSyncResult, {
    description:
      "Fetches the images repository and fast-forwards the checked-out branch to its upstream, then clears the derivatives of what changed. A call made while a sync runs joins it and gets the same result. Administrators only.",
  })
  syncImages(@Ctx() context: GraphQLContext): Promise<ImageSyncResult> {
    return context.admin.syncImages();
  }
}
