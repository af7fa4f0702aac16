import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const REALMS = 'tests/support/realms';

// Jest gives each test file a realm of its own, while better-sqlite3's native addon is loaded once per worker and
// builds SQLite's errors with the SqliteError of the first file that opened a database (tests/support/sqlite-errors.ts).
// Run in one worker after a file that opened SQLite, a refused write used to reach the next file as a plain object:
// `rejects.toThrow` reported that nothing was thrown, as if the foreign key had let a count for nobody in.
it('a write SQLite refuses reaches a later test file of the same jest worker as an Error of its own', async () => {
  const files = [`${REALMS}/open-sqlite.realm.ts`, `${REALMS}/refused-write.realm.ts`];
  const run = await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--runInBand',
      '--ci',
      '--testMatch',
      '**/*.realm.ts',
      '--testSequencer',
      join(ROOT, REALMS, 'in-order.js'),
      ...files,
    ],
    { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } },
  ).catch((error: { stdout: string; stderr: string }) => ({ stdout: error.stdout, stderr: error.stderr }));
  // Both files ran, in this order, in one process, and both passed.
  expect(run.stderr.match(/^(PASS|FAIL) \S+/gm)).toEqual(files.map((file) => `PASS ${file}`));
  expect(run.stderr).toMatch(/Tests:\s+2 passed, 2 total/);
});
