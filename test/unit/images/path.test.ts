import { parseImagePath, parseUrlSegments } from '../../../src/images/path';
import { codeOf } from '../../helpers/errors';

describe('image paths from the API', () => {
  it.each([
    ['cat', ['cat']],
    ['cats/cat_white.jpg', ['cats', 'cat_white.jpg']],
    ['products/shoes/red', ['products', 'shoes', 'red']],
    ['name with spaces/ünïcode.png', ['name with spaces', 'ünïcode.png']],
  ])('accepts %j', (path, segments) => {
    expect(parseImagePath(path)).toEqual(segments);
  });

  it.each([
    '',
    '/etc/passwd',
    '../secret',
    'cats/../../secret',
    'cats/./cat',
    '.git/config',
    'cats/.hidden',
    'cats//cat',
    'cats/',
    'cat\0.jpg',
    'cat\n',
    'cat\u007f',
    '..\\..\\secret',
    'cats\\cat',
    '%2e%2e/secret',
    'a'.repeat(1025),
    Array.from({ length: 33 }, () => 'a').join('/'),
    `${'a'.repeat(256)}.jpg`,
  ])('refuses %j with BAD_USER_INPUT', (path) => {
    expect(codeOf(() => parseImagePath(path))).toBe('BAD_USER_INPUT');
  });
});

describe('image paths from URLs', () => {
  it('decodes each segment once, after splitting', () => {
    expect(parseUrlSegments('my%20cats/cat%5Fwhite/300')).toEqual(['my cats', 'cat_white', '300']);
  });

  it('skips empty segments, a trailing slash among them, as the original did', () => {
    expect(parseUrlSegments('cat/300/')).toEqual(['cat', '300']);
    expect(parseUrlSegments('cat//300')).toEqual(['cat', '300']);
    expect(parseUrlSegments('/cats//cat_white///300')).toEqual(['cats', 'cat_white', '300']);
  });

  it.each([
    '',
    '..%2f..%2fetc%2fpasswd',
    '..%2F..%2Fetc',
    '%2e%2e/%2e%2e/etc/passwd',
    '%252e%252e%252fetc',
    'cat%00.jpg',
    'cats%5c..%5c..%5csecret',
    '..',
    'cats/..',
    '//',
    '%E0%A4%A',
    '.git/HEAD',
  ])('refuses %j with BAD_USER_INPUT', (raw) => {
    expect(codeOf(() => parseUrlSegments(raw))).toBe('BAD_USER_INPUT');
  });
});
