/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared', '<rootDir>/bot', '<rootDir>/tests', '<rootDir>/manifest'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // @microsoft/app-manifest (the manifest tests) requires strip-bom, which ships only as an ES module.
    '/node_modules/strip-bom/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!strip-bom/)'],
  // Each test file's SQLite errors are built in its own realm: see tests/support/sqlite-errors.ts.
  setupFiles: ['<rootDir>/tests/support/setup-file.ts'],
  testTimeout: 60000,
  // Store and browser tests share one PostgreSQL and one Chromium: keep the machine's 2 cores calm.
  maxWorkers: 2,
};
