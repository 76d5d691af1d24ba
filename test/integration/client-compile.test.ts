import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/temp';

const ROOT = path.resolve(__dirname, '../..');
const root = tempDir('goimgserver-client-app-');

// The settings a careful app turns on (Vite's TypeScript templates turn on the last four): code
// written without them breaks under them (an optional option without `| undefined`, a
// parameter property).
const STRICT = {
  target: 'ES2022',
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  noEmit: true,
  types: ['node'],
  verbatimModuleSyntax: true,
  erasableSyntaxOnly: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
};

const MODES = {
  bundler: { compilerOptions: { ...STRICT, lib: ['ES2022', 'DOM'], module: 'ESNext', moduleResolution: 'Bundler' }, packageType: undefined },
  // Node alone, without DOM's lib: fetch and its types come from @types/node.
  nodenext: { compilerOptions: { ...STRICT, lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext' }, packageType: 'module' },
} as const;

/** The README's typed-client example, so that the test follows it and it cannot drift. */
function readmeExample(): { code: string; section: string } {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^### /m).find((part) => part.startsWith('A typed client'));
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!section || !code) throw new Error('README.md has no ts block under "A typed client"');
  return { code, section };
}

let apps = 0;

/**
 * A fresh app with a copy of client/ and app.ts, whose node_modules holds only TypeScript and
 * the packages the README tells users to install, so that an undeclared import fails. Their
 * own dependencies (graphql, the peer whose types the typed-document package names; undici's
 * types for @types/node) resolve from the links' real folder, as npm would install them.
 */
function makeApp(mode: keyof typeof MODES, source: string): string {
  const dir = path.join(root, `app-${(apps += 1)}-${mode}`);
  cpSync(path.join(ROOT, 'client'), path.join(dir, 'client'), { recursive: true });
  mkdirSync(path.join(dir, 'node_modules/@types'), { recursive: true });
  for (const name of ['typescript', '@graphql-typed-document-node', '@types/node']) {
    symlinkSync(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name));
  }
  const { compilerOptions, packageType } = MODES[mode];
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, ...(packageType ? { type: packageType } : {}) }));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['app.ts', 'client'] }));
  writeFileSync(path.join(dir, 'app.ts'), source);
  return dir;
}

/** Runs this repository's tsc on the app; the exit code and what it printed. */
function compile(dir: string): Promise<{ code: number; output: string }> {
  const tsc = path.join(dir, 'node_modules/typescript/bin/tsc');
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', dir], { cwd: dir }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

// Beyond the example: DateTimeISO fields are strings (codegen.yml's scalars), and optional
// variables take a value that may be undefined, as the options do.
const MORE = `
const status = await admin.syncStatus();
const lastSyncAt: string | null = status.lastSyncAt;
console.log(lastSyncAt);
await admin.clearCache({ path: process.env.IMAGE_PATH });
`;

describe('the typed client copied into a fresh app', () => {
  const example = readmeExample();

  it('compiles the README example with moduleResolution bundler, importing ./client as written', async () => {
    const result = await compile(makeApp('bundler', example.code + MORE));
    expect(result).toEqual({ code: 0, output: '' });
  }, 60_000);

  it('compiles the README example with NodeNext in an ES module package, importing ./client/index.js as the README says', async () => {
    expect(example.section).toContain('import `./client/index.js`');
    const imports = example.code.match(/from '\.\/client'/g) ?? [];
    expect(imports).toHaveLength(1);
    const code = example.code.replace(`from './client'`, `from './client/index.js'`);
    const result = await compile(makeApp('nodenext', code + MORE));
    expect(result).toEqual({ code: 0, output: '' });
  }, 60_000);

  it('fails on a wrong argument type and on a package the README does not ask for', async () => {
    const app = `import type { DocumentNode } from 'graphql';
import { createClient } from './client/index.js';

const images = createClient({ url: 'http://localhost:9000/graphql' });
export const image = await images.image({ path: 'landscape', width: '300' });
export type Document = DocumentNode;
`;
    const result = await compile(makeApp('nodenext', app));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/app\.ts\(5,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
    expect(result.output).toMatch(/app\.ts\(1,\d+\): error TS2307: Cannot find module 'graphql'/);
  }, 60_000);
});
