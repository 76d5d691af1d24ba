import { parseUrlSegments } from '../../../src/images/path';
import { canonicalParams, normaliseRequest, parseCanonicalParams } from '../../../src/images/spec';
import { createUrlSigner } from '../../../src/signing/url-signer';
import { codeOf } from '../../helpers/errors';

const limits = { minDimension: 10, maxDimension: 4000 };
const signer = createUrlSigner({ secret: 'k'.repeat(32), limits });

/** Verifies a minted (relative) URL the way the route does. */
function verify(url: string, using = signer) {
  const [pathPart = '', query = ''] = url.split('?');
  return using.verify(parseUrlSegments(pathPart.slice('/img/'.length)), new URLSearchParams(query));
}

describe('canonical parameters', () => {
  it.each([
    [{}, '1000x1000/inside/webp/q75'],
    [{ width: 300 }, '300/inside/webp/q75'],
    [{ height: 300, fit: 'cover' }, 'x300/inside/webp/q75'],
    [{ width: 300, height: 200, fit: 'cover', format: 'jpg', quality: 80 }, '300x200/cover/jpeg/q80'],
    [{ format: 'png', quality: 10 }, '1000x1000/inside/png/q100'],
    [{ format: 'auto', enlarge: true }, '1000x1000/inside/auto/q75/enlarge'],
    [{ width: 300, height: 200, fit: 'cover', position: 'attention' }, '300x200/cover/attention/webp/q75'],
    [{ width: 300, height: 200, fit: 'cover', position: 'north', enlarge: true }, '300x200/cover/north/webp/q75/enlarge'],
    [{ width: 300, height: 200, fit: 'cover', position: 'center' }, '300x200/cover/webp/q75'],
  ])('writes %j as %s, and reads it back', (input, text) => {
    const spec = normaliseRequest(input, limits);
    expect(canonicalParams(spec).join('/')).toBe(text);
    expect(parseCanonicalParams(text.split('/'), limits)).toEqual(spec);
  });

  it.each(['300x200/cover/center/webp/q75', '300x200/inside/north/webp/q75', '300x200/cover/webp/north/q75', 'webp/300/inside/q75', '300/inside/webp', '0300/inside/webp/q75', '300/inside/webp/q75/extra', '5000/inside/webp/q75', '300x200/inside/png/q75'])(
    'does not read %s, which is not canonical',
    (text) => {
      expect(parseCanonicalParams(text.split('/'), limits)).toBeNull();
    },
  );
});

describe('the URL signer', () => {
  const spec = normaliseRequest({ width: 300 }, limits);

  it('mints one URL per question and verifies it back to the same question', () => {
    const url = signer.mint(['cats', 'cat_white'], spec, 'abcdefghijkl');
    expect(url).toMatch(/^\/img\/cats\/cat_white\/300\/inside\/webp\/q75\?v=abcdefghijkl&s=[\w-]{32}$/);
    expect(signer.mint(['cats', 'cat_white'], normaliseRequest({ width: 300, quality: 75 }, limits), 'abcdefghijkl')).toBe(url);
    expect(verify(url)).toEqual({ path: ['cats', 'cat_white'], spec, version: 'abcdefghijkl' });
  });

  it('splits the path from the parameters by position alone, even for names that look like parameters', () => {
    const url = signer.mint(['2024', 'webp', 'enlarge'], normaliseRequest({ width: 300, enlarge: true }, limits), 'v1');
    expect(verify(url).path).toEqual(['2024', 'webp', 'enlarge']);
    expect(verify(url).spec.enlarge).toBe(true);
  });

  it.each([
    [['east'], { width: 300, height: 200, fit: 'cover', position: 'east' }],
    [['north', 'cover'], { width: 300, height: 200, fit: 'cover' }],
    [['a', 'north'], { width: 300, height: 200, fit: 'inside' }],
  ])('splits %j from a crop position without looking at files', (path, input) => {
    const url = signer.mint(path, normaliseRequest(input, limits), 'v1');
    expect(verify(url)).toEqual({ path, spec: normaliseRequest(input, limits), version: 'v1' });
  });

  it('verifies URLs of the previous key, and mints with the current one', () => {
    const old = createUrlSigner({ secret: 'o'.repeat(32), limits });
    const rotated = createUrlSigner({ secret: 'n'.repeat(32), previousSecret: 'o'.repeat(32), limits });
    const oldUrl = old.mint(['a'], spec, 'v');
    expect(verify(oldUrl, rotated).path).toEqual(['a']);
    expect(rotated.mint(['a'], spec, 'v')).not.toBe(oldUrl);
    expect(codeOf(() => verify(oldUrl, signer))).toBe('FORBIDDEN');
  });

  it('prefixes the public URL', () => {
    const public_ = createUrlSigner({ secret: 'k'.repeat(32), publicUrl: 'https://cdn.example.com/x/', limits });
    expect(public_.mint(['a b'], spec, 'v')).toMatch(/^https:\/\/cdn\.example\.com\/x\/img\/a%20b\/300\//);
  });

  const url = signer.mint(['photo'], spec, 'version12345');
  it.each([
    ['no query', url.split('?')[0] as string],
    ['no signature', url.replace(/&s=.*/, '')],
    ['no version', url.replace(/v=[^&]*&/, '')],
    ['two versions', `${url}&v=x`],
    ['a signature that is not base64url', url.replace(/s=.*/, 's=%%%')],
    ['a short signature', url.slice(0, -1)],
    ['a long signature', `${url}A`],
    ['another version', url.replace('version12345', 'version12346')],
    ['another path', url.replace('/photo/', '/photos/')],
    ['the path moved into the parameters', url.replace('/img/photo/300/', '/img/300/')],
    ['a different size', url.replace('/300/', '/301/')],
  ])('refuses %s with FORBIDDEN', (_name, tampered) => {
    expect(codeOf(() => verify(tampered))).toBe('FORBIDDEN');
  });

  it('refuses a correctly signed URL whose size the server no longer allows, as bad input', () => {
    const stricter = createUrlSigner({ secret: 'k'.repeat(32), limits: { minDimension: 10, maxDimension: 200 } });
    expect(codeOf(() => verify(url, stricter))).toBe('BAD_USER_INPUT');
  });
});
