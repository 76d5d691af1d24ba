import { AppError } from '../../../src/errors';
import { looksLikeParameter, normaliseSpec, parseGrammar } from '../../../src/images/spec';
import { codeOf } from '../../helpers/errors';

const limits = { minDimension: 10, maxDimension: 4000 };
const grammar = (path: string) => parseGrammar(path.split('/').filter(Boolean), limits);

describe('the graceful URL grammar', () => {
  it.each([
    ['', { width: 1000, height: 1000, format: 'webp', quality: 75, fit: 'inside' }],
    ['800x600/webp/q90', { width: 800, height: 600, format: 'webp', quality: 90 }],
    ['300', { width: 300, height: null }],
    ['q80/png/400x200', { width: 400, height: 200, format: 'png', quality: 100 }],
    ['300/400/jpeg/q85', { width: 300, height: null, format: 'jpeg', quality: 85 }],
    ['300/png/jpeg/q85/q95', { width: 300, format: 'png' }],
    ['jpg', { format: 'jpeg' }],
    ['avif/q50', { format: 'avif', quality: 50 }],
    ['99999x1/invalidformat/q95005', { width: 1000, height: 1000, format: 'webp', quality: 75 }],
    ['99999x1/500', { width: 500, height: null }],
    ['800x/x5/0x0/q0/q101/WEBP/bmp', { width: 1000, height: 1000, format: 'webp', quality: 75 }],
    ['300/gif/q50', { width: 300, format: 'gif', quality: 100 }],
    ['x600/jpeg', { width: null, height: 600, format: 'jpeg' }],
    ['x600/cover', { width: null, height: 600, fit: 'inside' }],
    ['auto/300', { width: 300, format: 'auto', quality: 75 }],
    ['png/auto', { format: 'png', quality: 100 }],
    ['800x600/webp/q90/wow/extra', { width: 800, height: 600, quality: 90 }],
    ['200x200/cover', { fit: 'cover' }],
    ['200/cover', { width: 200, height: null, fit: 'inside' }],
    ['200x100/enlarge', { enlarge: true }],
    ['200x200/cover/north', { fit: 'cover', position: 'north' }],
    ['attention/200x200/cover/entropy', { fit: 'cover', position: 'attention' }],
    ['200x200/north', { fit: 'inside', position: 'center' }],
    ['200/cover/north', { fit: 'inside', position: 'center' }],
    ['10x4000', { width: 10, height: 4000 }],
    ['9x4001', { width: 1000, height: 1000 }],
  ])('reads %j', (path, expected) => {
    expect(grammar(path)).toMatchObject(expected);
  });

  it('gives the same spec for requests that mean the same bytes', () => {
    expect(grammar('png/q10/300x300')).toEqual(grammar('300x300/png'));
    expect(grammar('300/cover')).toEqual(grammar('300'));
    expect(grammar('jpg/200')).toEqual(grammar('200/jpeg'));
    expect(grammar('300x200/contain/east')).toEqual(grammar('300x200/contain'));
    expect(grammar('300x200/cover/center')).toEqual(grammar('300x200/cover'));
  });

  it.each(['800', '800x600', '800x', 'x600', 'q90', 'q0', 'webp', 'jpg', 'cover', 'enlarge', 'northwest', 'attention'])('treats %j as a parameter', (segment) => {
    expect(looksLikeParameter(segment)).toBe(true);
  });

  it.each(['cat', 'cat.jpg', 'cat_white', 'quality90', 'WEBP', 'constructor', 'toString', '2024.jpg'])('treats %j as a name', (segment) => {
    expect(looksLikeParameter(segment)).toBe(false);
  });
});

describe('strict arguments', () => {
  it('fills the defaults', () => {
    expect(normaliseSpec({}, limits)).toEqual({
      width: 1000,
      height: 1000,
      format: 'webp',
      quality: 75,
      fit: 'inside',
      position: 'center',
      focus: null,
      enlarge: false,
      crop: null,
      trim: 0,
      rotate: 0,
      flipHorizontal: false,
      background: null,
      blur: 0,
      sharpen: 0,
      grayscale: false,
      watermark: null,
    });
  });

  it('keeps a position only for a COVER crop, the one fit that crops', () => {
    expect(normaliseSpec({ width: 300, height: 200, fit: 'cover', position: 'SOUTHWEST' }, limits).position).toBe('southwest');
    expect(normaliseSpec({ width: 300, height: 200, fit: 'contain', position: 'south' }, limits).position).toBe('center');
    expect(normaliseSpec({ width: 300, fit: 'cover', position: 'south' }, limits).position).toBe('center');
  });

  it('names the position argument and the allowed values when it is unknown', () => {
    expect(() => normaliseSpec({ position: 'middle' }, limits)).toThrow(
      'Expected one of center, north, northeast, east, southeast, south, southwest, west, northwest, entropy, attention for position but received "middle"',
    );
  });

  it('accepts every format by name, jpg as an alias', () => {
    expect(normaliseSpec({ format: 'JPG' }, limits).format).toBe('jpeg');
    expect(normaliseSpec({ format: 'avif' }, limits).format).toBe('avif');
  });

  it.each([
    [{ width: 9 }, 'Expected an integer from 10 to 4000 for width but received 9'],
    [{ width: 4001 }, 'Expected an integer from 10 to 4000 for width but received 4001'],
    [{ height: 12.5 }, 'Expected an integer from 10 to 4000 for height but received 12.5'],
    [{ quality: 0 }, 'Expected an integer from 1 to 100 for quality but received 0'],
    [{ quality: 101 }, 'Expected an integer from 1 to 100 for quality but received 101'],
    [{ format: 'bmp' }, 'Expected one of webp, jpeg, png, avif, gif for format but received "bmp"'],
    [{ format: 'constructor' }, 'Expected one of webp, jpeg, png, avif, gif for format but received "constructor"'],
    [{ fit: 'stretch' }, 'Expected one of inside, cover, contain, fill, outside for fit but received "stretch"'],
  ])('refuses %j', (input, message) => {
    const attempt = () => normaliseSpec(input, limits);
    expect(attempt).toThrow(AppError);
    expect(attempt).toThrow(message);
    expect(codeOf(attempt)).toBe('BAD_USER_INPUT');
  });
});
