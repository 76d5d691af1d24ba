import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { CacheClearResult, CacheStats } from './admin.type';
import type { GraphQLContext } from './context';

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
}
