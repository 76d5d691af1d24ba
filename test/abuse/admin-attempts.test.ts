import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makeSource } from '../helpers/images';
import { graphql, startServer, type TestServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const imagesDir = path.join(root, 'images');
const auditFile = path.join(root, 'audit.jsonl');
const TOKEN = 'ops-token-0123456789abcdef';
const WRONG = 'guess-0123456789abcdef-guess';
let server: TestServer;

beforeAll(async () => {
  await makeSource(imagesDir, 'photo.jpg', { width: 60, height: 40 });
  server = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache'), '--audit-file', auditFile, '--rate-limit-admin', '30/1m'], {
    GOIMGSERVER_SIGNING_SECRET: 'admin-attempts-secret-0123456789abcdef',
    GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}`,
  });
});
afterAll(() => server.close());

const FIELDS = ['{ cacheStats { files } }', '{ syncStatus { repository } }', 'mutation { clearCache { clearedFiles } }', 'mutation { syncImages { updated } }'];

describe('guessing administrator tokens', () => {
  it('shares one budget per client across every administrative field', async () => {
    const codes: string[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      const answer = await graphql(server.url, FIELDS[attempt % FIELDS.length] as string, {}, { authorization: `Bearer ${WRONG}${attempt}` });
      codes.push(answer.errors?.[0]?.extensions.code ?? 'none');
    }
    expect(codes.slice(0, 30)).toEqual(Array(30).fill('FORBIDDEN'));
    expect(codes.slice(30)).toEqual(Array(10).fill('RATE_LIMITED'));
  });

  it('counts aliases of several administrative fields in one request together', async () => {
    const other = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache2'), '--rate-limit-admin', '5/1m'], {
      GOIMGSERVER_SIGNING_SECRET: 'admin-attempts-secret-0123456789abcdef',
      GOIMGSERVER_ADMIN_TOKENS: `ops:${TOKEN}`,
    });
    try {
      const wrong = { authorization: `Bearer ${WRONG}` };
      await graphql(other.url, '{ a: cacheStats { files } b: syncStatus { repository } c: cacheStats { bytes } d: syncStatus { branch } }', {}, wrong);
      // Four counted: one attempt left of five.
      expect((await graphql(other.url, FIELDS[0] as string, {}, wrong)).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      expect((await graphql(other.url, FIELDS[2] as string, {}, wrong)).errors?.[0]?.extensions.code).toBe('RATE_LIMITED');
    } finally {
      await other.close();
    }
  });

  it('audits every refused attempt with its code and client, never the token', () => {
    const lines = readFileSync(auditFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(40);
    expect(lines[0]).toMatchObject({ admin: null, client: '127.0.0.1', action: 'cacheStats', outcome: 'refused', code: 'FORBIDDEN' });
    expect(lines[39]).toMatchObject({ admin: null, action: 'syncImages', outcome: 'refused', code: 'RATE_LIMITED' });
    const logged = server.logs.filter((line) => line.msg === 'admin action');
    expect(logged).toHaveLength(40);
    expect(readFileSync(auditFile, 'utf8') + JSON.stringify(server.logs)).not.toContain('guess-0123456789abcdef');
  });

  it('audits an attempt with no token as UNAUTHENTICATED', async () => {
    const fresh = await startServer(['--imagesdir', imagesDir, '--cachedir', path.join(root, 'cache3')], { GOIMGSERVER_SIGNING_SECRET: 'admin-attempts-secret-0123456789abcdef' });
    try {
      await graphql(fresh.url, 'mutation { clearCache { clearedFiles } }');
      expect(fresh.logs.filter((line) => line.msg === 'admin action').map((line) => line.audit)).toEqual([
        { admin: null, client: '127.0.0.1', action: 'clearCache', args: {}, outcome: 'refused', code: 'UNAUTHENTICATED', ms: 0 },
      ]);
    } finally {
      await fresh.close();
    }
  });
});
