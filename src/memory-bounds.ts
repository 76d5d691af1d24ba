/**
 * What the server remembers in memory besides the derivative cache (`--memory-cache-size`),
 * at most, in entries: each bound keeps memory flat however many distinct requests arrive,
 * and the least recently used (or, within one entry, the oldest) is forgotten first.
 */
export const MEMORY_BOUNDS = {
  /** Minted URLs by their variant (an HMAC costs more than the rest of describing an image). */
  mintedUrls: 10_000,
  /** Requested paths and the source that answers each. */
  resolvedPaths: 10_000,
  /**
   * Content ids of source files, per file identity (device, inode, size, times): each one
   * forgotten costs a read of its whole file the next time it is resolved, so the bound
   * holds a large repository's every file (about 370 bytes each, measured: 19 MB at the bound).
   */
  contentIds: 50_000,
  /** Source headers (size, orientation, transparency), per source version. */
  sourceHeaders: 10_000,
  /** Placeholders, per source version and crop. */
  placeholders: 10_000,
  /** Folders' metadata files (_meta.yml), read. */
  metaFolders: 10_000,
  /** Dominant colours of sources, per source version. */
  dominantColours: 10_000,
  /** Borders a trim removes, per source version, crop and threshold. */
  trimBorders: 10_000,
  /** Cached requested paths with the sources that answered them, so a sync resolves only what it reaches; a forgotten one is resolved by the next sync. */
  syncAnswers: 100_000,
  /** Sources remembered per cached requested path: a path may hold derivatives of several (one learned before a change by hand, say). */
  syncAnswersPerPath: 4,
  /** Cache folders (per requested path) found to be real folders, not reached through a symbolic link. */
  cacheFolders: 10_000,
  /**
   * Derivatives a replica wrote to or read from a shared store, by name, with the requested
   * path they were under: what a request under another path of the same bytes links to, and
   * the requested paths a sync looks at (a shared store is never walked).
   */
  storedNames: 50_000,
  /** Verified URLs answered again from memory without the framework. */
  hotUrls: 10_000,
  /** Rate-limit counters, per client and field. */
  rateLimitEntries: 50_000,
  /** Calls remembered per rate-limit counter when no budget says how many can matter (the app passes its largest budget). */
  rateLimitCalls: 10_000,
  /** GraphQL documents' verdicts on the operation limits, by text (short documents only: see graphql/operation-limits.ts). */
  operationVerdicts: 1000,
  /** Longest document whose verdict is remembered, in characters: the verdicts hold at most this many times their count. */
  rememberedDocumentLength: 16 * 1024,
  /** Paths whose warning was told in the last minute (a symbolic link leading outside the images), so it is told once a minute. */
  warnedPaths: 10_000,
} as const;
