import { Store, type Identity } from 'graphql-rate-limit';
import { MEMORY_BOUNDS } from '../memory-bounds';

export interface MemoryStoreOptions {
  /** Clients × fields remembered at most; the least recently used is forgotten first. @default MEMORY_BOUNDS.rateLimitEntries */
  maxEntries?: number;
  /** Timestamps kept per entry: the largest budget, since older calls cannot matter. @default MEMORY_BOUNDS.rateLimitCalls */
  maxTimestamps?: number;
}

/**
 * graphql-rate-limit's Store, bounded in memory: its own in-memory store never forgets a
 * client and copies its whole state on every call. Replicas would share a Redis-backed
 * Store through the same two methods.
 */
export class MemoryRateLimitStore extends Store {
  private readonly entries = new Map<string, readonly number[]>();
  private readonly maxEntries: number;
  private readonly maxTimestamps: number;

  constructor(options: MemoryStoreOptions = {}) {
    super();
    this.maxEntries = options.maxEntries ?? MEMORY_BOUNDS.rateLimitEntries;
    this.maxTimestamps = options.maxTimestamps ?? MEMORY_BOUNDS.rateLimitCalls;
  }

  private static key(identity: Identity): string {
    return `${identity.contextIdentity}\0${identity.fieldIdentity}`;
  }

  setForIdentity(identity: Identity, timestamps: readonly number[]): void {
    const key = MemoryRateLimitStore.key(identity);
    this.entries.delete(key);
    if (timestamps.length === 0) return;
    this.entries.set(key, timestamps.slice(-this.maxTimestamps));
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  getForIdentity(identity: Identity): readonly number[] {
    return this.entries.get(MemoryRateLimitStore.key(identity)) ?? [];
  }

  /** Client × field entries held now. */
  get size(): number {
    return this.entries.size;
  }
}
