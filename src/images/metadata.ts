import { AppError } from '../errors';
import { createPromiseMemo } from '../memo';
import { readSource, type ResolvedSource } from './resolve';
import type { SourceMetadata, Transformer } from './transform';
import { MEMORY_BOUNDS } from '../memory-bounds';

export interface MetadataCacheOptions {
  /** Sources larger than this, in bytes, are refused before their header is read. */
  maxSourceBytes: number;
  /** Headers remembered at most; the least recently used is forgotten first. @default MEMORY_BOUNDS.sourceHeaders */
  maxEntries?: number;
}

/**
 * Source headers (size as displayed, alpha), read once per source version and shared by
 * every request: the API plans output sizes from them and renders reuse them. A failed read
 * is not remembered, so a fixed file is read again.
 */
export function createMetadataCache(transformer: Pick<Transformer, 'readMetadata'>, options: MetadataCacheOptions) {
  const remembered = createPromiseMemo<SourceMetadata>(options.maxEntries ?? MEMORY_BOUNDS.sourceHeaders);
  let reads = 0;

  function read(source: ResolvedSource): Promise<SourceMetadata> {
    if (source.size > options.maxSourceBytes) {
      return Promise.reject(new AppError('UNSUPPORTED_IMAGE', `The source is larger than ${options.maxSourceBytes} bytes.`));
    }
    reads++;
    return readSource(source, (input) => transformer.readMetadata(input));
  }

  /** The header of this version of the source, from memory when it was read before. */
  function get(source: ResolvedSource): Promise<SourceMetadata> {
    return remembered(`${source.file}\0${source.version}`, () => read(source));
  }

  return {
    get,
    /** Headers actually read from disk so far. */
    reads: () => reads,
  };
}

export type MetadataCache = ReturnType<typeof createMetadataCache>;
