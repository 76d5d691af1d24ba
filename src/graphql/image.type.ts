import { Field, Float, Int, ObjectType } from 'type-graphql';
import { CropUnit, ImageFit, ImageFormat, ImagePosition, ImageSource } from './enums';

@ObjectType({ simpleResolvers: true, description: 'A point of an image as fractions of its width and height from the top left corner.' })
export class FocalPoint {
  @Field(() => Float)
  x!: number;

  @Field(() => Float)
  y!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A region of the source as displayed, from its top left corner.' })
export class CropRegion {
  @Field(() => Float)
  left!: number;

  @Field(() => Float)
  top!: number;

  @Field(() => Float)
  width!: number;

  @Field(() => Float)
  height!: number;

  @Field(() => CropUnit)
  unit!: CropUnit;
}

@ObjectType({ simpleResolvers: true, description: 'Where and how a watermark is laid over an output.' })
export class WatermarkPlacement {
  @Field(() => String)
  name!: string;

  @Field(() => ImagePosition)
  position!: ImagePosition;

  @Field(() => Int, { description: 'Width in percent of the output width.' })
  size!: number;

  @Field(() => Int, { description: 'Opacity in percent.' })
  opacity!: number;

  @Field(() => Int, { description: 'Distance from the edges in percent of the output shorter side.' })
  margin!: number;
}

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

  @Field(() => Int, { description: 'Encoder quality, 1-100 (100 for PNG, which is lossless, and GIF).' })
  quality!: number;

  @Field(() => Boolean, { description: 'The URL returns every frame of an animated source (WebP or GIF, within --max-frames); false for a still image and for outputs that take the first frame.' })
  animated!: boolean;
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

  @Field(() => FocalPoint, { nullable: true, description: 'The point a COVER crop is centred on, instead of position.' })
  focalPoint!: FocalPoint | null;

  @Field(() => Boolean)
  enlarge!: boolean;

  @Field(() => CropRegion, { nullable: true, description: 'The region of the source taken first; null: all of it.' })
  crop!: CropRegion | null;

  @Field(() => Int, { description: 'Threshold of the border trimmed; 0: none.' })
  trim!: number;

  @Field(() => Int, { description: 'Degrees clockwise (0, 90, 180, 270); a vertical flip reads as a half turn with a horizontal one.' })
  rotate!: number;

  @Field(() => Boolean)
  flipHorizontal!: boolean;

  @Field(() => String, { nullable: true, description: 'rrggbb or rrggbbaa; null when none applies.' })
  background!: string | null;

  @Field(() => Float, { description: 'Blur sigma in output pixels; 0: none.' })
  blur!: number;

  @Field(() => Float, { description: 'Sharpen sigma in output pixels; 0: none.' })
  sharpen!: number;

  @Field(() => Boolean)
  grayscale!: boolean;

  @Field(() => WatermarkPlacement, { nullable: true, description: 'The watermark the preset always lays; arguments beside the preset cannot change or remove it.' })
  watermark!: WatermarkPlacement | null;
}
