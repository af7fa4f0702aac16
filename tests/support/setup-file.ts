import { adoptSqliteErrors } from './sqlite-errors';

// Runs before each test file, in that file's realm (jest.config.js, setupFiles).
adoptSqliteErrors();
