import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '.peek/**', 'node_modules/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-control-regex': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Product code: no `any` (unknown + narrowing, generics, zod inference). Tests, benches and
    // scripts may use it for fakes and probes.
    files: ['src/**', 'components/**', 'screens/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    // zod by name only (src/domain/zod.ts says why: the namespace import bundles every locale).
    files: ['src/**', 'components/**', 'screens/**'],
    ignores: ['src/domain/zod.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'zod', message: "import * as z from '<…>/domain/zod.js' (src/domain/zod.ts): the bundle keeps only the parts named there" }] }] },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // While the TUI runs, Ink is the only writer to the terminal.
    files: ['components/**', 'screens/**'],
    rules: { 'no-console': 'error' },
  },
);
