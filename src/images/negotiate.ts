import type { OutputFormat } from './formats';

/** Media types an `Accept` header names explicitly with a non-zero weight (wildcards do not count). */
function acceptedTypes(accept: string): Set<string> {
  const types = new Set<string>();
  for (const range of accept.toLowerCase().split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim());
    const weight = params.find((param) => param.startsWith('q='));
    if (weight !== undefined && !(Number(weight.slice(2)) > 0)) continue;
    types.add(type);
  }
  return types;
}

/**
 * The format of an `auto` request: AVIF when the client names it, then WebP, otherwise the
 * format every client decodes, PNG when the source has transparency and JPEG when not.
 * Browsers name the modern formats they support; `*\/*` alone proves nothing.
 */
export function chooseFormat(accept: string | undefined, hasAlpha: boolean): OutputFormat {
  const types = acceptedTypes(accept ?? '');
  if (types.has('image/avif')) return 'avif';
  if (types.has('image/webp')) return 'webp';
  return hasAlpha ? 'png' : 'jpeg';
}
