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

  @FieldResolver(() => ImagePlaceholder, { description: 'Rendered once per source version and crop, then kept in memory; ask for it only when you show it.' })
  placeholder(@Root() image: ResponsiveImage): Promise<ImagePlaceholder> {
    return image.preview();
  }
}
