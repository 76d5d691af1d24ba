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
});
