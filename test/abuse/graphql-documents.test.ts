import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import fc from 'fast-check';
import { makeSource } from '../helpers/images';
import { fetchBody, graphql, spawnServer, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const env = { GOIMGSERVER_SIGNING_SECRET: 'graphql-abuse-secret-0123456789abcdef' };
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 300, height: 200 });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--rate-limit-image', 'off', '--rate-limit-images', 'off'], env);
});
afterAll(() => server.close());

/** `levels` fragments, each spreading the one before `fanOut` times: a few hundred bytes that expand to fanOut^levels fields. */
function fragmentBomb(levels: number, fanOut: number, field = 'image(path: "photo") { width }'): string {
  let document = `query { ...F${levels} } fragment F0 on Query { ${field} }`;
  for (let level = 1; level <= levels; level++) {
    document += ` fragment F${level} on Query { ${Array.from({ length: fanOut }, () => `...F${level - 1}`).join(' ')} }`;
  }
  return document;
}

/** Runs `attack` while measuring the longest the event loop was blocked, in milliseconds. */
async function longestBlock<T>(attack: () => Promise<T>): Promise<{ result: T; blockedMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  try {
    const result = await attack();
    return { result, blockedMs: delay.max / 1e6 };
  } finally {
    delay.disable();
  }
}

describe('hostile GraphQL documents', () => {
  it.each([8, 20])('refuses a bomb of %i levels of nested fragment spreads without blocking the server', async (levels) => {
    const document = fragmentBomb(levels, 5);
    expect(document.length).toBeLessThan(1500);
    const { result, blockedMs } = await longestBlock(async () => {
      const [answer, health] = await Promise.all([graphql(server.url, document), fetchBody(`${server.url}/health`)]);
      return { answer, health };
    });
    expect(result.health.status).toBe(200);
    expect(result.answer.status).toBe(400);
    expect(result.answer.errors).toEqual([{ message: 'Expected at most 200 fields in an operation (--max-fields) but received more', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
    expect(blockedMs).toBeLessThan(100);
  });

  it('refuses a bomb that stays under the field bound only by its aliases', async () => {
    const answer = await graphql(server.url, fragmentBomb(12, 4, 'a: image(path: "photo") { width }'));
    expect(answer.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses hundreds of same-named fields before GraphQL compares them pairwise', async () => {
    const siblings = `{ ${Array.from({ length: 450 }, (_, i) => `image(path: "p${i}") { width }`).join(' ')} }`;
    const { result, blockedMs } = await longestBlock(() => graphql(server.url, siblings));
    expect(result.errors?.[0]?.message).toBe('Expected at most 200 fields in an operation (--max-fields) but received more');
    expect(blockedMs).toBeLessThan(100);
  });

  it('measures a GET document as GraphQL will read it, whatever its percent-encoding', async () => {
    const aliases = `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: image(path: "photo", width: ${100 + i}) { width }`).join(' ')} }`;
    for (const prefix of ['', '%23%ZZ%0A', '%23%E0%A4%A%0A']) {
      const response = await fetchBody(`${server.url}/graphql?query=${prefix}${encodeURIComponent(aliases)}`);
      expect([prefix, response.status, response.json().errors?.[0]?.message]).toEqual([prefix, 400, 'Expected at most 30 aliases in an operation (--max-aliases) but received more']);
    }
  });

  it('counts the paths of a variable default toward the cost', async () => {
    const paths = JSON.stringify(Array.from({ length: 100 }, (_, i) => `p${i}`));
    const document = `query ($p: [String!]! = ${paths}) { ${Array.from({ length: 11 }, (_, i) => `a${i}: images(paths: $p) { url }`).join(' ')} }`;
    const answer = await graphql(server.url, document);
    expect(answer.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toMatch(/--max-cost/);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__'])('counts the default of a variable named $%s, which every object seems to have', async (name) => {
    const paths = JSON.stringify(Array.from({ length: 100 }, (_, i) => `p${i}`));
    const reads = server.app.service.stats().metadataReads;
    const document = `query ($${name}: [String!]! = ${paths}) { ${Array.from({ length: 11 }, (_, i) => `a${i}: images(paths: $${name}, width: ${100 + i}) { url }`).join(' ')} }`;
    const answer = await graphql(server.url, document);
    expect(answer.status).toBe(400);
    expect(answer.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/--max-cost/), extensions: { code: 'BAD_USER_INPUT' } })]);
    expect(server.app.service.stats().metadataReads).toBe(reads);
  });

  it('refuses an operation that costs more than --max-cost before anything is read', async () => {
    const reads = server.app.service.stats().metadataReads;
    const paths = Array.from({ length: 100 }, () => 'photo');
    const document = `query ($paths: [String!]!) { ${Array.from({ length: 11 }, (_, i) => `a${i}: images(paths: $paths) { url }`).join(' ')} }`;
    const answer = await graphql(server.url, document, { paths });
    expect(answer.status).toBe(400);
    expect(answer.errors).toEqual([{ message: expect.stringMatching(/^Expected an operation costing at most 1000 \(--max-cost/), extensions: { code: 'BAD_USER_INPUT' } }]);
    expect(server.app.service.stats().metadataReads).toBe(reads);
    const ten = `query ($paths: [String!]!) { ${Array.from({ length: 10 }, (_, i) => `a${i}: images(paths: $paths) { width }`).join(' ')} }`;
    expect((await graphql(server.url, ten, { paths })).errors).toBeUndefined();
  });

  it('makes long paths cost what the URLs that repeat them weigh, so a gallery cannot buy an answer of many megabytes', async () => {
    const segment = '😀'.repeat(60);
    const paths = Array.from({ length: 10 }, (_, i) => `${segment}/${segment}/${segment}/${segment}${i}/i`);
    const widths = Array.from({ length: 16 }, (_, i) => 100 + i * 100);
    const aliases = (n: number) =>
      `query($p: [String!]!, $w: [Int!]) { ${Array.from({ length: n }, (_, i) => `a${i}: responsiveImages(paths: $p, widths: $w, formats: [AVIF, WEBP]) { srcSet sources { srcSet } candidates { url } }`).join(' ')} }`;
    const { result: refused, blockedMs } = await longestBlock(() => graphql(server.url, aliases(4), { p: paths, w: widths }));
    expect([refused.status, refused.errors?.[0]?.message]).toEqual([400, expect.stringContaining('--max-cost')]);
    expect(blockedMs).toBeLessThan(100);
    // What the bound lets through stays a few megabytes.
    const allowed = await graphql(server.url, aliases(4), { p: paths.slice(0, 2), w: widths });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.text.length).toBeLessThan(4_000_000);
  });

  it('counts placeholders as renders', async () => {
    const strict = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--max-cost', '200'], env);
    try {
      const document = `{ ${Array.from({ length: 20 }, (_, i) => `r${i}: responsive(path: "photo", widths: [${100 + i}]) { placeholder { color } }`).join(' ')} }`;
      const answer = await graphql(strict.url, document);
      expect(answer.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
      expect(strict.app.previews.rendered()).toBe(0);
      const withoutPlaceholders = document.replaceAll('placeholder { color }', 'src');
      expect((await graphql(strict.url, withoutPlaceholders)).errors).toBeUndefined();
    } finally {
      await strict.close();
    }
  });

  it('hides schema names in suggestions when introspection is off', async () => {
    const production = await spawnServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'prod-cache'), '--precache', 'false'], { ...env, NODE_ENV: 'production' }, root);
    try {
      const answer = await graphql(production.address, '{ imag(path: "photo") { widt } }');
      expect(answer.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(answer.text).not.toContain('Did you mean');
      expect(answer.text).not.toMatch(/"image"|width/);
      const coerced = await graphql(production.address, 'query ($f: ImageFormat) { image(path: "photo", format: $f) { url } }', { f: 'WEB' });
      expect(coerced.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
      expect(coerced.text).not.toContain('Did you mean');
      expect(coerced.text).not.toContain('WEBP');
    } finally {
      expect(await production.stop()).toBe(0);
    }
  });
});

// Pieces of documents, valid and not: fields of the schema, unknown ones, arguments of every type.
const argument = fc.oneof(
  fc.constantFrom('path: "photo"', 'path: "../etc/passwd"', 'path: ""', 'width: 0', 'width: 99999', 'width: -1', 'width: "wide"', 'format: AUTO', 'format: GIF', 'quality: 101', 'fit: COVER', 'paths: []', 'paths: ["photo", "x"]', 'widths: [1, 2, 3]', 'enlarge: true', 'preset: "none"', 'position: ATTENTION'),
  fc.string({ maxLength: 12 }).map((text) => `path: ${JSON.stringify(text)}`),
  fc.integer().map((n) => `width: ${n}`),
);
const leaf = fc.constantFrom('url', 'width', 'height', 'format', 'contentType', 'source', 'path', 'quality', 'srcSet', '__typename', 'nope');
const selection: fc.Arbitrary<string> = fc.letrec<{ field: string }>((tie) => ({
  field: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .tuple(
        fc.option(fc.constantFrom('a', 'b', 'c')),
        fc.constantFrom('image', 'images', 'responsive', 'imagePresets', 'cacheStats', 'candidates', 'placeholder', 'sources', 'unknown'),
        fc.array(argument, { maxLength: 3 }),
        fc.array(tie('field'), { minLength: 1, maxLength: 4 }),
      )
      .map(([alias, name, args, inner]) => `${alias ? `${alias}: ` : ''}${name}${args.length ? `(${args.join(', ')})` : ''} { ${inner.join(' ')} }`),
  ),
})).field;
const document = fc.oneof(
  fc.array(selection, { minLength: 1, maxLength: 4 }).map((fields) => `{ ${fields.join(' ')} }`),
  fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 8 }), selection).map(([levels, fanOut, field]) => fragmentBomb(levels, fanOut, field)),
  fc.string({ maxLength: 200 }),
  fc.array(selection, { minLength: 1, maxLength: 3 }).map((fields) => `mutation { ${fields.join(' ')} }`),
);

describe('generated GraphQL documents', () => {
  it('never answer 500 or an unexpected error, and never block the server for long', async () => {
    const codes = new Set<string>();
    const { blockedMs } = await longestBlock(() =>
      fc.assert(
        fc.asyncProperty(document, async (query) => {
          const answer = await graphql(server.url, query);
          expect(answer.status).toBeLessThan(500);
          for (const error of answer.errors ?? []) {
            expect(error.extensions.code).not.toBe('INTERNAL_SERVER_ERROR');
            codes.add(error.extensions.code);
          }
        }),
        { numRuns: 300 },
      ),
    );
    expect(codes).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(blockedMs).toBeLessThan(100);
  });
});

describe('hostile JSON bodies', () => {
  it('refuses a body nested deeper than 64 levels before parsing it, and still answers a plain one', async () => {
    const deep = `{"query":"{ __typename }","variables":{"p":${'['.repeat(400_000)}${']'.repeat(400_000)}}}`;
    const { result, blockedMs } = await longestBlock(() => fetchBody(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep }));
    expect(result.status).toBe(400);
    expect(result.json()).toEqual({ code: 'BAD_USER_INPUT', message: 'Expected a JSON body nested at most 64 levels deep' });
    expect(blockedMs).toBeLessThan(100);
    const nested = `{"query":"{ __typename }","variables":{"p":${'['.repeat(60)}"[[[["${']'.repeat(60)}}}`;
    expect((await fetchBody(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: nested })).json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses prototype poisoning as before', async () => {
    const response = await fetchBody(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }","__proto__":{"polluted":true}}' });
    expect(response.status).toBe(400);
  });
});
