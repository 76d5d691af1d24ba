import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { Preview } from '../images/preview';
import { ImageSource } from './enums';
import { Image } from './image.type';

@ObjectType({ simpleResolvers: true, description: 'One <source> element of a <picture>: a format and its candidates.' })
export class ResponsiveSource {
  @Field(() => String, { description: 'MIME type, for the type attribute: image/avif, image/webp.' })
  type!: string;

  @Field(() => String, { description: 'Candidates as "url 320w, url 640w", for the srcset attribute.' })
  srcSet!: string;
}

@ObjectType({ simpleResolvers: true, description: 'What to show while the image loads.' })
export class ImagePlaceholder {
  @Field(() => String, { description: 'A tiny blurred WebP of the same crop and aspect ratio, as a data: URI of a few hundred bytes.' })
  dataUri!: string;

  @Field(() => String, { description: 'The dominant colour, #rrggbb, for a background while nothing has loaded.' })
  color!: string;

  @Field(() => String, { description: 'ThumbHash of the same crop, base64 (about 25 bytes): decoded by the thumbhash package into a placeholder that keeps the aspect ratio, transparency and more detail than a BlurHash.' })
  thumbHash!: string;

  @Field(() => String, { description: 'BlurHash of the same crop (4×3 components, 3×4 for portrait images; about 30 characters), for clients that already decode BlurHash.' })
  blurHash!: string;
}

@ObjectType({ simpleResolvers: true, description: 'Everything a <picture> element needs: sources per format in the order browsers should try them, a fallback <img>, sizes and a placeholder.' })
export class ResponsiveImage {
  @Field(() => String, { description: 'The path that was asked for.' })
  path!: string;

  @Field(() => ImageSource)
  source!: ImageSource;

  @Field(() => Int, { description: 'Width in pixels of the largest candidate: the width attribute of the <img>.' })
  width!: number;

  @Field(() => Int, { description: 'Height in pixels of the largest candidate: the height attribute of the <img>.' })
  height!: number;

  @Field(() => Float, { description: 'width / height.' })
  aspectRatio!: number;

  @Field(() => String, { description: 'URL of the largest candidate in the fallback format (JPEG, or PNG for sources with transparency): the src of the <img>.' })
  src!: string;

  @Field(() => String, { description: 'The fallback format candidates, for the srcset of the <img>.' })
  srcSet!: string;

  @Field(() => String, { description: 'The sizes attribute: as given, or "(min-width: {width}px) {width}px, 100vw".' })
  sizes!: string;

  @Field(() => [ResponsiveSource], { description: 'One per format other than the fallback, in <picture> order (AVIF before WebP).' })
  sources!: ResponsiveSource[];

  @Field(() => [Image], { description: 'Every candidate URL with its real output size and format, smallest first, fallback format last.' })
  candidates!: Image[];

  /** Renders the placeholder when it is asked for; not a schema field itself. */
  preview!: () => Promise<Preview>;
}
