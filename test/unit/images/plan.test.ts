import { planOutput } from '../../../src/images/plan';
import { normaliseSpec, type SpecInput } from '../../../src/images/spec';

const bounds = { maxDimension: 4000, maxOutputPixels: 16_000_000 };
const plan = (source: [number, number], input: SpecInput) =>
  planOutput({ width: source[0], height: source[1] }, normaliseSpec(input, { minDimension: 10, maxDimension: 4000 }), bounds);

describe('planning the output size', () => {
  it.each([
    ['default box, landscape', [4000, 3000], {}, [1000, 750]],
    ['default box, portrait', [3000, 4000], {}, [750, 1000]],
    ['default box, smaller source is not enlarged', [600, 400], {}, [600, 400]],
    ['width only keeps the aspect ratio', [1600, 1067], { width: 300 }, [300, 200]],
    ['height only keeps the aspect ratio', [1600, 1067], { height: 200 }, [300, 200]],
    ['width only, larger than the source', [200, 100], { width: 400 }, [200, 100]],
    ['width only, enlarge', [200, 100], { width: 400, enlarge: true }, [400, 200]],
    ['inside', [1600, 1067], { width: 400, height: 400 }, [400, 267]],
    ['outside', [1600, 1067], { width: 400, height: 400, fit: 'outside' }, [600, 400]],
    ['cover is exactly the box', [1600, 1067], { width: 400, height: 400, fit: 'cover' }, [400, 400]],
    ['contain is exactly the box', [1600, 1067], { width: 400, height: 100, fit: 'contain' }, [400, 100]],
    ['fill is exactly the box', [1600, 1067], { width: 123, height: 456, fit: 'fill' }, [123, 456]],
    ['cover box shrinks to fit a small source, keeping its shape', [300, 200], { width: 800, height: 400, fit: 'cover' }, [300, 150]],
    ['cover box with enlarge', [300, 200], { width: 800, height: 400, fit: 'cover', enlarge: true }, [800, 400]],
    ['fill clamps each side', [300, 200], { width: 800, height: 100, fit: 'fill' }, [300, 100]],
    ['a 1-pixel-wide source never rounds to 0', [1, 3000], { width: 1000, height: 1000 }, [1, 1000]],
    ['an extreme panorama keeps at least one pixel', [4000, 2], { width: 100 }, [100, 1]],
    ['enlarging past the largest side is capped, keeping the shape', [4000, 1000], { height: 3990, enlarge: true }, [4000, 1000]],
    ['one side given cannot make the other past the largest side', [20, 4000], { width: 4000, enlarge: true }, [20, 4000]],
    ['a tall source at a full width', [20, 4000], { width: 4000 }, [20, 4000]],
    ['outside with enlarge is capped', [100, 10], { width: 4000, height: 4000, fit: 'outside', enlarge: true }, [4000, 400]],
    ['a square box at the largest side passes the pixel bound as is', [8000, 8000], { width: 4000, height: 4000 }, [4000, 4000]],
  ])('%s', (_name, source, input, expected) => {
    const { width, height } = plan(source as [number, number], input as SpecInput);
    expect([width, height]).toEqual(expected);
  });
});

describe('the output pixel bound', () => {
  it('scales a planned size down to the configured pixel count, keeping its shape', () => {
    const spec = normaliseSpec({ width: 4000, height: 4000, fit: 'cover' }, { minDimension: 10, maxDimension: 4000 });
    expect(planOutput({ width: 8000, height: 8000 }, spec, { maxDimension: 4000, maxOutputPixels: 1_000_000 })).toEqual({ width: 1000, height: 1000 });
    const wide = planOutput({ width: 6000, height: 2000 }, normaliseSpec({ height: 3000, enlarge: true }, { minDimension: 10, maxDimension: 10000 }), { maxDimension: 10000, maxOutputPixels: 3_000_000 });
    expect(wide.width * wide.height).toBeLessThanOrEqual(3_000_000);
    expect(wide.width / wide.height).toBeCloseTo(3, 2);
  });
});
