import fc from 'fast-check';
import { parseUrlSegments } from '../../../src/images/path';
import { canonicalParams, looksLikeParameter, normaliseRequest, normaliseSpec, parseCanonicalParams, parseGrammar, type SpecInput } from '../../../src/images/spec';
import { createUrlSigner } from '../../../src/signing/url-signer';
import { codeOf } from '../../helpers/errors';

const limits = { minDimension: 10, maxDimension: 4000 };
const grammar = (path: string) => parseGrammar(path.split('/').filter(Boolean), limits);

describe('adjustment words of the graceful grammar', () => {
  it.each([
    ['300/dpr2', { width: 600, height: null }],
    ['300x200/dpr1.5', { width: 450, height: 300 }],
    ['dpr2', { width: 2000, height: 2000 }],
    ['3000x1000/dpr2', { width: 4000, height: 1333 }],
    ['300/rotate90', { rotate: 90 }],
    ['300/fliph', { rotate: 0, flipHorizontal: true }],
    ['300/flipv', { rotate: 180, flipHorizontal: true }],
    ['300/rotate180/fliph/flipv', { rotate: 0, flipHorizontal: false }],
    ['300x300/contain/bgFF0000', { background: 'ff0000' }],
    ['300x300/contain/bg00ff0080', { background: '00ff0080' }],
    ['300x300/contain/bg00ff00ff', { background: '00ff00' }],
    ['jpeg/bg123456', { background: '123456' }],
    ['300/blur2.25', { blur: 2.3 }],
    ['300/sharpen1', { sharpen: 1 }],
    ['300/grayscale', { grayscale: true }],
    ['300x200/cover/focus0.25x0.8', { focus: { x: 0.25, y: 0.8 }, position: 'center' }],
    ['300x200/cover/focus0.333x1', { focus: { x: 0.33, y: 1 } }],
    ['300x200/cover/focus0.2x0.2/north', { focus: { x: 0.2, y: 0.2 }, position: 'center' }],
    ['300x200/cover/north/focus0.2x0.2', { focus: null, position: 'north' }],
    ['300x200/focus0.2x0.2', { focus: null, fit: 'inside' }],
    ['300/crop10x20x300x200', { crop: { unit: 'pixels', left: 10, top: 20, width: 300, height: 200 } }],
    ['300/cropf0.1x0.25x0.5x0.75', { crop: { unit: 'fraction', left: 0.1, top: 0.25, width: 0.5, height: 0.75 } }],
    ['300/cropf0x0x1x1', { crop: null }],
    ['300/trim', { trim: 10 }],
    ['300/trim42', { trim: 42 }],
  ])('reads %j', (path, expected) => {
    expect(grammar(path)).toMatchObject(expected);
  });

  it.each([
    ['300/dpr5', { width: 300 }],
    ['300/dpr0.5', { width: 300 }],
    ['300/rotate45', { rotate: 0 }],
    ['300/rotate360', { rotate: 0 }],
    ['300x300/contain/bg12345', { background: null }],
    ['300x300/contain/bgff00zz', { background: null }],
    ['300/blur0.1', { blur: 0 }],
    ['300/blur99', { blur: 0 }],
    ['300/sharpen9', { sharpen: 0 }],
    ['300/blur', { blur: 0 }],
    ['300/Grayscale', { grayscale: false }],
    ['300x200/cover/focus1.5x0.5', { focus: null }],
    ['300x200/cover/focus0.5', { focus: null }],
    ['300/crop10x20x0x200', { crop: null }],
    ['300/crop10x20x300', { crop: null }],
    ['300/crop1x1x1x1000001', { crop: null }],
    ['300/cropf0.5x0x0.6x1', { crop: null }],
    ['300/cropf0x0x0x1', { crop: null }],
    ['300/cropf0.1234x0x0.5x0.5', { crop: null }],
    ['300/trim0', { trim: 0 }],
    ['300/trim101', { trim: 0 }],
  ])('ignores the invalid %j, as the original does', (path, expected) => {
    expect(grammar(path)).toMatchObject(expected);
  });

  it('takes the first valid value of each kind', () => {
    expect(grammar('300/blur99/blur3/blur5')).toMatchObject({ blur: 3 });
    expect(grammar('300/rotate45/rotate270/rotate90')).toMatchObject({ rotate: 270 });
  });

  it('drops a background where it cannot show: no padding and a format with alpha', () => {
    expect(grammar('300/webp/bgff0000')).toMatchObject({ background: null });
    expect(grammar('300/webp/bgff0000')).toEqual(grammar('300/webp'));
    expect(grammar('300x300/contain/webp/bgff0000')).toMatchObject({ background: 'ff0000' });
    expect(grammar('300/auto/bgff0000')).toMatchObject({ background: 'ff0000' });
  });

  it.each(['focus0.5x0.5', 'focus9x9', 'dpr2', 'dpr9', 'rotate90', 'rotate45', 'fliph', 'flipv', 'bgff0000', 'bgFF', 'blur3', 'blur99', 'sharpen1.5', 'grayscale', 'crop1x2x3x4', 'crop0x0x0x0', 'cropf0.5x0.5x0.5x0.5', 'trim', 'trim5', 'trim999'])('treats %j as a parameter', (segment) => {
    expect(looksLikeParameter(segment)).toBe(true);
  });

  it.each(['rotate', 'flip', 'bg', 'background', 'blurry', 'sharpened', 'greyscale', 'bgimage', 'focus', 'focused', 'crops', 'cropped', 'trimmed', 'crop-1'])('treats %j as a name', (segment) => {
    expect(looksLikeParameter(segment)).toBe(false);
  });
});

describe('adjustment arguments', () => {
  it('fills the plain defaults', () => {
    expect(normaliseSpec({}, limits)).toMatchObject({ rotate: 0, flipHorizontal: false, background: null, blur: 0, sharpen: 0, grayscale: false });
  });

  it.each([
    [{ dpr: 0.5 }, 'dpr', /from 1 to 4/],
    [{ dpr: 4.01 }, 'dpr', /from 1 to 4/],
    [{ dpr: Number.NaN }, 'dpr', /from 1 to 4/],
    [{ rotate: 45 }, 'rotate', /one of 0, 90, 180, 270/],
    [{ rotate: -90 }, 'rotate', /one of 0, 90, 180, 270/],
    [{ background: 'red' }, 'background', /RRGGBB or RRGGBBAA/],
    [{ background: '#ff00000' }, 'background', /RRGGBB or RRGGBBAA/],
    [{ background: 'é'.repeat(10_000) }, 'background', /RRGGBB or RRGGBBAA/],
    [{ blur: 0.2 }, 'blur', /from 0.3 to 10/],
    [{ blur: 10.5 }, 'blur', /from 0.3 to 10/],
    [{ blur: Number.POSITIVE_INFINITY }, 'blur', /from 0.3 to 10/],
    [{ sharpen: 0 }, 'sharpen', /from 0.5 to 3/],
    [{ sharpen: 3.1 }, 'sharpen', /from 0.5 to 3/],
    [{ fit: 'cover', focalPoint: { x: -0.1, y: 0.5 } }, 'focalPoint', /fractions from 0 to 1/],
    [{ fit: 'cover', focalPoint: { x: 0.5, y: Number.NaN } }, 'focalPoint', /fractions from 0 to 1/],
    [{ fit: 'cover', position: 'north', focalPoint: { x: 0.5, y: 0.5 } }, 'focalPoint', /either focalPoint or position/],
    [{ crop: { left: 0, top: 0, width: 0, height: 10 } }, 'crop', /width and height at least 1/],
    [{ crop: { left: 0.5, top: 0, width: 10, height: 10 } }, 'crop', /integers/],
    [{ crop: { left: -1, top: 0, width: 10, height: 10 } }, 'crop', /PIXELS/],
    [{ crop: { left: 0, top: 0, width: 100_001, height: 10 } }, 'crop', /up to 100000/],
    [{ crop: { left: 0.6, top: 0, width: 0.5, height: 1, unit: 'fraction' } }, 'crop', /FRACTION/],
    [{ crop: { left: 0, top: 0, width: Number.NaN, height: 1, unit: 'fraction' } }, 'crop', /FRACTION/],
    [{ crop: { left: 0, top: 0, width: 1, height: 1, unit: 'inches' } }, 'crop', /PIXELS/],
    [{ trim: 0 }, 'trim', /from 1 to 100/],
    [{ trim: 101 }, 'trim', /from 1 to 100/],
  ] as Array<[SpecInput, string, RegExp]>)('refuses %j with BAD_USER_INPUT naming %s and its range', (input, argument, range) => {
    let caught: unknown;
    try {
      normaliseSpec(input, limits);
    } catch (error) {
      caught = error;
    }
    expect(codeOf(() => normaliseSpec(input, limits))).toBe('BAD_USER_INPUT');
    expect((caught as Error).message).toContain(`for ${argument} but received`);
    expect((caught as Error).message).toMatch(range);
    expect((caught as Error).message.length).toBeLessThan(400);
  });

  it('means in arguments what the words mean in the grammar', () => {
    expect(normaliseSpec({ width: 300, dpr: 2, rotate: 90, flipVertical: true, blur: 2.25, grayscale: true, format: 'jpeg', background: '#ABCDEF' }, limits)).toEqual(
      grammar('300/dpr2/rotate90/flipv/blur2.25/grayscale/jpeg/bgabcdef'),
    );
  });
});

const input = fc.record(
  {
    width: fc.option(fc.integer({ min: 10, max: 4000 })),
    height: fc.option(fc.integer({ min: 10, max: 4000 })),
    format: fc.constantFrom('webp', 'jpeg', 'png', 'avif', 'auto'),
    quality: fc.integer({ min: 1, max: 100 }),
    fit: fc.constantFrom('inside', 'cover', 'contain', 'fill', 'outside'),
    position: fc.constantFrom('center', 'north', 'entropy', 'attention'),
    enlarge: fc.boolean(),
    dpr: fc.option(fc.double({ min: 1, max: 4, noNaN: true })),
    rotate: fc.constantFrom(0, 90, 180, 270),
    flipHorizontal: fc.boolean(),
    flipVertical: fc.boolean(),
    background: fc.option(fc.constantFrom('ff0000', '#00FF0080', '123456ff')),
    blur: fc.option(fc.double({ min: 0.3, max: 10, noNaN: true })),
    sharpen: fc.option(fc.double({ min: 0.5, max: 3, noNaN: true })),
    grayscale: fc.boolean(),
    crop: fc.option(
      fc.oneof(
        fc.record({ left: fc.nat(5000), top: fc.nat(5000), width: fc.integer({ min: 1, max: 5000 }), height: fc.integer({ min: 1, max: 5000 }) }),
        fc
          .record({ left: fc.double({ min: 0, max: 0.9, noNaN: true }), top: fc.double({ min: 0, max: 0.9, noNaN: true }), width: fc.double({ min: 0.001, max: 0.1, noNaN: true }), height: fc.double({ min: 0.001, max: 0.1, noNaN: true }) })
          .map((region) => ({ ...region, unit: 'fraction' })),
      ),
    ),
    trim: fc.option(fc.integer({ min: 1, max: 100 })),
    focalPoint: fc.option(fc.record({ x: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.double({ min: 0, max: 1, noNaN: true }) })),
  },
  { requiredKeys: [] },
).map((given) => (given.focalPoint ? { ...given, position: undefined } : given));

describe('the canonical form with adjustments', () => {
  it('reads back every spec it writes, and the graceful grammar reads it alike', () => {
    fc.assert(
      fc.property(input, (given) => {
        const spec = normaliseRequest(given, limits);
        const words = canonicalParams(spec);
        expect(parseCanonicalParams(words, limits)).toEqual(spec);
        expect(parseGrammar(words, limits)).toEqual(spec);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the adjustments after q{n} and enlarge, in one order', () => {
    const spec = normaliseRequest({ width: 300, height: 300, fit: 'contain', format: 'jpeg', enlarge: true, grayscale: true, sharpen: 1, blur: 2, background: 'ff0000', flipHorizontal: true, rotate: 90 }, limits);
    expect(canonicalParams(spec).join('/')).toBe('300x300/contain/jpeg/q75/enlarge/rotate90/fliph/bgff0000/blur2/sharpen1/grayscale');
    expect(parseCanonicalParams('300x300/contain/jpeg/q75/enlarge/fliph/rotate90/bgff0000/blur2/sharpen1/grayscale'.split('/'), limits)).toBeNull();
    expect(parseCanonicalParams('300/inside/webp/q75/flipv'.split('/'), limits)).toBeNull();
    expect(parseCanonicalParams('300/inside/webp/q75/blur2.0'.split('/'), limits)).toBeNull();
    const cropped = normaliseRequest({ width: 300, crop: { left: 1, top: 2, width: 30, height: 40 }, trim: 5, rotate: 90 }, limits);
    expect(canonicalParams(cropped).join('/')).toBe('300/inside/webp/q75/crop1x2x30x40/trim5/rotate90');
    expect(parseCanonicalParams('300/inside/webp/q75/trim5/crop1x2x30x40/rotate90'.split('/'), limits)).toBeNull();
    expect(parseCanonicalParams('300/inside/webp/q75/trim'.split('/'), limits)).toBeNull();
  });
});

describe('signed URLs with adjustments', () => {
  const signer = createUrlSigner({ secret: 'k'.repeat(32), limits });
  const verify = (url: string) => {
    const [pathPart = '', query = ''] = url.split('?');
    return signer.verify(parseUrlSegments(pathPart.slice('/img/'.length)), new URLSearchParams(query));
  };
  const name = fc.oneof(fc.constantFrom('blur5', 'crop1x1x5x5', 'cropf0x0x0.5x0.5', 'trim', 'trim10', 'rotate90', 'fliph', 'grayscale', 'enlarge', 'q75', 'webp', 'north', 'focus0.5x0.5', 'bgff0000', 'photo'), fc.stringMatching(/^[a-z0-9_-]{1,12}$/));

  it('verify to the path and the spec they were minted for, whatever the path looks like', () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), input, (path, given) => {
        const spec = normaliseRequest(given, limits);
        expect(verify(signer.mint(path, spec, 'v1'))).toEqual({ path, spec, version: 'v1' });
      }),
      { numRuns: 1000 },
    );
  });

  it('are refused once an adjustment word is added, removed or changed', () => {
    const url = signer.mint(['photo'], normaliseRequest({ width: 300, blur: 2 }, limits), 'v1');
    for (const tampered of [url.replace('/blur2', '/blur3'), url.replace('/blur2', ''), url.replace('/blur2', '/blur2/grayscale'), url.replace('/q75', '/q75/rotate90')]) {
      expect(codeOf(() => verify(tampered))).toBe('FORBIDDEN');
    }
  });
});

describe('watermark words', () => {
  it.each([
    ['300/wm-logo', { name: 'logo', position: 'southeast', size: 20, opacity: 100, margin: 2, version: '' }],
    ['300/wm-logo-northwest-s50-o40-m0', { name: 'logo', position: 'northwest', size: 50, opacity: 40, margin: 0, version: '' }],
    ['300/wm-logo-m5-south', { name: 'logo', position: 'south', size: 20, opacity: 100, margin: 5, version: '' }],
    ['300/wm-logo-vabcdef0123', { name: 'logo', version: 'abcdef0123' }],
    ['300/wm-brand_2-center', { name: 'brand_2', position: 'center' }],
  ])('reads %j', (path, expected) => {
    expect(grammar(path).watermark).toMatchObject(expected);
  });

  it.each(['wm-', 'wm-Logo', 'wm-logo-up', 'wm-logo-s0', 'wm-logo-s101', 'wm-logo-o0', 'wm-logo-m26', 'wm-logo-s20-s30', 'wm-logo-north-south', 'wm-logo-entropy', 'wm-logo-vxyz', 'wm-1logo'])('ignores %j', (word) => {
    expect(grammar(`300/${word}`).watermark).toBeNull();
  });

  it('writes every part in the canonical form and reads it back exactly', () => {
    const spec = normaliseRequest({ width: 300, watermark: { name: 'logo', position: 'north', opacity: 50 } }, limits);
    const bound = { ...spec, watermark: { ...spec.watermark!, version: '0123456789' } };
    expect(canonicalParams(bound).join('/')).toBe('300/inside/webp/q75/wm-logo-north-s20-o50-m2-v0123456789');
    expect(parseCanonicalParams(canonicalParams(bound), limits)).toEqual(bound);
    expect(parseCanonicalParams('300/inside/webp/q75/wm-logo-north-o50-s20-m2-v0123456789'.split('/'), limits)).toBeNull();
  });
});
