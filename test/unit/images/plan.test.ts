import { planOutput } from '../../../src/images/plan';
import { normaliseSpec, type SpecInput } from '../../../src/images/spec';

const plan = (source: [number, number], input: SpecInput) =>
  planOutput({ width: source[0], height: source[1] }, normaliseSpec(input, { minDimension: 10, maxDimension: 4000 }));

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
  ])('%s', (_name, source, input, expected) => {
    const { width, height } = plan(source as [number, number], input as SpecInput);
    expect([width, height]).toEqual(expected);
  });
});
