import { AppError } from '../errors';
import type { ResolvedSource } from './resolve';
import type { SourceMetadata, Transformer } from './transform';

export interface MetadataCacheOptions {
  /** Sources larger than this, in bytes, are refused before their header is read. */
  maxSourceBytes: number;
  /** Headers remembered at most; the least recently used is forgotten first. @default 10_000 */
  maxEntries?: number;
}

/**
 * Source headers (size as displayed, alpha), read once per source version and shared by
 * every request: the API plans output sizes from them and renders reuse them. A failed read
 * is not remembered, so a fixed file is read again.
 */
export function createMetadataCache(transformer: Pick<Transformer, 'readMetadata'>, options: MetadataCacheOptions) {
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, Promise<SourceMetadata>>();
  let reads = 0;

  function read(source: ResolvedSource): Promise<SourceMetadata> {
    if (source.size > options.maxSourceBytes) {
      return Promise.reject(new AppError('UNSUPPORTED_IMAGE', `The source is larger than ${options.maxSourceBytes} bytes.`));
    }
    reads++;
    return transformer.readMetadata(source.file);
  }

  /** The header of this version of the source, from memory when it was read before. */
  function get(source: ResolvedSource): Promise<SourceMetadata> {
    const key = `${source.file}\0${source.version}`;
    const known = entries.get(key);
    if (known) {
      // Map order is insertion order: re-inserting marks the entry as recently used.
      entries.delete(key);
      entries.set(key, known);
      return known;
    }
    const pending = read(source);
    entries.set(key, pending);
    pending.catch(() => entries.delete(key));
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    return pending;
  }

  return {
    get,
    /** Headers actually read from disk so far. */
    reads: () => reads,
  };
}

export type MetadataCache = ReturnType<typeof createMetadataCache>;
