import { LruMap } from '../../src/lru';
import { createMemo } from '../../src/memo';

function mapOf(...keys: string[]): LruMap<string, number> {
  const map = new LruMap<string, number>();
  keys.forEach((key, i) => map.set(key, i));
  return map;
}

describe('the least-recently-used map', () => {
  it('orders keys by insertion until they are used', () => {
    expect(mapOf('a', 'b', 'c').keys()).toEqual(['a', 'b', 'c']);
    expect(mapOf().keys()).toEqual([]);
    expect(mapOf().oldest()).toBeUndefined();
  });

  it('moves a key read with get, or set again, to the newest end; peek and has leave the order alone', () => {
    const map = mapOf('a', 'b', 'c', 'd');
    expect(map.get('a')).toBe(0);
    expect(map.keys()).toEqual(['b', 'c', 'd', 'a']);
    map.set('c', 20);
    expect(map.keys()).toEqual(['b', 'd', 'a', 'c']);
    expect(map.peek('b')).toBe(1);
    expect(map.has('d')).toBe(true);
    expect(map.keys()).toEqual(['b', 'd', 'a', 'c']);
    expect(map.oldest()).toEqual(['b', 1]);
    // The newest read again stays where it is.
    expect(map.get('c')).toBe(20);
    expect(map.keys()).toEqual(['b', 'd', 'a', 'c']);
    expect(map.size).toBe(4);
  });

  it('unlinks deleted keys from either end and from the middle', () => {
    const map = mapOf('a', 'b', 'c', 'd', 'e');
    expect(map.delete('a')).toBe(true);
    expect(map.delete('e')).toBe(true);
    expect(map.delete('c')).toBe(true);
    expect(map.delete('c')).toBe(false);
    expect(map.keys()).toEqual(['b', 'd']);
    expect(map.get('b')).toBe(1);
    expect(map.keys()).toEqual(['d', 'b']);
    expect(map.get('c')).toBeUndefined();
    map.delete('d');
    map.delete('b');
    expect(map.size).toBe(0);
    map.set('f', 5);
    expect(map.keys()).toEqual(['f']);
    expect(map.oldest()).toEqual(['f', 5]);
  });

  it('finds the oldest key a condition accepts, and forgets everything on clear', () => {
    const map = mapOf('a', 'b', 'c');
    expect(map.oldest((key) => key !== 'a')).toEqual(['b', 1]);
    expect(map.oldest(() => false)).toBeUndefined();
    map.clear();
    expect(map.size).toBe(0);
    expect(map.keys()).toEqual([]);
    map.set('z', 9);
    expect(map.keys()).toEqual(['z']);
  });

  it('hands out a copy of its keys, so entries can be deleted while walking them', () => {
    const map = mapOf('a', 'b', 'c');
    for (const key of map.keys()) map.delete(key);
    expect(map.size).toBe(0);
  });
});

describe('the memo', () => {
  it('forgets the least recently used entry beyond its bound', () => {
    const memo = createMemo<number>(2);
    memo.set('a', 1);
    memo.set('b', 2);
    expect(memo.get('a')).toBe(1);
    memo.set('c', 3);
    expect(memo.get('b')).toBeUndefined();
    expect([memo.get('a'), memo.get('c')]).toEqual([1, 3]);
  });

  it('forgets a key only while it still holds the value given', () => {
    const memo = createMemo<number>(2);
    memo.set('a', 1);
    memo.forget('a', 2);
    expect(memo.get('a')).toBe(1);
    memo.forget('a', 1);
    expect(memo.get('a')).toBeUndefined();
  });
});
