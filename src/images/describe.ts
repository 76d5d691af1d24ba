import { badInput } from '../errors';
import { CONTENT_TYPES, type OutputFormat } from './formats';
import type { MetadataCache } from './metadata';
import { parseImagePath } from './path';
import { planOutput, showsBackground, type OutputBounds, type OutputSize } from './plan';
import { withPreset, type Preset, type VariantRequest } from './presets';
import type { Preview } from './preview';
import type { Previews } from './previews';
import { checkResponsiveRequest, planResponsive, type Candidate, type ResponsiveRequest } from './responsive';
import type { ResolvedSource, Resolver } from './resolve';
import { DEFAULT_POSITION, normaliseRequest, normaliseSpec, withFormat, type FocalPoint, type RequestedSpec, type SpecInput, type SpecLimits } from './spec';
import type { SourceMetadata } from './transform';
import { animates, keepsFrames, type AnimationBounds } from './animation';
import type { SourceViews, Trimming, Viewed } from './view';
import type { MetaStore } from './meta';
import type { Watermarks } from './watermarks';

// What the adapters of `describe` name in their own signatures.
export type { Preset, VariantRequest, RequestedSpec, ResolvedSource, SourceMetadata };

export interface DescribeOptions {
  resolver: Resolver;
  metadata: MetadataCache;
  views: SourceViews;
  watermarks: Pick<Watermarks, 'bind'>;
  /** The metadata files next to the images: a focal point centres COVER crops that name no place. */
  meta: Pick<MetaStore, 'image'>;
  animation: AnimationBounds;
  previews: Previews;
  limits: SpecLimits & OutputBounds;
  presets: ReadonlyMap<string, Preset>;
  /** Only presets, and nothing beside them; responsive is refused. */
  presetsOnly: boolean;
}

/** A path's source and the part of it a spec uses. */
interface Found {
  readonly segments: readonly string[];
  readonly source: ResolvedSource;
  readonly view: Viewed;
}

/** Reads a source's header; a caller may pass one that reads each header once per request. */
export type HeaderReader = (source: ResolvedSource) => Promise<SourceMetadata>;

export interface DescribeContext {
  /** The paths came as a batch (`images`, `responsiveImages`): errors name `paths[index]`. @default false */
  batch?: boolean;
  readHeader?: HeaderReader;
  /** Counts looking for a trim's border in a source's pixels (a render) against the client's budget; may refuse it. */
  admitRender?: () => Promise<void>;
}

/** Everything a URL is minted from and the API reports about one derivative, found without rendering. */
export interface Description {
  /** The checked path segments. */
  readonly segments: readonly string[];
  readonly source: ResolvedSource;
  /** The spec; an `auto` format stays `auto`, chosen per request by the bytes route. */
  readonly spec: RequestedSpec;
  /** The output's real size. */
  readonly size: OutputSize;
  /** The source version URLs carry. */
  readonly version: string;
  /** null while the format is `auto`. */
  readonly contentType: string | null;
  /** The output keeps the frames of an animated source (`auto` picks WebP or GIF for one). */
  readonly animated: boolean;
}

export interface ResponsiveInput extends ResponsiveRequest {
  sizes?: string | null;
}

/** The candidates of a `<picture>`, by format, with the source they all come from. */
export interface ResponsiveDescription {
  readonly segments: readonly string[];
  readonly source: ResolvedSource;
  /** The `<source>` formats' candidates in `<picture>` order, each list smallest first, at the same widths. */
  readonly sources: ReadonlyArray<{ readonly contentType: string; readonly candidates: readonly Description[] }>;
  /** The fallback format's (JPEG, or PNG with transparency) candidates, smallest first. */
  readonly fallback: readonly Description[];
  /** The largest fallback candidate. */
  readonly largest: Description;
  /** The sizes attribute: as asked, or one that shows the largest candidate at its width (at the CSS width with densities). */
  readonly sizes: string;
  /** With densities: each candidate's real density, in the candidates' order; null for width descriptors. */
  readonly densities: readonly number[] | null;
  /** The placeholder of the largest candidate, rendered once when first asked for; `admit` counts the render. */
  preview(admit: () => Promise<void>): Promise<Preview>;
}

const MAX_SIZES_LENGTH = 1000;

/** Whether arguments say where a COVER crop is centred (a position or a focal point). */
const isPlaced = (input: Pick<SpecInput, 'position' | 'focalPoint'>) => (input.position !== undefined && input.position !== null) || (input.focalPoint !== undefined && input.focalPoint !== null);
// The sizes attribute lands in markup: nothing that could end the attribute or start a tag.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const SIZES_FORBIDDEN = /[<>"'`\u0000-\u001f]/;

/**
 * Describes derivatives without rendering: applies presets and checks the options, resolves
 * the source (looking again when it vanished meanwhile), reads its header and plans the real
 * output size. Every answer the API gives about an image comes from here.
 */
export function createDescriber(options: DescribeOptions) {
  const { resolver, limits } = options;
  const readStored: HeaderReader = (source) => options.metadata.get(source);

  /**
   * The spec asked for: the preset's values, then the arguments beside it; BAD_USER_INPUT
   * naming the argument at fault. `placed`: whether they say where a COVER crop is centred.
   */
  function requested(request: VariantRequest): { spec: RequestedSpec; placed: boolean } {
    const input = withPreset(request, options.presets, options.presetsOnly);
    return { spec: options.watermarks.bind(normaliseRequest(input, limits), true), placed: isPlaced(input) };
  }

  /** The focal point the image's metadata gives (for a COVER crop that names no place); null when none. */
  async function metadataFocus(source: ResolvedSource): Promise<FocalPoint | null> {
    return (await options.meta.image(source.relative))?.focalPoint ?? null;
  }

  /** The source a path answers with and the part of it `trimming` uses, looked for again when it vanished meanwhile. */
  function sourceView(path: string, argument: string, trimming: Trimming, context: DescribeContext): Promise<Found> {
    const segments = parseImagePath(path, argument);
    const readHeader = context.readHeader ?? readStored;
    return resolver.withSource(segments, async (source) => {
      const header = await readHeader(source);
      const view = trimming.crop === null && trimming.trim === 0 ? options.views.whole(header) : await options.views.view(source, header, trimming, { strict: true, admit: context.admitRender });
      return { segments, source, view };
    });
  }

  /**
   * A derivative as the API reports it: without a background, a crop or a trim that change
   * nothing here (so the same image has one URL), with its watermark's version.
   */
  function descriptionOf({ segments, source, view }: Found, requestedSpec: RequestedSpec, size: OutputSize): Description {
    const bound = options.watermarks.bind(requestedSpec, true);
    const idleBackground = bound.background !== null && !showsBackground(view, bound, size);
    const idleCrop = bound.crop !== null && !view.cropsAnything;
    const idleTrim = bound.trim !== 0 && !view.trimsAnything;
    const spec = idleBackground || idleCrop || idleTrim
      ? Object.freeze({ ...bound, ...(idleBackground ? { background: null } : {}), ...(idleCrop ? { crop: null } : {}), ...(idleTrim ? { trim: 0 } : {}) })
      : bound;
    return {
      segments,
      source,
      spec,
      size,
      version: source.version,
      contentType: spec.format === 'auto' ? null : CONTENT_TYPES[spec.format],
      animated: animates({ ...view.whole, frames: view.frames }, spec, size, options.animation),
    };
  }

  /**
   * The variant `request` asks for, of each path in order. Arguments shared by every path are
   * checked first and throw for the whole call; then each path answers or fails on its own
   * promise, its errors naming `paths[index]` in a batch and `path` otherwise.
   */
  function describe(paths: readonly string[], request: VariantRequest, context: DescribeContext = {}): Array<Promise<Description>> {
    const asked = requested(request);
    return paths.map(async (path, index) => {
      const found = await sourceView(path, context.batch ? `paths[${index}]` : 'path', asked.spec, context);
      const focus = asked.placed || asked.spec.fit !== 'cover' ? null : await metadataFocus(found.source);
      const spec = focus === null ? asked.spec : Object.freeze({ ...asked.spec, focus, position: DEFAULT_POSITION });
      return descriptionOf(found, spec, planOutput(found.view, spec, limits));
    });
  }

  /**
   * The candidates of a `<picture>` for each path in order, like `describe`. Refuses first what
   * no path could make right: responsive in presets-only mode, a bad argument, a sizes
   * attribute unfit for markup.
   */
  function describeResponsive(paths: readonly string[], input: ResponsiveInput, context: DescribeContext = {}): Array<Promise<ResponsiveDescription>> {
    const field = context.batch ? 'responsiveImages' : 'responsive';
    if (options.presetsOnly) throw badInput(field, 'image or images with a preset: the server answers presets only', field);
    const sizes = input.sizes ?? null;
    if (sizes !== null && (sizes.length > MAX_SIZES_LENGTH || SIZES_FORBIDDEN.test(sizes))) {
      throw badInput('sizes', `a sizes attribute of at most ${MAX_SIZES_LENGTH} characters without quotes, < or >`, sizes);
    }
    checkResponsiveRequest(input, limits);
    // Every candidate crops, trims and turns alike: the part of the source they use is found once.
    const look = normaliseSpec({ crop: input.crop, trim: input.trim, rotate: input.rotate, flipVertical: input.flipVertical }, limits);
    return paths.map(async (path, index): Promise<ResponsiveDescription> => {
      const found = await sourceView(path, context.batch ? `paths[${index}]` : 'path', look, context);
      const { segments, source, view } = found;
      const focus = isPlaced(input) || input.fit?.toLowerCase() !== 'cover' ? null : await metadataFocus(source);
      const placed = focus === null ? input : { ...input, focalPoint: focus };
      const plan = planResponsive({ ...view, animated: keepsFrames({ ...view.whole, frames: view.frames }, look, options.animation) }, placed, limits);
      const inFormat = (format: OutputFormat) => plan.candidates.map(({ spec, size }) => descriptionOf(found, withFormat(spec, format), size));
      const fallback = inFormat(plan.fallback);
      const largest = fallback[fallback.length - 1] as Description;
      const largestSpec = (plan.candidates[plan.candidates.length - 1] as Candidate).spec;
      return {
        segments,
        source,
        sources: plan.sourceFormats.map((format) => ({ contentType: CONTENT_TYPES[format], candidates: inFormat(format) })),
        fallback,
        largest,
        sizes: input.sizes ?? (input.width && input.densities ? `${input.width}px` : `(min-width: ${largest.size.width}px) ${largest.size.width}px, 100vw`),
        densities: input.densities ? plan.candidates.map((candidate) => candidate.density as number) : null,
        preview: (admit) => options.previews.preview(source, largestSpec, admit),
      };
    });
  }

  return {
    describe,
    describeResponsive,
    /** The header reader `describe` uses by default: read once per source version, server-wide. */
    readHeader: readStored,
    /** The configured presets, by name, with their specs within the server's limits (a DPR capped at --max-dimension). */
    presets: (): Preset[] => [...options.presets.values()].map((preset) => ({ ...preset, spec: normaliseRequest(preset.input, limits) })),
  };
}

export type Describer = ReturnType<typeof createDescriber>;
