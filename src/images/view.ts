import { badInput } from '../errors';
import { MEMORY_BOUNDS } from '../memory-bounds';
import type { Limiter } from './limiter';
import { createPromiseMemo } from '../memo';
import { cropFits, cropRegion, wholeView, within, type Region, type SourceView } from './region';
import { readSource, type ResolvedSource } from './resolve';
import { cropWord, type DerivativeSpec } from './spec';
import type { SourceMetadata, Transformer } from './transform';

export interface ViewOptions {
  /** A crop that does not lie wholly on the source is BAD_USER_INPUT, as the API answers; otherwise it is clipped to the source (and dropped when it misses it), as the bytes route does for URLs of an older version. @default false */
  strict?: boolean;
  /** How the trim analysis waits for a processing slot; a render already holding one passes one that runs at once. */
  slot?: <T>(task: () => Promise<T>) => Promise<T>;
  /** Runs before a trim's border is looked for (not when it is remembered) and may refuse it: the client's render budget. */
  admit?: () => Promise<void>;
}

/** A view, and whether the spec's crop and trim take anything away (else the same image has a shorter spec). */
export interface Viewed extends SourceView {
  readonly cropsAnything: boolean;
  readonly trimsAnything: boolean;
}

export type Trimming = Pick<DerivativeSpec, 'crop' | 'trim'>;

/**
 * Views of sources: a crop is placed by arithmetic; a trim needs the pixels, so its border is
 * found once per source version, crop and threshold (a decode, in a processing slot) and
 * remembered, which lets the API plan the exact size of a trimmed output before rendering it.
 */
export function createSourceViews(options: { transformer: Pick<Transformer, 'findTrim'>; limiter: Pick<Limiter, 'run'> }) {
  const trims = createPromiseMemo<Region | null>(MEMORY_BOUNDS.trimBorders);
  let analysed = 0;

  // Headers are remembered per source version, so the view of a whole source is made once per header.
  const wholeViews = new WeakMap<SourceMetadata, Viewed>();

  /** The view of a spec that neither crops nor trims: the whole source, at once. */
  function wholeOf(header: SourceMetadata): Viewed {
    let known = wholeViews.get(header);
    if (!known) wholeViews.set(header, (known = { ...wholeView(header), cropsAnything: false, trimsAnything: false }));
    return known;
  }

  async function view(source: ResolvedSource, header: SourceMetadata, spec: Trimming, { strict = false, slot, admit }: ViewOptions = {}): Promise<Viewed> {
    if (spec.crop === null && spec.trim === 0) return wholeOf(header);
    let region: Region | null = null;
    if (spec.crop !== null) {
      if (strict && !cropFits(header, spec.crop)) {
        throw badInput('crop', `a region inside the source's ${header.width}×${header.height} pixels`, cropWord(spec.crop));
      }
      region = cropRegion(header, spec.crop);
      if (region !== null && region.width === header.width && region.height === header.height) region = null;
    }
    const cropsAnything = region !== null;
    let trimsAnything = false;
    if (spec.trim !== 0) {
      const cropped = region;
      const key = `${source.file}\0${source.version}\0${cropped ? `${cropped.left},${cropped.top},${cropped.width},${cropped.height}` : ''}\0${spec.trim}`;
      const kept = await trims(key, async () => {
        await admit?.();
        analysed++;
        const find = () => readSource(source, (input) => options.transformer.findTrim(input, cropped, cropped ?? header, spec.trim));
        return slot ? slot(find) : options.limiter.run(find);
      });
      if (kept !== null) region = cropped ? within(cropped, kept) : kept;
      trimsAnything = kept !== null;
    }
    const whole = { width: header.width, height: header.height };
    const flags = { cropsAnything, trimsAnything };
    return region === null ? { ...wholeView(header), ...flags } : { hasAlpha: header.hasAlpha, frames: header.frames, width: region.width, height: region.height, whole, region, ...flags };
  }

  return {
    view,
    /** The view of a spec without crop or trim, without waiting: most requests. */
    whole: wholeOf,
    /** Trim borders looked for in sources' pixels so far. */
    analysed: () => analysed,
  };
}

export type SourceViews = ReturnType<typeof createSourceViews>;
