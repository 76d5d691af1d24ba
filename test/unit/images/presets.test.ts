import { parsePresetWords, withPreset, type Preset } from '../../../src/images/presets';
import { canonicalParams, normaliseSpec } from '../../../src/images/spec';
import { codeOf } from '../../helpers/errors';

const limits = { minDimension: 10, maxDimension: 4000 };
const words = (text: string) => {
  const parsed = parsePresetWords(text.split(' '), limits);
  return 'spec' in parsed ? canonicalParams(parsed.spec).join(' ') : { fault: parsed.fault };
};

describe('preset words', () => {
  it.each([
    ['200x200 cover webp q70', '200x200 cover webp q70'],
    ['q60 avif attention 1600x900 cover', '1600x900 cover attention avif q60'],
    ['300', '300 inside webp q75'],
    ['x120 png', 'x120 inside png q100'],
    ['webp q75 inside center 500', '500 inside webp q75'],
    ['800x600 contain enlarge', '800x600 contain webp q75 enlarge'],
  ])('reads %j as %j', (text, canonical) => {
    expect(words(text)).toBe(canonical);
  });

  it.each([
    ['200x200 big', 'big'],
    ['q0 200', 'q0'],
    ['99999x1', '99999x1'],
    ['200 300', '300'],
    ['webp png', 'png'],
    ['cover inside', 'inside'],
  ])('refuses %j at %j', (text, fault) => {
    expect(words(text)).toEqual({ fault });
  });
});

describe('applying presets', () => {
  const preset = (name: string, words: string[]): Preset => ({ name, words, ...(parsePresetWords(words, limits) as Pick<Preset, 'input' | 'spec'>) });
  const thumb = preset('thumb', ['200x200', 'cover', 'webp', 'q70']);
  const presets = new Map([
    ['thumb', thumb],
    ['card', preset('card', ['400x300', 'cover', 'dpr2', 'grayscale'])],
    ['mirrored', preset('mirrored', ['300', 'fliph', 'flipv'])],
    ['spot', preset('spot', ['300x300', 'cover', 'focus0.2x0.3'])],
  ]);

  it('takes the preset values, and arguments given beside it win', () => {
    expect(withPreset({ preset: 'thumb' }, presets, false)).toMatchObject({ width: 200, height: 200, fit: 'cover', format: 'webp', quality: 70 });
    expect(withPreset({ preset: 'thumb', format: 'avif', width: null }, presets, false)).toMatchObject({ width: 200, format: 'avif', quality: 70 });
  });

  it('lets a DPR beside the preset replace its own, on its unscaled box', () => {
    const spec = (request: Parameters<typeof withPreset>[0]) => normaliseSpec(withPreset(request, presets, false), limits);
    expect(spec({ preset: 'card' })).toMatchObject({ width: 800, height: 600 });
    expect(spec({ preset: 'card', dpr: 1 })).toMatchObject({ width: 400, height: 300 });
    expect(spec({ preset: 'card', dpr: 3 })).toMatchObject({ width: 1200, height: 900 });
    expect(spec({ preset: 'card', width: 500 })).toMatchObject({ width: 1000, height: 600 });
  });

  it('lets a mirror beside the preset replace its own, one axis at a time', () => {
    const spec = (request: Parameters<typeof withPreset>[0]) => normaliseSpec(withPreset(request, presets, false), limits);
    expect(spec({ preset: 'mirrored' })).toMatchObject({ rotate: 180, flipHorizontal: false });
    expect(spec({ preset: 'mirrored', flipHorizontal: false })).toMatchObject({ rotate: 180, flipHorizontal: true });
    expect(spec({ preset: 'mirrored', flipVertical: false })).toMatchObject({ rotate: 0, flipHorizontal: true });
  });

  it('lets a position beside a preset with a focal point replace it, and the other way round', () => {
    const spec = (request: Parameters<typeof withPreset>[0]) => normaliseSpec(withPreset(request, presets, false), limits);
    expect(spec({ preset: 'spot' })).toMatchObject({ focus: { x: 0.2, y: 0.3 }, position: 'center' });
    expect(spec({ preset: 'spot', position: 'north' })).toMatchObject({ focus: null, position: 'north' });
    expect(spec({ preset: 'thumb', focalPoint: { x: 0.9, y: 0.1 } })).toMatchObject({ focus: { x: 0.9, y: 0.1 } });
  });

  it('leaves a request without a preset as it is', () => {
    expect(withPreset({ width: 300 }, presets, false)).toEqual({ width: 300 });
  });

  it.each([
    ['an unknown preset', { preset: 'huge' }, false, 'Expected a configured preset (thumb, card, mirrored, spot) for preset but received "huge"'],
    ['no preset in presets-only mode', { width: 300 }, true, 'Expected a preset in presets-only mode (one of thumb, card, mirrored, spot) for preset but received null'],
    ['an argument beside the preset in presets-only mode', { preset: 'thumb', width: 300 }, true, 'Expected nothing beside the preset in presets-only mode for width but received 300'],
  ])('refuses %s', (_name, request, presetsOnly, message) => {
    expect(() => withPreset(request, presets, presetsOnly)).toThrow(message);
    expect(codeOf(() => withPreset(request, presets, presetsOnly))).toBe('BAD_USER_INPUT');
  });
});
