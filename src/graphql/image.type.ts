import { Field, Int, ObjectType } from 'type-graphql';
import { ImageFormat, ImageSource } from './enums';

@ObjectType({ description: 'A derivative of an image: where to fetch it and what it will be.' })
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
