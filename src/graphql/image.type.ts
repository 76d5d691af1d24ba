import { Field, Int, ObjectType } from 'type-graphql';
import { ImageFit, ImageFormat, ImagePosition, ImageSource } from './enums';

@ObjectType({ simpleResolvers: true, description: 'A derivative of an image: where to fetch it and what it will be.' })
export class Image {
  @Field(() => String, { description: 'Signed URL of the bytes; absolute when the server has a public URL. The same arguments always give the same URL until the source changes.' })
  url!: string;

  @Field(() => String, { description: 'The path that was asked for.' })
  path!: string;

  @Field(() => ImageSource, { description: 'Which source answered the path.' })
  source!: ImageSource;

  @Field(() => Int, { description: 'Width in pixels of the image the URL returns.' })
  width!: number;

  @Field(() => Int, { description: 'Height in pixels of the image the URL returns.' })
  height!: number;

  @Field(() => ImageFormat)
  format!: ImageFormat;

  @Field(() => String, { nullable: true, description: 'MIME type of the bytes; null only for AUTO, which is decided when the URL is fetched.' })
  contentType!: string | null;

  @Field(() => Int, { description: 'Encoder quality, 1-100 (100 for PNG, which is lossless).' })
  quality!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A named transform from the server configuration, usable as image(path, preset: name).' })
export class ImagePreset {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { nullable: true, description: 'Box width in pixels; null follows the height.' })
  width!: number | null;

  @Field(() => Int, { nullable: true, description: 'Box height in pixels; null follows the width.' })
  height!: number | null;

  @Field(() => ImageFormat)
  format!: ImageFormat;

  @Field(() => Int)
  quality!: number;

  @Field(() => ImageFit)
  fit!: ImageFit;

  @Field(() => ImagePosition)
  position!: ImagePosition;

  @Field(() => Boolean)
  enlarge!: boolean;
}
