import { parsePresetWords, withPreset, type Preset } from '../../../src/images/presets';
import { canonicalParams } from '../../../src/images/spec';
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
  const thumb: Preset = { name: 'thumb', spec: (parsePresetWords(['200x200', 'cover', 'webp', 'q70'], limits) as { spec: Preset['spec'] }).spec };
  const presets = new Map([['thumb', thumb]]);

  it('takes the preset values, and arguments given beside it win', () => {
    expect(withPreset({ preset: 'thumb' }, presets, false)).toMatchObject({ width: 200, height: 200, fit: 'cover', format: 'webp', quality: 70 });
    expect(withPreset({ preset: 'thumb', format: 'avif', width: null }, presets, false)).toMatchObject({ width: 200, format: 'avif', quality: 70 });
  });

  it('leaves a request without a preset as it is', () => {
    expect(withPreset({ width: 300 }, presets, false)).toEqual({ width: 300 });
  });

  it.each([
    ['an unknown preset', { preset: 'huge' }, false, 'Expected a configured preset (thumb) for preset but received "huge"'],
    ['no preset in presets-only mode', { width: 300 }, true, 'Expected a preset in presets-only mode (one of thumb) for preset but received null'],
    ['an argument beside the preset in presets-only mode', { preset: 'thumb', width: 300 }, true, 'Expected nothing beside the preset in presets-only mode for width but received 300'],
  ])('refuses %s', (_name, request, presetsOnly, message) => {
    expect(() => withPreset(request, presets, presetsOnly)).toThrow(message);
    expect(codeOf(() => withPreset(request, presets, presetsOnly))).toBe('BAD_USER_INPUT');
  });
});
