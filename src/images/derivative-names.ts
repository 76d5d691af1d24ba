import { FILE_ENDINGS, OUTPUT_FORMATS, type OutputFormat } from './formats';

// What the caches write: `{key}.{ending}`. Clearing removes only such files or objects.
const DERIVATIVE_NAME = new RegExp(`^[0-9a-f]{32}\\.(?:${Object.values(FILE_ENDINGS).join('|')})$`);
const FORMAT_OF_ENDING: ReadonlyMap<string, OutputFormat> = new Map(OUTPUT_FORMATS.map((format) => [FILE_ENDINGS[format], format]));

/** Whether a file or object name is one a cache writes for a derivative. */
export function isDerivativeName(name: string): boolean {
  return DERIVATIVE_NAME.test(name);
}

/** The format a derivative's name says it holds. */
export function formatOf(name: string): OutputFormat | undefined {
  return FORMAT_OF_ENDING.get(name.slice(name.lastIndexOf('.') + 1));
}

/**
 * Whether a requested path can only name a folder inside a store: checked segments, none
 * empty or starting with a dot (so no `..`, and no hidden folder of the store). Requested
 * paths are checked when parsed; stores check again, so that nothing outside their folder or
 * key prefix is ever read or written.
 */
export function isStorablePath(requestPath: string): boolean {
  return requestPath.split('/').every((segment) => segment !== '' && !segment.startsWith('.') && !segment.includes('\\'));
}

/** Whether a requested path and a name can only name a derivative inside a store. */
export function isStorable(requestPath: string, name: string): boolean {
  return isDerivativeName(name) && isStorablePath(requestPath);
}
