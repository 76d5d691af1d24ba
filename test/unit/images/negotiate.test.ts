import { chooseFormat } from '../../../src/images/negotiate';

describe('choosing the format of an AUTO request', () => {
  it.each([
    ['image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', false, 'avif'],
    ['image/webp,*/*', false, 'webp'],
    ['IMAGE/WEBP', false, 'webp'],
    ['image/avif;q=0, image/webp;q=0.5', false, 'webp'],
    ['image/avif;q=0.0,image/webp;q=0', true, 'png'],
    ['image/*,*/*', false, 'jpeg'],
    ['*/*', true, 'png'],
    [undefined, false, 'jpeg'],
    ['', true, 'png'],
    ['image/avif ; q=1', false, 'avif'],
  ])('Accept %j, alpha %s: %s', (accept, hasAlpha, format) => {
    expect(chooseFormat(accept, hasAlpha)).toBe(format);
  });
});

describe('choosing the format of an AUTO request for an animated source', () => {
  it.each([
    ['image/avif,image/webp,*/*', 'webp'],
    ['image/avif', 'webp'],
    ['image/webp', 'webp'],
    ['image/avif;q=0,image/webp;q=0', 'gif'],
    ['*/*', 'gif'],
    [undefined, 'gif'],
  ])('Accept %j: %s, a format that keeps the frames', (accept, format) => {
    expect(chooseFormat(accept, false, true)).toBe(format);
    expect(chooseFormat(accept, true, true)).toBe(format);
  });
});
