import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'What clearCache removed.' })
export class CacheClearResult {
  @Field(() => Int, { description: 'Derivative files deleted.' })
  clearedFiles!: number;

  @Field(() => Float, { description: 'Bytes those files took, in bytes.' })
  freedBytes!: number;
}

@ObjectType({ simpleResolvers: true, description: 'The derivative cache, since the server started (files and bytes are counted at start-up).' })
export class CacheStats {
  @Field(() => Int, { description: 'Derivative files in the cache.' })
  files!: number;

  @Field(() => Float, { description: 'Bytes those files take.' })
  bytes!: number;

  @Field(() => Int, { description: 'Image requests answered from the cache.' })
  hits!: number;

  @Field(() => Int, { description: 'Image requests that had to render.' })
  misses!: number;

  @Field(() => Float, { description: 'hits / (hits + misses), 0 when nothing was asked yet.' })
  hitRate!: number;
}
