import { planResponsive } from '../../../src/images/responsive';
import { codeOf } from '../../helpers/errors';

const limits = { minDimension: 10, maxDimension: 4000, maxOutputPixels: 16_000_000 };
const photo = { width: 1200, height: 800, hasAlpha: false, animated: false };
const widthsOf = (plan: ReturnType<typeof planResponsive>) => plan.candidates.map(({ size }) => `${size.width}x${size.height}`);

describe('planning a responsive image', () => {
  it('turns default widths beyond the source into its real width, once', () => {
    const plan = planResponsive(photo, {}, limits);
    expect(widthsOf(plan)).toEqual(['320x213', '640x427', '960x640', '1200x800']);
    expect(plan.candidates.at(-1)!.spec.width).toBe(1200);
  });

  it('sorts and de-duplicates the widths asked for', () => {
    expect(widthsOf(planResponsive(photo, { widths: [640, 320, 640, 4000, 2000] }, limits))).toEqual(['320x213', '640x427', '1200x800']);
  });

  it('keeps the aspect ratio of the largest width and the height for every candidate, cropping with COVER', () => {
    const plan = planResponsive(photo, { widths: [200, 400, 800], height: 400, fit: 'cover', position: 'north' }, limits);
    expect(widthsOf(plan)).toEqual(['200x100', '400x200', '800x400']);
    expect(plan.candidates.map(({ spec }) => spec.position)).toEqual(['north', 'north', 'north']);
  });

  it('shrinks a COVER box that the source cannot fill, keeping its shape', () => {
    expect(widthsOf(planResponsive(photo, { widths: [1000, 2000], height: 2000, fit: 'cover' }, limits))).toEqual(['800x800']);
  });

  it('falls back to JPEG, or PNG for a source with transparency, and orders <source> formats for <picture>', () => {
    expect(planResponsive(photo, {}, limits)).toMatchObject({ fallback: 'jpeg', sourceFormats: ['avif', 'webp'] });
    expect(planResponsive({ ...photo, hasAlpha: true }, { formats: ['webp', 'jpeg', 'avif', 'png'] }, limits)).toMatchObject({
      fallback: 'png',
      sourceFormats: ['avif', 'webp', 'jpeg'],
    });
  });

  it('keeps a source smaller than the minimum dimension at its own size', () => {
    expect(widthsOf(planResponsive({ width: 8, height: 6, hasAlpha: false, animated: false }, { widths: [320, 640] }, limits))).toEqual(['8x6']);
  });

  it.each([
    [{ widths: [] }, 'Expected from 1 to 16 widths for widths but received "0 widths"'],
    [{ widths: Array.from({ length: 17 }, (_, i) => 100 + i) }, 'Expected from 1 to 16 widths for widths but received "17 widths"'],
    [{ widths: [320, 5] }, 'Expected an integer from 10 to 4000 for widths[1] but received 5'],
    [{ formats: ['webp', 'auto'] }, 'Expected a concrete format (AUTO is what <picture> does itself) for formats[1] but received "auto"'],
    [{ formats: ['bmp'] }, 'Expected one of webp, jpeg, png, avif, gif for formats[0] but received "bmp"'],
    [{ height: 5 }, 'Expected an integer from 10 to 4000 for height but received 5'],
    [{ quality: 0 }, 'Expected an integer from 1 to 100 for quality but received 0'],
  ])('refuses %j: %s', (request, message) => {
    expect(() => planResponsive(photo, request, limits)).toThrow(message);
    expect(codeOf(() => planResponsive(photo, request, limits))).toBe('BAD_USER_INPUT');
  });
});
