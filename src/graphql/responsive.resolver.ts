import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from './context';
import { ResponsiveArgs } from './image.args';
import { ImagePlaceholder, ResponsiveImage } from './responsive.type';

// As in ImageResolver, the arguments come before `path` so that the schema reads `path` first.
@Resolver(() => ResponsiveImage)
export class ResponsiveResolver {
  @Query(() => ResponsiveImage, { description: 'A responsive image for a <picture> element: signed URLs per width and format, each with its real size, and a placeholder.' })
  responsive(
    @Args(() => ResponsiveArgs) args: ResponsiveArgs,
    @Arg('path', () => String, { description: 'Image path inside the images folder, as for image().' }) path: string,
    @Ctx() context: GraphQLContext,
  ): Promise<ResponsiveImage> {
    return context.images.responsive(path, args);
  }

  @Query(() => [ResponsiveImage], {
    nullable: 'items',
    description: 'responsive for many images at once (a gallery), with shared widths, sizes and formats, in the order asked. Counted like images, per path. A path that fails is null at its index, with an error naming the imagePath; the others still answer.',
  })
  responsiveImages(
    @Args(() => ResponsiveArgs) args: ResponsiveArgs,
    @Arg('paths', () => [String], { description: 'Image paths, answered in this order (at most the server limit, 100 by default).' }) paths: string[],
    @Ctx() context: GraphQLContext,
  ): Array<Promise<ResponsiveImage | null>> {
    return context.images.responsiveImages(paths, args);
  }

  @FieldResolver(() => ImagePlaceholder, { description: 'Rendered once per source version and crop, then kept in memory; ask for it only when you show it.' })
  placeholder(@Root() image: ResponsiveImage): Promise<ImagePlaceholder> {
    return image.preview();
  }
}
