import DataLoader from 'dataloader';
import { toAppError, tooManyPaths } from '../errors';
import type {
  Describer,
  Description,
  ResponsiveDescription,
  ResponsiveInput as DomainResponsiveInput,
  ResolvedSource,
  SourceMetadata,
  VariantRequest,
} from '../images/describe';
import type { UrlSigner } from '../signing/url-signer';
import type { CropUnit, ImageFit, ImageFormat, ImagePosition, ImageSource } from './enums';
import type { Image, ImagePreset } from './image.type';
import type { ResponsiveImage } from './responsive.type';

export interface DescriberOptions {
  describer: Describer;
  signer: UrlSigner;
  /** Most paths one `images` query may ask for. @default 100 */
  maxBatch: number;
  /** Counts a render (a placeholder) against the client's budget, grown by its factor; throws RATE_LIMITED when it is spent. */
  admitRender(clientId: string, factor: number): Promise<void>;
}

export interface VariantInput extends VariantRequest {
  format?: ImageFormat | null;
  fit?: ImageFit | null;
  position?: ImagePosition | null;
}

export interface ResponsiveInput extends DomainResponsiveInput {
  formats?: ImageFormat[] | null;
  fit?: ImageFit | null;
  position?: ImagePosition | null;
}

/**
 * Answers `image`, `images` and `responsive` from the domain's descriptions: mints each
 * signed URL and shapes the GraphQL types. Headers are read once per request through a
 * DataLoader over the server-wide header cache. `forRequest` is called once per GraphQL request.
 */
export function createImageDescriber(options: DescriberOptions) {
  const { describer, signer } = options;

  const checkBatch = (paths: readonly string[]) => {
    if (paths.length > options.maxBatch) throw tooManyPaths(options.maxBatch, paths.length);
  };

  return function forRequest(clientId: string, budgetFactor = 1) {
    const headers = new DataLoader<ResolvedSource, SourceMetadata, string>(
      (sources) => Promise.all(sources.map((source) => describer.readHeader(source).catch((error: unknown) => asError(error)))),
      { cacheKeyFn: (source) => `${source.file}\0${source.version}` },
    );
    const readHeader = (source: ResolvedSource) => headers.load(source);
    const admitRender = () => options.admitRender(clientId, budgetFactor);

    function asImage(path: string, { segments, source, spec, size, version, contentType, animated }: Description): Image {
      return {
        url: signer.mint(segments, spec, version),
        path,
        source: source.kind as ImageSource,
        width: size.width,
        height: size.height,
        format: spec.format as ImageFormat,
        contentType,
        quality: spec.quality,
        animated,
      };
    }

    function responsive(path: string, found: ResponsiveDescription): ResponsiveImage {
      const { source, largest } = found;
      const images = (candidates: readonly Description[]) => candidates.map((candidate) => asImage(path, candidate));
      // Density descriptors for a fixed-size image, width descriptors otherwise.
      const srcSet = (list: Image[]) => list.map((item, index) => `${item.url} ${found.densities ? `${found.densities[index]}x` : `${item.width}w`}`).join(', ');
      const fallback = images(found.fallback);
      const sources = found.sources.map(({ contentType, candidates }) => ({ type: contentType, images: images(candidates) }));
      return {
        path,
        source: source.kind as ImageSource,
        width: largest.size.width,
        height: largest.size.height,
        aspectRatio: largest.size.width / largest.size.height,
        src: fallback[fallback.length - 1]!.url,
        srcSet: srcSet(fallback),
        sizes: found.sizes,
        sources: sources.map(({ type, images: list }) => ({ type, srcSet: srcSet(list) })),
        candidates: [...sources.flatMap(({ images: list }) => list), ...fallback],
        preview: () => forItem(path, found.preview(admitRender)),
      };
    }

    return {
      /** A source's header, read once per request (browsing reads the facts of its nodes through it too). */
      readHeader,
      /** Counts a render against the client's budget (browsing's dominant colours too). */
      admitRender,
      /** One image; bad arguments are BAD_USER_INPUT naming the argument. */
      image: async (path: string, input: VariantInput) => asImage(path, await (describer.describe([path], input, { readHeader, admitRender })[0] as Promise<Description>)),
      /**
       * One promise per path, in the order asked, so a failure (a corrupt source, a bad path)
       * is reported on its own item, by its index and its path, while the others answer.
       * Arguments shared by every path are checked first and fail the whole field.
       */
      images(paths: readonly string[], input: VariantInput): Array<Promise<Image>> {
        checkBatch(paths);
        return describer.describe(paths, input, { batch: true, readHeader, admitRender }).map((found, index) => forItem(paths[index] as string, found.then((description) => asImage(paths[index] as string, description))));
      },
      /** Candidates per width and format for a <picture>, with a placeholder rendered only when asked for. */
      responsive: async (path: string, input: ResponsiveInput): Promise<ResponsiveImage> => responsive(path, await (describer.describeResponsive([path], input, { readHeader, admitRender })[0] as Promise<ResponsiveDescription>)),
      /** `responsive` for many paths with shared arguments, one promise per path as in `images`. */
      responsiveImages(paths: readonly string[], input: ResponsiveInput): Array<Promise<ResponsiveImage>> {
        checkBatch(paths);
        return describer.describeResponsive(paths, input, { batch: true, readHeader, admitRender }).map((found, index) => forItem(paths[index] as string, found.then((description) => responsive(paths[index] as string, description))));
      },
      /** The configured presets, by name. */
      presets: (): ImagePreset[] =>
        describer.presets().map(({ name, spec }) => ({
          name,
          width: spec.width,
          height: spec.height,
          format: spec.format as ImageFormat,
          quality: spec.quality,
          fit: spec.fit as ImageFit,
          position: spec.position as ImagePosition,
          focalPoint: spec.focus,
          enlarge: spec.enlarge,
          crop: spec.crop && { ...spec.crop, unit: spec.crop.unit as CropUnit },
          trim: spec.trim,
          rotate: spec.rotate,
          flipHorizontal: spec.flipHorizontal,
          background: spec.background,
          blur: spec.blur,
          sharpen: spec.sharpen,
          grayscale: spec.grayscale,
          watermark: spec.watermark && { ...spec.watermark, position: spec.watermark.position as ImagePosition },
        })),
    };
  };
}

export type ImageDescriber = ReturnType<ReturnType<typeof createImageDescriber>>;

/** A batch item's failure names the path it was for (`extensions.imagePath`), beside its index in the error's path. */
function forItem<T>(path: string, answer: Promise<T>): Promise<T> {
  return answer.catch((error: unknown) => {
    throw toAppError(error).about(path);
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
