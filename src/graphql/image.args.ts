import { ArgsType, Field, Float, InputType, Int } from 'type-graphql';
import { CropUnit, ImageFit, ImageFormat, ImagePosition } from './enums';

@InputType({ description: 'A point of the image as fractions of its width and height from the top left corner (after the rotation asked for).' })
export class FocalPointInput {
  @Field(() => Float, { description: 'From 0 (left edge) to 1 (right edge); two decimals are kept.' })
  x!: number;

  @Field(() => Float, { description: 'From 0 (top edge) to 1 (bottom edge); two decimals are kept.' })
  y!: number;
}

@InputType({ description: 'A region of the source as displayed (after the orientation the camera recorded), from its top left corner.' })
export class CropInput {
  @Field(() => Float, { description: 'Distance from the left edge.' })
  left!: number;

  @Field(() => Float, { description: 'Distance from the top edge.' })
  top!: number;

  @Field(() => Float, { description: 'Width of the region: at least 1 pixel, or a fraction above 0.' })
  width!: number;

  @Field(() => Float, { description: 'Height of the region: at least 1 pixel, or a fraction above 0.' })
  height!: number;

  @Field(() => CropUnit, { nullable: true, description: 'What the numbers count. Default PIXELS.' })
  unit?: CropUnit | null;
}

@InputType({ description: 'A configured image (--watermarks) laid over the finished output.' })
export class WatermarkInput {
  @Field(() => String, { description: 'The configured name, such as "logo".' })
  name!: string;

  @Field(() => ImagePosition, { nullable: true, description: 'The compass point of the output it sits at (ENTROPY and ATTENTION are not places). Default SOUTHEAST.' })
  position?: ImagePosition | null;

  @Field(() => Int, { nullable: true, description: 'Its width in percent of the output width, 1-100 (smaller where its height or the margins would not fit); it keeps its aspect ratio. Default 20.' })
  size?: number | null;

  @Field(() => Int, { nullable: true, description: 'Opacity in percent, 1-100. Default 100 (as the file is).' })
  opacity?: number | null;

  @Field(() => Int, { nullable: true, description: 'Distance from the edges its position names, in percent of the output shorter side, 0-25. Default 2.' })
  margin?: number | null;
}

/**
 * What is done to the pixels besides sizing and format, with one meaning wherever a
 * derivative is asked for: `image`, `images` and `responsive` take these alike.
 */
@ArgsType()
export class AdjustmentArgs {
  @Field(() => FocalPointInput, { nullable: true, description: 'The point a COVER crop is centred on, moved inside the image near an edge; instead of position. Ignored by the other fits.' })
  focalPoint?: FocalPointInput | null;

  @Field(() => CropInput, { nullable: true, description: 'A region of the source taken before anything else (trim, rotation, sizing); the output is planned from it. In pixels it must lie on the source (BAD_USER_INPUT names its size otherwise). Default: the whole source.' })
  crop?: CropInput | null;

  @Field(() => Int, { nullable: true, description: 'Remove a uniform border (inside the crop) before sizing: pixels whose colour differs from the top left one by at most this threshold, 1-100. The border is found by reading the source once per version, so it costs like a placeholder (10). Default none.' })
  trim?: number | null;

  @Field(() => Int, { nullable: true, description: 'Degrees clockwise: 0, 90, 180 or 270, after the orientation the camera recorded and before sizing (a quarter turn swaps the sides the box is filled with). Default 0.' })
  rotate?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Mirror left to right, after rotating. Default false.' })
  flipHorizontal?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Mirror top to bottom, after rotating. Default false.' })
  flipVertical?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Colour as RRGGBB or RRGGBBAA hexadecimal digits (with or without #): the padding of CONTAIN and what transparency is flattened onto for JPEG. Default: transparent padding where the format has alpha, white otherwise.' })
  background?: string | null;

  @Field(() => Float, { nullable: true, description: 'Gaussian blur of the output, sigma in output pixels, 0.3-10 (one decimal kept). Default none.' })
  blur?: number | null;

  @Field(() => Float, { nullable: true, description: 'Sharpening of the output, sigma in output pixels, 0.5-3 (one decimal kept; it costs up to half a resize of the same output). Default none.' })
  sharpen?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Shades of grey only. Default false.' })
  grayscale?: boolean | null;

  @Field(() => WatermarkInput, { nullable: true, description: 'A configured image laid over the output, last (after the filters). Not beside a preset that lays its own. Default none.' })
  watermark?: WatermarkInput | null;
}

/** The arguments that choose a derivative, shared by `image` and `images`. */
@ArgsType()
export class VariantArgs extends AdjustmentArgs {
  @Field(() => String, { nullable: true, description: 'A configured preset (see imagePresets); arguments given beside it override its values, except in presets-only mode, where nothing may be given beside it.' })
  preset?: string | null;

  @Field(() => Int, { nullable: true, description: 'Box width in pixels (within the server limits, 10-4000 by default). Alone, it keeps the aspect ratio.' })
  width?: number | null;

  @Field(() => Int, { nullable: true, description: 'Box height in pixels (within the server limits, 10-4000 by default). With neither width nor height the box is 1000×1000.' })
  height?: number | null;

  @Field(() => ImageFormat, { nullable: true, description: 'Output format. Default WEBP.' })
  format?: ImageFormat | null;

  @Field(() => Int, { nullable: true, description: 'Encoder quality, 1-100. Default 75; PNG is always 100.' })
  quality?: number | null;

  @Field(() => ImageFit, { nullable: true, description: 'How the source fills a box given by both width and height. Default INSIDE.' })
  fit?: ImageFit | null;

  @Field(() => ImagePosition, { nullable: true, description: 'Which part a COVER crop keeps. Default CENTER; ignored by the other fits.' })
  position?: ImagePosition | null;

  @Field(() => Boolean, { nullable: true, description: 'Allow the output to be larger than the source. Default false.' })
  enlarge?: boolean | null;

  @Field(() => Float, { nullable: true, description: 'Device pixel ratio, 1-4: multiplies the box (as width: 300, dpr: 2 asks for 600 pixels), within the largest dimension; the source still bounds it unless enlarge. Default 1.' })
  dpr?: number | null;
}

/** The arguments of `responsive`. */
@ArgsType()
export class ResponsiveArgs extends AdjustmentArgs {
  @Field(() => [Int], { nullable: true, description: 'Candidate widths in pixels (1-16 of them). Widths beyond what the source allows become its widest real width; duplicates collapse. Default 320, 640, 960, 1280, 1920, 2560.' })
  widths?: number[] | null;

  @Field(() => [Float], { nullable: true, description: 'Pixel densities of a fixed-size image (1-4 of them, each 1-4), instead of widths: candidates are width × density, and the srcSet uses density descriptors (1x, 2x), each the density a candidate really has when the source is smaller. Needs width.' })
  densities?: number[] | null;

  @Field(() => Int, { nullable: true, description: 'With densities: the width in CSS pixels they multiply (within the server limits).' })
  width?: number | null;

  @Field(() => String, { nullable: true, description: 'The sizes attribute to hand back. Default "(min-width: {width}px) {width}px, 100vw" for the largest candidate width; with densities, "{width}px".' })
  sizes?: string | null;

  @Field(() => [ImageFormat], { nullable: true, description: 'Formats of the <source> elements, tried by browsers in the order AVIF, WebP. Default AVIF and WEBP. The fallback <img> is always JPEG, or PNG for sources with transparency.' })
  formats?: ImageFormat[] | null;

  @Field(() => Int, { nullable: true, description: 'Height at the largest width: every candidate keeps that aspect ratio (use with COVER to crop). Default: the source aspect ratio.' })
  height?: number | null;

  @Field(() => ImageFit, { nullable: true, description: 'How each candidate fills its box when a height is given. Default INSIDE.' })
  fit?: ImageFit | null;

  @Field(() => ImagePosition, { nullable: true, description: 'Which part a COVER crop keeps. Default CENTER.' })
  position?: ImagePosition | null;

  @Field(() => Int, { nullable: true, description: 'Encoder quality, 1-100. Default 75; PNG is always 100.' })
  quality?: number | null;
}
