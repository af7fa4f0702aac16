import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The import directions of docs/architecture.md ("A map of bot/"): each folder may import only the
// folders listed here (besides shared/ and the root helpers config, errors, logger, clock).
// Entry points (app, cli, main) are imported by nobody; services only as a type.
const BOT_FOLDERS = ['store', 'presenters', 'rules', 'ingest', 'graph', 'feeds', 'demo', 'commands', 'teams', 'api', 'jobs'];
const BOT_ALLOWED = {
  store: [],
  presenters: [],
  rules: ['store'],
  ingest: ['store'],
  graph: ['store'],
  feeds: ['store', 'ingest'],
  demo: ['store'],
  commands: ['store', 'presenters', 'rules', 'ingest'],
  teams: ['store', 'presenters', 'commands'],
  api: ['store', 'commands'],
  jobs: ['store', 'graph', 'feeds', 'commands', 'rules', 'teams', 'ingest'],
};
const TYPE_ONLY = { presenters: ['store'] };
const botDirections = BOT_FOLDERS.map((folder) => {
  const forbidden = BOT_FOLDERS.filter((other) => other !== folder && !BOT_ALLOWED[folder].includes(other));
  const typeOnly = TYPE_ONLY[folder] ?? [];
  return {
    files: [`bot/${folder}/**/*.ts`],
    ignores: ['bot/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbidden
              .filter((other) => !typeOnly.includes(other))
              .map((other) => ({
                group: [`../${other}/*`, `../../${other}/*`, `../${other}`, `../../${other}`],
                message: `bot/${folder}/ may not import bot/${other}/ (see the map in docs/architecture.md).`,
              })),
            ...typeOnly.map((other) => ({
              group: [`../${other}/*`, `../../${other}/*`],
              allowTypeImports: true,
              message: `bot/${folder}/ may import only types from bot/${other}/ (see docs/architecture.md).`,
            })),
            { group: ['../app', '../cli', '../main', '../../app', '../../cli', '../../main'], message: 'Nothing imports an entry point.' },
            {
              group: ['../services', '../../services'],
              allowTypeImports: true,
              message: 'Services are built by the composition root and passed down.',
            },
          ],
        },
      ],
    },
  };
});

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
  ...botDirections,
  { files: ['tab/src/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['bot/cli.ts', 'bench/**/*.ts', 'manifest/**/*.ts', 'bin/**/*.js', 'tests/**/*.ts'], rules: { 'no-console': 'off' } },
  { files: ['bin/**/*.js', '*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
