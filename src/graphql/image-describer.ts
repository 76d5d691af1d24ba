import DataLoader from 'dataloader';
import { badInput, toAppError, tooManyPaths } from '../errors';
import { CONTENT_TYPES, type OutputFormat } from '../images/formats';
import { parseImagePath } from '../images/path';
import { planOutput, type OutputBounds } from '../images/plan';
import type { ResolvedSource } from '../images/resolve';
import type { Previews } from '../images/previews';
import type { ImageService } from '../images/service';
import { withPreset, type Preset } from '../images/presets';
import { checkResponsiveRequest, planResponsive, type ResponsiveRequest } from '../images/responsive';
import { normaliseRequest, withFormat, type RequestedSpec, type SpecInput, type SpecLimits } from '../images/spec';
import type { SourceMetadata } from '../images/transform';
import type { UrlSigner } from '../signing/url-signer';
import type { ImageFit, ImageFormat, ImagePosition, ImageSource } from './enums';
import type { Image, ImagePreset } from './image.type';
import type { ResponsiveImage } from './responsive.type';

export interface DescriberOptions {
  service: ImageService;
  previews: Previews;
  signer: UrlSigner;
  limits: SpecLimits & OutputBounds;
  /** Most paths one `images` query may ask for. @default 100 */
  maxBatch: number;
  presets: ReadonlyMap<string, Preset>;
  /** Only presets, and nothing beside them; responsive is refused. */
  presetsOnly: boolean;
  /** Counts a render (a placeholder) against the client's budget, grown by its factor; throws RATE_LIMITED when it is spent. */
  admitRender(clientId: string, factor: number): Promise<void>;
}

export interface VariantInput extends SpecInput {
  preset?: string | null;
  format?: ImageFormat | null;
  fit?: ImageFit | null;
  position?: ImagePosition | null;
}

export interface ResponsiveInput extends ResponsiveRequest {
  formats?: ImageFormat[] | null;
  fit?: ImageFit | null;
  position?: ImagePosition | null;
  sizes?: string | null;
}

const MAX_SIZES_LENGTH = 1000;
// The sizes attribute lands in markup: nothing that could end the attribute or start a tag.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const SIZES_FORBIDDEN = /[<>"'`\u0000-\u001f]/;

/**
 * Answers `image` and `images` without rendering: resolve the source, read its header
 * (through a per-request DataLoader over the server-wide metadata cache), plan the output
 * size and mint the signed URL. `forRequest` is called once per GraphQL request.
 */
export function createImageDescriber(options: DescriberOptions) {
  const { service, signer, limits } = options;

  const requested = (input: VariantInput) => normaliseRequest(withPreset(input, options.presets, options.presetsOnly), limits);

  const checkBatch = (paths: readonly string[]) => {
    if (paths.length > options.maxBatch) throw tooManyPaths(options.maxBatch, paths.length);
  };

  return function forRequest(clientId: string, budgetFactor = 1) {
    const headers = new DataLoader<ResolvedSource, SourceMetadata, string>(
      (sources) => Promise.all(sources.map((source) => service.metadata(source).catch((error: unknown) => asError(error)))),
      { cacheKeyFn: (source) => `${source.file}\0${source.version}` },
    );

    function asImage(path: string, segments: readonly string[], source: ResolvedSource, spec: RequestedSpec, size: { width: number; height: number }): Image {
      return {
        url: signer.mint(segments, spec, source.version),
        path,
        source: source.kind as ImageSource,
        width: size.width,
        height: size.height,
        format: spec.format as ImageFormat,
        contentType: spec.format === 'auto' ? null : CONTENT_TYPES[spec.format],
        quality: spec.quality,
      };
    }

    async function describe(path: string, spec: RequestedSpec, argument = 'path'): Promise<Image> {
      const segments = parseImagePath(path, argument);
      return service.withSource(segments, async (source) => asImage(path, segments, source, spec, planOutput(await headers.load(source), spec, limits)));
    }

    /** Refuses what no path could make right: responsive in presets-only mode, a bad argument, a sizes attribute unfit for markup. */
    function checkResponsive(field: string, input: ResponsiveInput): void {
      if (options.presetsOnly) throw badInput(field, 'image or images with a preset: the server answers presets only', field);
      const sizes = input.sizes ?? null;
      if (sizes !== null && (sizes.length > MAX_SIZES_LENGTH || SIZES_FORBIDDEN.test(sizes))) {
        throw badInput('sizes', `a sizes attribute of at most ${MAX_SIZES_LENGTH} characters without quotes, < or >`, sizes);
      }
      checkResponsiveRequest(input, limits);
    }

    async function responsive(path: string, input: ResponsiveInput, argument = 'path'): Promise<ResponsiveImage> {
      const sizes = input.sizes ?? null;
      const segments = parseImagePath(path, argument);
      const [source, header] = await service.withSource(segments, async (found) => [found, await headers.load(found)] as const);
      const plan = planResponsive(header, input, limits);
      const images = (format: OutputFormat) =>
        plan.candidates.map(({ spec, size }) => asImage(path, segments, source, withFormat(spec, format), size));
      const srcSet = (list: Image[]) => list.map((image) => `${image.url} ${image.width}w`).join(', ');
      const fallback = images(plan.fallback);
      const sources = plan.sourceFormats.map((format) => ({ format, images: images(format) }));
      const largest = plan.candidates[plan.candidates.length - 1]!;
      return {
        path,
        source: source.kind as ImageSource,
        width: largest.size.width,
        height: largest.size.height,
        aspectRatio: largest.size.width / largest.size.height,
        src: fallback[fallback.length - 1]!.url,
        srcSet: srcSet(fallback),
        sizes: sizes ?? `(min-width: ${largest.size.width}px) ${largest.size.width}px, 100vw`,
        sources: sources.map(({ format, images: list }) => ({ type: CONTENT_TYPES[format], srcSet: srcSet(list) })),
        candidates: [...sources.flatMap(({ images: list }) => list), ...fallback],
        preview: () => forItem(path, options.previews.preview(source, largest.spec, () => options.admitRender(clientId, budgetFactor))),
      };
    }

    return {
      /** One image; bad arguments are BAD_USER_INPUT naming the argument. */
      image: (path: string, input: VariantInput) => describe(path, requested(input)),
      /**
       * One promise per path, in the order asked, so a failure (a corrupt source, a bad path)
       * is reported on its own item, by its index and its path, while the others answer.
       * Arguments shared by every path are checked first and fail the whole field.
       */
      images(paths: readonly string[], input: VariantInput): Array<Promise<Image>> {
        checkBatch(paths);
        const spec = requested(input);
        return paths.map((path, index) => forItem(path, describe(path, spec, `paths[${index}]`)));
      },
      /** Candidates per width and format for a <picture>, with a placeholder rendered only when asked for. */
      responsive(path: string, input: ResponsiveInput): Promise<ResponsiveImage> {
        checkResponsive('responsive', input);
        return responsive(path, input);
      },
      /** `responsive` for many paths with shared arguments, one promise per path as in `images`. */
      responsiveImages(paths: readonly string[], input: ResponsiveInput): Array<Promise<ResponsiveImage>> {
        checkBatch(paths);
        checkResponsive('responsiveImages', input);
        return paths.map((path, index) => forItem(path, responsive(path, input, `paths[${index}]`)));
      },
      /** The configured presets, by name. */
      presets: (): ImagePreset[] =>
        [...options.presets.values()].map(({ name, spec }) => ({
          name,
          width: spec.width,
          height: spec.height,
          format: spec.format as ImageFormat,
          quality: spec.quality,
          fit: spec.fit as ImageFit,
          position: spec.position as ImagePosition,
          enlarge: spec.enlarge,
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
