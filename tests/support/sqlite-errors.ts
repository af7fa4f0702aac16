import { createRequire } from 'node:module';

/** The flag by which better-sqlite3 hands its native addon the SqliteError constructor only once. */
interface SqliteAddon {
  isInitialized?: boolean;
}

/** The native addon better-sqlite3 loads: Node loads a native file once per process and hands every caller the same object. */
function sqliteAddon(): SqliteAddon {
  const nodeRequire = createRequire(__filename);
  return nodeRequire(nodeRequire.resolve('better-sqlite3/build/Release/better_sqlite3.node')) as SqliteAddon;
}

/**
 * Jest runs each test file in a realm of its own (its own globals, its own Error), but better-sqlite3's native
 * addon is loaded once per worker process, and the addon keeps the SqliteError constructor of whichever file first
 * opened a database (lib/database.js hands it over once, then sets `isInitialized`). In every later file of the
 * same worker, SQLite's errors were built from an earlier realm's SqliteError: not `instanceof Error` there, so
 * expect's `rejects.toThrow` answered "Received function did not throw" for a write SQLite had refused (a foreign
 * key, for one), and any `instanceof Error` in the code under test saw a plain object. Run before each test file
 * (jest.config.js, setupFiles), this clears the flag, so the file's own better-sqlite3 hands the addon its own
 * SqliteError, as in production, where there is only one realm.
 */
export function adoptSqliteErrors(): void {
  sqliteAddon().isInitialized = false;
}
