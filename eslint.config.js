const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

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
  { files: ['playground/**/*.js'], languageOptions: { globals: { document: 'readonly', location: 'readonly', localStorage: 'readonly', Worker: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', globalThis: 'readonly' } } },
  { files: ['**/*.js'], languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', Buffer: 'readonly', process: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
