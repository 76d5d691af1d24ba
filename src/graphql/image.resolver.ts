import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from './context';
import { VariantArgs } from './image.args';
import { Image, ImagePreset } from './image.type';

// type-graphql prints a field's arguments from its last parameter to its first: the variant
// arguments come first here so that the schema reads `path` (or `paths`) first.
@Resolver(() => Image)
export class ImageResolver {
  @Query(() => Image, { description: 'A derivative of one image: its signed URL and its real output size, computed without rendering.' })
  image(
    @Args(() => VariantArgs) variant: VariantArgs,
    @Arg('path', () => String, { description: 'Image path inside the images folder, with or without extension: `cats`, `cats/cat_white`, `cats/cat_white.jpg`.' })
    path: string,
    @Ctx() context: GraphQLContext,
  ): Promise<Image> {
    return context.images.image(path, variant);
  }

  @Query(() => [Image], {
    nullable: 'items',
    description: 'The same derivative of many images, in the order asked; each source header is read once. A path that fails is null at its index, with an error whose path is ["images", index] and whose extensions name the imagePath and its code; the other paths still answer.',
  })
  images(
    @Args(() => VariantArgs) variant: VariantArgs,
    @Arg('paths', () => [String], { description: 'Image paths, answered in this order (at most the server limit, 100 by default).' })
    paths: string[],
    @Ctx() context: GraphQLContext,
  ): Array<Promise<Image | null>> {
    return context.images.images(paths, variant);
  }

  @Query(() => [ImagePreset], { description: 'The presets the server is configured with, by name.' })
  imagePresets(@Ctx() context: GraphQLContext): ImagePreset[] {
    return context.images.presets();
  }
}
