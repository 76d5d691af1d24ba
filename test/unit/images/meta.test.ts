import fc from 'fast-check';
import { parseMeta } from '../../../src/images/meta';

const FILE = 'cats/_meta.yml';

describe('metadata files', () => {
  it('reads alt, title, credit and a focal point per image, by name with or without extension', () => {
    const meta = parseMeta(['cat_white.jpg:', '  alt: A white cat on a sofa', '  title: Snow', '  credit: Jane Doe', '  focalPoint: { x: 0.333, y: 0.6 }', 'cat_black:', '  alt: "A black cat: asleep"'].join('\n'), FILE);
    expect(meta.problems).toEqual([]);
    expect(meta.images.get('cat_white.jpg')).toEqual({ alt: 'A white cat on a sofa', title: 'Snow', credit: 'Jane Doe', focalPoint: { x: 0.33, y: 0.6 } });
    expect(meta.images.get('cat_black')).toEqual({ alt: 'A black cat: asleep', title: null, credit: null, focalPoint: null });
  });

  it.each([
    ['cat.jpg:\n  alt: ok\n  colour: red', 3, /unknown field "colour"/],
    ['cat.jpg:\n  focalPoint: { x: 2, y: 0.5 }', 2, /focalPoint expects x and y, fractions from 0 to 1/],
    ['cat.jpg:\n  focalPoint: middle', 2, /focalPoint expects/],
    ['cat.jpg:\n  alt: [not, text]', 2, /alt expects text/],
    [`cat.jpg:\n  alt: ${'x'.repeat(1001)}`, 2, /alt expects text of at most 1000 characters/],
    ['cat.jpg: just text', 1, /expected the fields of cat.jpg/],
    ['- a\n- list', 1, /expected image names/],
    ['cat.jpg:\n  alt: one\ncat.jpg:\n  alt: two', 3, /.+/],
    ['cat.jpg:\n  alt: "unclosed', 2, /.+/],
    ['a: &x\n  alt: shared\nb: *x', 3, /expected the fields of b/],
  ])('reports %j at line %i, keeping what is right', (text, line, message) => {
    const meta = parseMeta(text, FILE);
    expect(meta.problems).toEqual([expect.objectContaining({ file: FILE, line, message: expect.stringMatching(message) })]);
  });

  it('keeps the right fields of an image whose other fields are wrong', () => {
    const meta = parseMeta('cat.jpg:\n  alt: A cat\n  focalPoint: { x: -1, y: 0 }', FILE);
    expect(meta.images.get('cat.jpg')).toEqual({ alt: 'A cat', title: null, credit: null, focalPoint: null });
    expect(meta.problems).toHaveLength(1);
  });

  it('never throws, whatever the text, and reports lines within it', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const meta = parseMeta(text, FILE);
        for (const problem of meta.problems) {
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.line).toBeLessThanOrEqual(text.split(/\r\n|\r|\n/).length + 1);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
