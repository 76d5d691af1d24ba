import { MEMORY_BOUNDS } from '../memory-bounds';
import type { Limiter } from './limiter';
import { createPromiseMemo } from '../memo';
import type { MetadataCache } from './metadata';
import { planOutput, type OutputBounds } from './plan';
import { HASH_SIDES, placeholderHashes } from './hashes';
import { previewSpec, toPreview, type Preview } from './preview';
import { readSource, type ResolvedSource } from './resolve';
import { canonicalParams, type DerivativeSpec } from './spec';
import type { Transformer } from './transform';
import type { SourceViews } from './view';

export interface PreviewsOptions {
  bounds: OutputBounds;
  metadata: MetadataCache;
  views: SourceViews;
  limiter: Limiter;
  transformer: Transformer;
}

/** Placeholders of variants, rendered when first asked for and then kept in memory. */
export function createPreviews(options: PreviewsOptions) {
  const { bounds, metadata, views, limiter, transformer } = options;
  const previews = createPromiseMemo<Preview>(MEMORY_BOUNDS.placeholders);
  let rendered = 0;

  return {
    /**
     * The placeholder of a variant of `source` rendered with `spec`: made once per source
     * version and crop, then kept in memory. Renders wait for a slot like any other and count
     * against the caller's render budget (`beforeRender`).
     */
    preview(source: ResolvedSource, spec: DerivativeSpec, beforeRender?: () => Promise<void>): Promise<Preview> {
      return previews(`${source.file}\0${source.version}\0${canonicalParams(spec).join('/')}`, async () => {
        const view = await views.view(source, await metadata.get(source), spec);
        const small = previewSpec(spec, planOutput(view, spec, bounds));
        await beforeRender?.();
        const { image, dominant, pixels } = await limiter.run(() => readSource(source, (input) => transformer.renderPreview(input, small, planOutput(view, small, bounds), view, HASH_SIDES)));
        rendered++;
        return toPreview(image, dominant, await placeholderHashes(pixels, dominant));
      });
    },
    /** Placeholders rendered since start-up. */
    rendered: () => rendered,
  };
}

export type Previews = ReturnType<typeof createPreviews>;
