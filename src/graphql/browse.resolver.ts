import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Folder, FolderConnection, MetadataProblem, SourceImage, SourceImageConnection, SourceOrder } from './browse.type';
import type { GraphQLContext } from './context';
import { ResponsiveArgs, VariantArgs } from './image.args';
import { FocalPoint, Image } from './image.type';
import { ResponsiveImage } from './responsive.type';

@ArgsType()
class PageArgs {
  @Field(() => Int, { nullable: true, description: 'How many, 0 to --max-page-size (100 by default). Default 20.' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Start after the item of this cursor (an edge cursor or pageInfo.endCursor).' })
  after?: string | null;
}

@ArgsType()
class SourcePageArgs extends PageArgs {
  @Field(() => SourceOrder, { nullable: true, description: 'Default NAME.' })
  orderBy?: SourceOrder | null;
}

/** Source formats as the API names them: AVIF is what libvips calls HEIF. */
const FORMAT_NAMES: Readonly<Record<string, string>> = { heif: 'avif' };

@Resolver(() => Folder)
export class FolderResolver {
  @Query(() => Folder, { nullable: true, description: 'A folder of the images repository, to browse: its subfolders and images. null when there is no folder at the path (browsing is not serving: nothing falls back).' })
  folder(
    @Ctx() context: GraphQLContext,
    @Arg('path', () => String, { defaultValue: '', description: 'The folder inside the images folder, such as `cats`; "" (the default) for the images folder itself.' }) path: string,
  ): Promise<Folder | null> {
    return context.browse.folder(path);
  }

  @FieldResolver(() => SourceImageConnection, { description: 'A page of the images in the folder (files with an image extension; hidden ones never appear). Counted against the images budget per image asked for (first).' })
  images(@Root() folder: Folder, @Args(() => SourcePageArgs) args: SourcePageArgs, @Ctx() context: GraphQLContext): Promise<SourceImageConnection> {
    return context.browse.images(folder, args);
  }

  @FieldResolver(() => FolderConnection, { description: 'A page of the subfolders, by name.' })
  folders(@Root() folder: Folder, @Args(() => PageArgs) args: PageArgs, @Ctx() context: GraphQLContext): Promise<FolderConnection> {
    return context.browse.folders(folder, args);
  }

  @FieldResolver(() => [MetadataProblem], { description: 'What is wrong in the folder\'s _meta.yml, with the line; empty when nothing is or there is none.' })
  metadataProblems(@Root() folder: Folder, @Ctx() context: GraphQLContext): Promise<readonly MetadataProblem[]> {
    return context.browse.metaProblems(folder);
  }

  @FieldResolver(() => SourceImage, { nullable: true, description: 'The image that answers the folder by its name, its default.* (the group default of the images below it); null when it has none.' })
  default(@Root() folder: Folder, @Ctx() context: GraphQLContext): Promise<SourceImage | null> {
    return context.browse.defaultImage(folder);
  }
}

@Resolver(() => SourceImage)
export class SourceImageResolver {
  @Query(() => SourceImage, { nullable: true, description: 'The facts of one original image. null when no image file answers the path: no fallback, unlike image().' })
  source(
    @Ctx() context: GraphQLContext,
    @Arg('path', () => String, { description: 'Image path inside the images folder, with or without extension; a folder stands for its default image.' }) path: string,
  ): Promise<SourceImage | null> {
    return context.browse.source(path);
  }

  @FieldResolver(() => String, { description: 'The format its bytes are in (jpeg, png, webp, avif, gif, tiff), whatever its name says.' })
  async format(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<string> {
    const { format } = await context.browse.header(image);
    return FORMAT_NAMES[format] ?? format;
  }

  @FieldResolver(() => Int, { description: 'Width in pixels as displayed (after the orientation the camera recorded); of one frame for an animation.' })
  async width(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<number> {
    return (await context.browse.header(image)).width;
  }

  @FieldResolver(() => Int, { description: 'Height in pixels as displayed; of one frame for an animation.' })
  async height(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<number> {
    return (await context.browse.header(image)).height;
  }

  @FieldResolver(() => Boolean, { description: 'Whether it has an alpha channel.' })
  async hasAlpha(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<boolean> {
    return (await context.browse.header(image)).hasAlpha;
  }

  @FieldResolver(() => Int, { description: 'Frames of an animated GIF or WebP; 1 for a still image.' })
  async frames(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<number> {
    return (await context.browse.header(image)).frames;
  }

  @FieldResolver(() => String, { nullable: true, description: 'When it was taken, as the camera recorded it (YYYY-MM-DDTHH:MM:SS, no time zone: EXIF has none); null when it says nothing. Nothing else of its EXIF (no position) leaves the server.' })
  async takenAt(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<string | null> {
    return (await context.browse.header(image)).takenAt;
  }

  @FieldResolver(() => String, { nullable: true, description: "The camera's make and model from its EXIF; null when it says nothing." })
  async camera(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<string | null> {
    return (await context.browse.header(image)).camera;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Alternative text for the image, from the _meta.yml of its folder.' })
  async alt(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<string | null> {
    return (await context.browse.meta(image))?.alt ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Its title, from the _meta.yml of its folder.' })
  async title(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<string | null> {
    return (await context.browse.meta(image))?.title ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Who to credit for it, from the _meta.yml of its folder.' })
  async credit(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<string | null> {
    return (await context.browse.meta(image))?.credit ?? null;
  }

  @FieldResolver(() => FocalPoint, { nullable: true, description: 'Where COVER crops of it are centred when a request names no position or focal point, from the _meta.yml of its folder.' })
  async focalPoint(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<FocalPoint | null> {
    return (await context.browse.meta(image))?.focalPoint ?? null;
  }

  @FieldResolver(() => String, { description: 'The dominant colour, #rrggbb, from a small copy; costs 10 in --max-cost, like a placeholder.' })
  dominantColor(@Root() image: SourceImage, @Ctx() context: GraphQLContext): Promise<string> {
    return context.browse.dominantColor(image);
  }

  @FieldResolver(() => Image, { description: 'A derivative of this image: the same arguments and answer as the root image(path: this path).' })
  image(@Root() image: SourceImage, @Args(() => VariantArgs) args: VariantArgs, @Ctx() context: GraphQLContext): Promise<Image> {
    return context.images.image(image.path, args);
  }

  @FieldResolver(() => ResponsiveImage, { description: 'Candidates for a <picture> of this image: the same arguments and answer as the root responsive(path: this path).' })
  responsive(@Root() image: SourceImage, @Args(() => ResponsiveArgs) args: ResponsiveArgs, @Ctx() context: GraphQLContext): Promise<ResponsiveImage> {
    return context.images.responsive(image.path, args);
  }
}
