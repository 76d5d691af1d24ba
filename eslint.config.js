const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

// One owner per library: importing it anywhere else fails lint. Folders end in `/`.
const LIBRARY_OWNERS = {
  sharp: ['src/images/transform.ts'],
  thumbhash: ['src/images/hashes.ts'],
  blurhash: ['src/images/hashes.ts'],
  'exif-reader': ['src/images/exif.ts'],
  yaml: ['src/images/meta.ts'],
  'simple-git': ['src/git/'],
  ioredis: ['src/replicas/redis.ts'],
  '@aws-sdk/client-s3': ['src/stores/s3.ts'],
  fastify: ['src/http/'],
  // The domain and everything below the transports know no HTTP server.
  'node:http': ['src/http/'],
  // Render processes are started in one place.
  'node:child_process': ['src/images/render-pool.ts'],
  http: ['src/http/'],
  'prom-client': ['src/http/metrics.ts'],
  pino: ['src/main.ts', 'src/app.ts', 'src/http/'],
  '@apollo/server': ['src/graphql/'],
  // Apollo's own choice of a response's type, made once before anything runs.
  negotiator: ['src/graphql/apollo.ts'],
  'type-graphql': ['src/graphql/'],
  dataloader: ['src/graphql/'],
  graphql: ['src/graphql/', 'src/auth/', 'src/http/graphql-route.ts'],
  'graphql-shield': ['src/auth/'],
  'graphql-middleware': ['src/auth/'],
  'graphql-rate-limit': ['src/auth/'],
  'graphql-scalars': ['src/graphql/'],
  // Loaded once, before the type-graphql classes whose decorators read it: schema.ts imports them all.
  'reflect-metadata': ['src/graphql/schema.ts'],
};

// What each folder of the server may not reach: the domain (images/) and git know no
// transport, no GraphQL, no shield; nothing below the transports reaches up into them.
const TRANSPORTS = ['http', 'graphql', 'app', 'main'];
const FORBIDDEN_FOLDERS = {
  'src/images/': [...TRANSPORTS, 'auth', 'git', 'signing', 'config', 'stores'],
  'src/git/': [...TRANSPORTS, 'auth', 'images', 'signing', 'config'],
  'src/signing/': [...TRANSPORTS, 'auth', 'git', 'config'],
  'src/auth/': [...TRANSPORTS, 'images', 'git', 'signing'],
  'src/config/': [...TRANSPORTS, 'auth', 'git', 'signing'],
  'src/fs/': [...TRANSPORTS, 'auth', 'git', 'signing', 'config', 'images'],
  // Coordination between replicas knows no transport and no image: app.ts hands it what to clear.
  'src/replicas/': [...TRANSPORTS, 'git', 'signing', 'config', 'images'],
  // Where a shared cache keeps bytes: adapters of the domain's DerivativeStore, which app.ts wires.
  'src/stores/': [...TRANSPORTS, 'auth', 'git', 'signing', 'config', 'replicas'],
  'src/graphql/': ['http', 'app', 'main'],
  'src/http/': ['app', 'main'],
  'src/': [],
};

// The transports reach into images/ through its use cases alone, and through type-only imports
// of what those take and answer; each adapter of one use case reaches through that one only.
const TRANSPORT_FOLDERS = ['src/http/', 'src/graphql/'];
const USE_CASES = ['serve', 'describe', 'browse', 'invalidation'];
const USE_CASE_ADAPTERS = {
  'src/http/image-route.ts': 'serve',
  'src/http/hot-path.ts': 'serve',
  'src/graphql/image-describer.ts': 'describe',
  'src/graphql/browser.ts': 'browse',
};

const owns = (owner, file) => (owner.endsWith('/') ? file.startsWith(owner) : file === owner);

/** The no-restricted-imports rule for a file (or any file of a folder, given as `folder/x.ts`). */
function boundaries(file) {
  const folder = Object.keys(FORBIDDEN_FOLDERS).find((prefix) => file.startsWith(prefix));
  const foreign = Object.entries(LIBRARY_OWNERS).filter(([, owners]) => !owners.some((owner) => owns(owner, file)));
  const message = (library, owners) => `${library} belongs to ${owners.join(', ')}.`;
  // A bare name as a pattern would also match a folder of that name (./graphql/...): names are exact paths, subpaths anchored patterns.
  const paths = foreign.map(([library, owners]) => ({ name: library, message: message(library, owners) }));
  const libraries = foreign.map(([library, owners]) => ({ group: [`/${library}/*`], message: message(library, owners) }));
  // From src/ itself the folders are ./name; from inside one, ../name at any depth.
  const up = folder === 'src/' ? '\\./' : '(\\.\\./)+';
  const folders = FORBIDDEN_FOLDERS[folder].map((name) => ({ regex: `^${up}${name}(/|$)`, message: `${folder} may not import ${name}/: see the layering in eslint.config.js.` }));
  // A path that climbs out of src/ and back in would get past the folder rules above.
  const detour = { regex: '^(\\.\\./)+src(/|$)', message: 'Imports within src/ name the folder from where they are, never by way of src/.' };
  const useCase = USE_CASE_ADAPTERS[file];
  // An adapter's rule is stricter than its folder's, and stands alone: a type import that an
  // allowTypeImports pattern lets through is checked against no other pattern.
  const domain = useCase
    ? [{ regex: `^\\.\\./images/(?!${useCase}$)`, message: `${file} reaches the domain through images/${useCase} only.` }]
    : TRANSPORT_FOLDERS.includes(folder)
      ? [{ regex: `^(\\.\\./)+images/(?!(${USE_CASES.join('|')})$)`, allowTypeImports: true, message: `${folder} reaches the domain through its use cases (images/${USE_CASES.join(', images/')}) and type-only imports.` }]
      : [];
  // typescript-eslint's version of the rule, for allowTypeImports.
  return { '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns: [...libraries, ...folders, detour, ...domain] }] };
}

const boundaryBlocks = [
  ...Object.keys(FORBIDDEN_FOLDERS).map((folder) => ({ files: [folder === 'src/' ? 'src/*.ts' : `${folder}**/*.ts`], rules: boundaries(`${folder}x.ts`) })),
  // Files that own a library, and the use-case adapters, get their own list, which replaces their folder's.
  ...[...new Set([...Object.values(LIBRARY_OWNERS).flat().filter((owner) => !owner.endsWith('/')), ...Object.keys(USE_CASE_ADAPTERS)])].map((file) => ({
    files: [file],
    rules: boundaries(file),
  })),
];

module.exports = tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'cache/', 'client/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  ...boundaryBlocks,
  // A dynamic import() is not checked by the boundaries: only where a module must load late.
  {
    files: ['src/**/*.ts'],
    // main.ts loads the app after sizing libuv's pool; hashes.ts loads an ES-module-only library;
    // app.ts loads the coordination of replicas (and its Redis client), and the S3 store (and the
    // AWS SDK), only when they are configured.
    ignores: ['src/main.ts', 'src/images/hashes.ts', 'src/app.ts'],
    rules: { 'no-restricted-syntax': ['error', { selector: 'ImportExpression', message: 'Import statically, so that the import boundaries see it.' }] },
  },
  { files: ['playground/**/*.js'], languageOptions: { globals: { document: 'readonly', location: 'readonly', localStorage: 'readonly', Worker: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', globalThis: 'readonly' } } },
  { files: ['**/*.js'], languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', Buffer: 'readonly', process: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
