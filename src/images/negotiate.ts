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
 * format every client decodes, PNG when the source has transparency and JPEG when not. An
 * animated source gets a format that keeps its frames: WebP when WebP or AVIF is named (every
 * client that decodes AVIF decodes WebP, and a proxy may pass on only the best type named),
 * otherwise GIF.
 * Browsers name the modern formats they support; `*\/*` alone proves nothing.
 */
export function chooseFormat(accept: string | undefined, hasAlpha: boolean, animated = false): OutputFormat {
  const types = acceptedTypes(accept ?? '');
  if (animated) return types.has('image/webp') || types.has('image/avif') ? 'webp' : 'gif';
  if (types.has('image/avif')) return 'avif';
  if (types.has('image/webp')) return 'webp';
  return hasAlpha ? 'png' : 'jpeg';
}
