import { MemoryRateLimitStore } from '../../../src/auth/rate-limit-store';

const identity = (client: string, field = 'image') => ({ contextIdentity: client, fieldIdentity: field });

describe('the bounded rate-limit store', () => {
  it('keeps timestamps per client and field', () => {
    const store = new MemoryRateLimitStore();
    store.setForIdentity(identity('a'), [1, 2]);
    store.setForIdentity(identity('a', 'images'), [3]);
    expect(store.getForIdentity(identity('a'))).toEqual([1, 2]);
    expect(store.getForIdentity(identity('a', 'images'))).toEqual([3]);
    expect(store.getForIdentity(identity('b'))).toEqual([]);
  });

  it('forgets the least recently written client beyond its size, and clients with nothing left', () => {
    const store = new MemoryRateLimitStore({ maxEntries: 2 });
    store.setForIdentity(identity('a'), [1]);
    store.setForIdentity(identity('b'), [1]);
    store.setForIdentity(identity('a'), [1, 2]);
    store.setForIdentity(identity('c'), [1]);
    expect([store.getForIdentity(identity('a')), store.getForIdentity(identity('b')), store.getForIdentity(identity('c'))]).toEqual([[1, 2], [], [1]]);
    store.setForIdentity(identity('a'), []);
    expect(store.size).toBe(1);
  });

  it('keeps only the newest timestamps an entry can need', () => {
    const store = new MemoryRateLimitStore({ maxTimestamps: 3 });
    store.setForIdentity(identity('a'), [1, 2, 3, 4, 5]);
    expect(store.getForIdentity(identity('a'))).toEqual([3, 4, 5]);
  });
});
