import fc from 'fast-check';
import { apolloRequest, searchOf } from '../../../src/graphql/apollo';

// What node's HTTP parser lets into a request target, seen as node gives it (one character per byte).
const targetCharacter = fc.oneof(
  fc.constantFrom(...'?#&=%+;/\\:@!$\'()*,[]{}|^`"<>~'),
  fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
);
const target = fc.array(targetCharacter, { maxLength: 60 }).map((characters) => `/graphql${characters.join('')}`);
const params = (search: string) => [...new URLSearchParams(search)];

describe('the request Apollo is given', () => {
  it('reads the same query parameters from any request target as a parsed URL would', () => {
    fc.assert(
      fc.property(target, (given) => {
        expect(params(searchOf(given))).toEqual(params(new URL(given, 'http://server/').search));
      }),
      { numRuns: 2000 },
    );
  });

  it('ends the query string at a fragment, and finds none in a fragment', () => {
    expect(searchOf('/graphql?query=%7B__typename%7D#x')).toBe('?query=%7B__typename%7D');
    expect(searchOf('/graphql#x?query={a}')).toBe('');
    expect(searchOf('/graphql')).toBe('');
  });

  it('passes every header, a list joined, with the method and the body as they came', () => {
    const body = { query: '{ __typename }' };
    const request = apolloRequest({ method: 'POST', url: '/graphql?x=1', headers: { 'content-type': 'application/json', accept: 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-empty': undefined }, body });
    expect([...request.headers]).toEqual([
      ['content-type', 'application/json'],
      ['accept', 'application/json'],
      ['set-cookie', 'a=1, b=2'],
    ]);
    expect(request.headers.get('Content-Type')).toBe('application/json');
    expect(request).toMatchObject({ method: 'POST', search: '?x=1', body });
  });
});
