import fc from 'fast-check';
import { badInput } from '../../src/errors';

describe('bad input messages', () => {
  it('name any received value, prototype or none, in a bounded message without throwing', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, maxDepth: 4 }), (value) => {
        const error = badInput('crop', 'nothing beside the preset', value);
        expect(error.code).toBe('BAD_USER_INPUT');
        expect(error.message.startsWith('Expected nothing beside the preset for crop but received ')).toBe(true);
        expect(error.message.length).toBeLessThan(200);
      }),
      { numRuns: 500 },
    );
  });

  it('shows an input object written in a GraphQL document (no prototype) as JSON', () => {
    const crop = Object.assign(Object.create(null) as Record<string, number>, { left: 0, top: 0, width: 10, height: 10 });
    expect(badInput('crop', 'nothing beside the preset', crop).message).toBe('Expected nothing beside the preset for crop but received {"left":0,"top":0,"width":10,"height":10}');
    expect(badInput('path', 'a path', 'x'.repeat(100)).message).toBe(`Expected a path for path but received "${'x'.repeat(64)}…"`);
  });

  it('never cut a character of two UTF-16 units in half (a lone surrogate makes the answer invalid for strict JSON readers)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 100 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ unit: 'grapheme', maxLength: 60 }))), (value) => {
        const { message } = badInput('name', 'a name', value);
        expect(message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      }),
      { numRuns: 1000 },
    );
    expect(badInput('name', 'a name', `${'x'.repeat(63)}😀`).message).toBe(`Expected a name for name but received "${'x'.repeat(63)}…"`);
  });
});
