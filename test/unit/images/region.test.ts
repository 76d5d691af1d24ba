import fc from 'fast-check';
import { cropRegion, turnedRegion, watermarkPlacement } from '../../../src/images/region';
import { WATERMARK_POSITIONS } from '../../../src/images/spec';

describe('crop regions', () => {
  it('scale fractions by their edges, so neighbouring fractions tile the source', () => {
    const source = { width: 101, height: 33 };
    const left = cropRegion(source, { unit: 'fraction', left: 0, top: 0, width: 0.333, height: 1 })!;
    const right = cropRegion(source, { unit: 'fraction', left: 0.333, top: 0, width: 0.667, height: 1 })!;
    expect(left.left + left.width).toBe(right.left);
    expect(right.left + right.width).toBe(101);
  });

  it('clip pixels to the source and miss it when they lie beyond', () => {
    expect(cropRegion({ width: 100, height: 50 }, { unit: 'pixels', left: 80, top: 40, width: 50, height: 50 })).toEqual({ left: 80, top: 40, width: 20, height: 10 });
    expect(cropRegion({ width: 100, height: 50 }, { unit: 'pixels', left: 100, top: 0, width: 5, height: 5 })).toBeNull();
  });
});

describe('turned regions', () => {
  const region = fc.record({ left: fc.nat(50), top: fc.nat(50), width: fc.integer({ min: 1, max: 50 }), height: fc.integer({ min: 1, max: 50 }) });
  it('stay inside the turned source with the same area, and a full turn of mirrors gives them back', () => {
    fc.assert(
      fc.property(region, fc.constantFrom(0, 90, 180, 270) as fc.Arbitrary<0 | 90 | 180 | 270>, fc.boolean(), (r, rotate, mirrored) => {
        const source = { width: 100, height: 100 };
        const turned = turnedRegion(r, source, rotate, mirrored);
        expect(turned.width * turned.height).toBe(r.width * r.height);
        expect(turned.left).toBeGreaterThanOrEqual(0);
        expect(turned.left + turned.width).toBeLessThanOrEqual(100);
        expect(turned.top + turned.height).toBeLessThanOrEqual(100);
        expect(turnedRegion(turnedRegion(r, source, 180, false), source, 180, false)).toEqual(r);
      }),
    );
  });
});

describe('watermark placement', () => {
  it('always lands wholly on the output, whatever the sizes', () => {
    fc.assert(
      fc.property(
        fc.record({ width: fc.integer({ min: 1, max: 4000 }), height: fc.integer({ min: 1, max: 4000 }) }),
        fc.record({ width: fc.integer({ min: 1, max: 2000 }), height: fc.integer({ min: 1, max: 2000 }) }),
        fc.record({ position: fc.constantFrom(...WATERMARK_POSITIONS), size: fc.integer({ min: 1, max: 100 }), margin: fc.integer({ min: 0, max: 25 }) }),
        (output, mark, placement) => {
          const placed = watermarkPlacement(output, mark, placement);
          expect(placed.left).toBeGreaterThanOrEqual(0);
          expect(placed.top).toBeGreaterThanOrEqual(0);
          expect(placed.left + placed.width).toBeLessThanOrEqual(output.width);
          expect(placed.top + placed.height).toBeLessThanOrEqual(output.height);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps the margin from the edges its position names', () => {
    expect(watermarkPlacement({ width: 400, height: 200 }, { width: 100, height: 50 }, { position: 'southeast', size: 20, margin: 2 })).toEqual({ left: 316, top: 156, width: 80, height: 40 });
    expect(watermarkPlacement({ width: 400, height: 200 }, { width: 100, height: 50 }, { position: 'north', size: 20, margin: 5 })).toEqual({ left: 160, top: 10, width: 80, height: 40 });
  });
});
