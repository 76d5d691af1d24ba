import { CONTENT_TYPES, FILE_ENDINGS } from './formats';
import { derivativeKey } from './key';
import type { ResolvedSource } from './resolve';
import type { DerivativeSpec } from './spec';

/** A derivative identified but not yet read or rendered: enough for ETags and headers. */
export interface Variant {
  readonly source: ResolvedSource;
  readonly spec: DerivativeSpec;
  readonly key: string;
  readonly contentType: string;
  /** File name of the derivative inside its requested path's cache folder. */
  readonly cacheName: string;
}

/** The variant of a source rendered with a spec: its key, content type and cache file name. */
export function variantOf(source: ResolvedSource, spec: DerivativeSpec): Variant {
  const key = derivativeKey(source, spec);
  return { source, spec, key, contentType: CONTENT_TYPES[spec.format], cacheName: `${key}.${FILE_ENDINGS[spec.format]}` };
}
