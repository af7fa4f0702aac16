import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules', 'build', 'data', 'tab/dist', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', 'process', 'window', 'document'],
      'no-restricted-imports': ['error', { patterns: ['../bot/*', '../tab/*', '**/bot/**', '**/tab/**', 'node:*', 'fs', 'path'] }],
    },
  },
  { files: ['tab/src/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['bot/cli.ts', 'bench/**/*.ts', 'manifest/**/*.ts', 'bin/**/*.js', 'tests/**/*.ts'], rules: { 'no-console': 'off' } },
  { files: ['bin/**/*.js', '*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
