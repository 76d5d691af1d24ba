import { parse, type OperationDefinitionNode } from 'graphql';
import { operationCost } from '../../../src/graphql/operation-cost';
import { exceededLimit } from '../../../src/graphql/operation-limits';
import { DEFAULT_SOURCE_FORMATS, DEFAULT_WIDTHS } from '../../../src/images/responsive';

const limits = { maxDepth: 4, maxAliases: 3, maxFields: 10 };
const costOf = (query: string, variables: Record<string, unknown> = {}, ceiling = 1000) => {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  return operationCost(document, operation, variables, ceiling, { widths: DEFAULT_WIDTHS.length, formats: DEFAULT_SOURCE_FORMATS.length, pageSize: 20 });
};

describe('operation limits, fragments expanded', () => {
  it.each([
    ['{ image(path: "a") { url } }', null],
    ['{ a: image(path: "a") { url } b: image(path: "b") { url } c: image(path: "c") { url } }', null],
    ['{ a: image(path: "a") { url } b: image(path: "b") { url } c: image(path: "c") { url } d: image(path: "d") { url } }', 'aliases'],
    ['{ ...F ...F } fragment F on Query { a: image(path: "a") { url } b: image(path: "b") { url } }', 'aliases'],
    ['{ a { b { c { d { e } } } } }', 'levels'],
    ['{ ...F } fragment F on Query { a { ...G } } fragment G on X { b { c { d { e } } } }', 'levels'],
    ['{ ...F ...F ...F } fragment F on Query { image(path: "a") { url width height } }', 'fields'],
    ['{ __schema { types { fields { type { ofType { ofType { name } } } } } } }', null],
    ['{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }', null],
    ['{ ...Missing }', null],
  ])('%s exceeds %s', (query, expected) => {
    const exceeded = exceededLimit(parse(query), limits);
    expect(exceeded === null ? null : /at most \d+ (\w+)/.exec(exceeded)?.[1]).toBe(expected);
  });
});

describe('operation cost', () => {
  it.each([
    ['{ image(path: "a") { url } }', {}, 1],
    ['{ a: image(path: "a") { url } b: image(path: "a") { url } }', {}, 2],
    ['{ images(paths: ["a", "b", "c"]) { url } }', {}, 3],
    ['query ($p: [String!]!) { images(paths: $p) { url } }', { p: ['a', 'b', 'c', 'd'] }, 4],
    ['query ($p: [String!]!) { images(paths: $p) { url } }', { p: 'a' }, 1],
    ['query ($p: [String!]! = ["a", "b", "c"]) { images(paths: $p) { url } }', {}, 3],
    ['query ($p: [String!]! = ["a", "b", "c"]) { x: images(paths: $p) { url } y: images(paths: $p) { url } }', { p: ['a'] }, 2],
    // 6 default widths × (AVIF, WebP and the fallback): 18 URLs, one cost per two.
    ['{ responsive(path: "a") { src } }', {}, 9],
    ['{ responsive(path: "a") { src placeholder { color } } }', {}, 19],
    ['{ responsive(path: "a", widths: [100]) { src } }', {}, 2],
    ['query ($w: [Int!]) { responsive(path: "a", widths: $w) { src } }', {}, 9],
    ['query ($w: [Int!]) { responsive(path: "a", widths: $w) { src } }', { w: null }, 9],
    ['{ responsive(path: "a", widths: [100], formats: []) { src } }', {}, 1],
    ['query ($w: [Int!]) { responsive(path: "a", widths: $w, formats: [AVIF, WEBP, PNG]) { src } }', { w: Array.from({ length: 16 }, (_, i) => 100 + i) }, 32],
    ['{ responsiveImages(paths: ["a", "b"], widths: [100, 200]) { src placeholder { color } } }', {}, 2 * (3 + 10)],
    ['query ($p: [String!]!) { responsiveImages(paths: $p) { src } }', { p: Array(50).fill('a') }, 50 * 9],
    ['{ ...F ...F } fragment F on Query { image(path: "a") { url } }', {}, 2],
    // Each URL repeats its path: one more per started 256 bytes of UTF-8.
    [`{ image(path: "${'a'.repeat(256)}") { url } }`, {}, 1],
    [`{ image(path: "${'a'.repeat(257)}") { url } }`, {}, 2],
    ['query ($p: String!) { image(path: $p) { url } }', { p: '😀'.repeat(256) }, 4],
    ['query ($p: [String!]!) { images(paths: $p) { url } }', { p: ['a', 'é'.repeat(300), 'b'] }, 1 + 3 + 1],
    ['query ($p: [String!]!) { a: images(paths: $p) { url } b: images(paths: $p) { url } }', { p: ['x'.repeat(600)] }, 6],
    ['query ($p: [String!]! = ["a", "b"]) { images(paths: [$q, "c"]) { url } } ', {}, 2],
    ['query ($p: [String!]!) { responsiveImages(paths: $p, widths: [100]) { src } }', { p: ['x'.repeat(1000)] }, 4 * 2],
    ['{ imagePresets { name } cacheStats { files } }', {}, 2],
    // Finding a trim's border reads the pixels: 10 per image, like a placeholder.
    ['{ image(path: "a", trim: 10) { url } }', {}, 11],
    ['query ($t: Int) { image(path: "a", trim: $t) { url } }', { t: 5 }, 11],
    ['query ($t: Int) { image(path: "a", trim: $t) { url } }', { t: null }, 1],
    ['{ images(paths: ["a", "b", "c"], trim: 1) { url } }', {}, 3 * 11],
    ['{ responsive(path: "a", widths: [100], trim: 20) { src } }', {}, 12],
    // A folder's pages: what is selected below them is paid per item of the page (first, 20 by default).
    ['{ folder(path: "a") { path } }', {}, 1],
    // folder 1, listing 1, each image of the page 1 and what is below it.
    ['{ folder { images { nodes { path } } } }', {}, 1 + 1 + 20],
    ['{ folder { images(first: 5) { nodes { image(width: 100) { url } dominantColor } } } }', {}, 1 + 1 + 5 * (1 + 1 + 10)],
    ['query ($n: Int) { folder { images(first: $n) { nodes { path } } } }', { n: 50 }, 1 + 1 + 50],
    ['query ($n: Int = 7) { folder { images(first: $n) { nodes { path } } } }', {}, 1 + 1 + 7],
    ['{ folder { images(first: 0) { totalCount } } }', {}, 1 + 1],
    // Sorting by date reads every header of the folder: 100.
    ['{ folder { images(first: 0, orderBy: TAKEN_AT) { totalCount } } }', {}, 1 + 1 + 100],
    ['query ($o: SourceOrder) { folder { images(first: 1, orderBy: $o) { totalCount } } }', { o: 'TAKEN_AT' }, 1 + 1 + 100 + 1],
    // Each subfolder listed costs its listing.
    ['{ folder { folders(first: 10) { nodes { images(first: 10) { nodes { image { url } } } } } } }', {}, 1 + 1 + 10 * (1 + 10 * (1 + 1))],
    // 1 + 1 + 100 × (1 + 100 × 1) listings: counting stops past the ceiling.
    ['{ folder { folders(first: 100) { nodes { folders(first: 100) { nodes { folders(first: 0) { totalCount } } } } } } }', {}, 1001],
    ['{ source(path: "a") { image { url } responsive(widths: [100]) { src } } }', {}, 1 + 1 + 2],
    // Result fields named like the root fields, holding plain values, cost nothing.
    ['{ responsive(path: "a", widths: [100]) { source } source(path: "a") { folder } }', {}, 2 + 1],
  ])('%s with %j costs %i', (query, variables, expected) => {
    expect(costOf(query, variables)).toBe(expected);
  });

  it('stops counting past the ceiling however the fragments multiply', () => {
    let query = '{ ...F30 } fragment F0 on Query { image(path: "a") { url } }';
    for (let level = 1; level <= 30; level++) query += ` fragment F${level} on Query { ...F${level - 1} ...F${level - 1} ...F${level - 1} }`;
    expect(costOf(query, {}, 500)).toBe(501);
  });
});
