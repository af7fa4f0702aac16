import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { AppError } from '../../bot/errors';
import { createDatabase, migrateToLatest, retryWhileSqliteBusy, type Db } from '../../bot/store/database';
import { insertDepartment } from '../../bot/store/department.repository';

jest.setTimeout(60_000);

describe('a write on a SQLite file another process holds', () => {
  let dir: string;
  let db: Db;
  let other: SqliteDatabase.Database;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'em-sqlite-busy-'));
    db = createDatabase({ kind: 'sqlite', path: join(dir, 'engagement.sqlite') });
    await migrateToLatest(db);
    other = new SqliteDatabase(join(dir, 'engagement.sqlite'));
    other.exec('begin immediate');
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('rollback');
    other.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = () => insertDepartment(db, { id: 'd1', name: 'Physics', isDemo: false }, new Date().toISOString());

  it('when the other writer finishes after the 5 s busy timeout, then the write is tried again and goes through', async () => {
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        other.exec('commit');
        resolve();
      }, 6500),
    );
    await retryWhileSqliteBusy(write, 'the import of log.csv');
    await released;
    expect(await db.selectFrom('departments').select('id').execute()).toEqual([{ id: 'd1' }]);
  });

  it('when the other writer holds on past the wait, then it is a database_busy error in words, with nothing stored', async () => {
    const failure = await retryWhileSqliteBusy(write, 'the import of log.csv', 1000).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'database_busy' });
    expect((failure as AppError).message).toMatch(
      /^The SQLite database stayed busy with another writer \(another import or process\) for \d+ s, so the import of log\.csv could not be written; nothing of it was stored\. Run it again when the other writer has finished\.$/,
    );
    other.exec('rollback');
    expect(await db.selectFrom('departments').select('id').execute()).toEqual([]);
  });
});
