// Bundles the admin playground (playground/main.js: GraphiQL, React, Monaco and its three
// workers) into dist/playground, so the server serves it with no CDN. Run by `npm run build`.
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');

esbuild
  .build({
    absWorkingDir: root,
    entryPoints: {
      playground: 'playground/main.js',
      'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
      'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
      'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
    },
    outdir: 'dist/playground',
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    loader: { '.ttf': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'warning',
  })
  .catch(() => process.exit(1));
