import DataLoader from 'dataloader';
import { badInput } from '../errors';
import { CONTENT_TYPES } from '../images/formats';
import { parseImagePath } from '../images/path';
import { planOutput } from '../images/plan';
import type { ResolvedSource } from '../images/resolve';
import type { ImageService } from '../images/service';
import { normaliseRequest, type RequestedSpec, type SpecInput, type SpecLimits } from '../images/spec';
import type { SourceMetadata } from '../images/transform';
import type { UrlSigner } from '../signing/url-signer';
import type { ImageFit, ImageFormat, ImagePosition, ImageSource } from './enums';
import type { Image } from './image.type';

export interface DescriberOptions {
  service: ImageService;
  signer: UrlSigner;
  limits: SpecLimits;
  /** Most paths one `images` query may ask for. @default 100 */
  maxBatch: number;
}

export interface VariantInput extends SpecInput {
  format?: ImageFormat | null;
  fit?: ImageFit | null;
  position?: ImagePosition | null;
}

/**
 * Answers `image` and `images` without rendering: resolve the source, read its header
 * (through a per-request DataLoader over the server-wide metadata cache), plan the output
 * size and mint the signed URL. `forRequest` is called once per GraphQL request.
 */
export function createImageDescriber(options: DescriberOptions) {
  const { service, signer, limits } = options;

  return function forRequest() {
    const headers = new DataLoader<ResolvedSource, SourceMetadata, string>(
      (sources) => Promise.all(sources.map((source) => service.metadata(source).catch((error: unknown) => asError(error)))),
      { cacheKeyFn: (source) => `${source.file}\0${source.version}` },
    );

    async function describe(path: string, spec: RequestedSpec, argument = 'path'): Promise<Image> {
      const segments = parseImagePath(path, argument);
      const source = await service.resolve(segments);
      const size = planOutput(await headers.load(source), spec);
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

    return {
      /** One image; bad arguments are BAD_USER_INPUT naming the argument. */
      image: (path: string, input: VariantInput) => describe(path, normaliseRequest(input, limits)),
      /**
       * One promise per path, in the order asked, so a failure (a corrupt source, a bad path)
       * is reported on its own item with the item's index in the error path.
       */
      images(paths: readonly string[], input: VariantInput): Array<Promise<Image>> {
        if (paths.length > options.maxBatch) throw badInput('paths', `at most ${options.maxBatch} paths`, `${paths.length} paths`);
        const spec = normaliseRequest(input, limits);
        return paths.map((path, index) => describe(path, spec, `paths[${index}]`));
      },
    };
  };
}

export type ImageDescriber = ReturnType<ReturnType<typeof createImageDescriber>>;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
