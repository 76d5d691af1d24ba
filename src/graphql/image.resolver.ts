import { Args, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from './context';
import { ImageArgs, ImagesArgs } from './image.args';
import { Image } from './image.type';

@Resolver(() => Image)
export class ImageResolver {
  @Query(() => Image, { description: 'A derivative of one image: its signed URL and its real output size, computed without rendering.' })
  image(@Args(() => ImageArgs) { path, ...variant }: ImageArgs, @Ctx() context: GraphQLContext): Promise<Image> {
    return context.images.image(path, variant);
  }

  @Query(() => [Image], { description: 'The same derivative of many images, in the order asked; each source header is read once.' })
  images(@Args(() => ImagesArgs) { paths, ...variant }: ImagesArgs, @Ctx() context: GraphQLContext): Array<Promise<Image>> {
    return context.images.images(paths, variant);
  }
}
