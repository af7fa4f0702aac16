import { sql } from 'kysely';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { freshenPlannerStatistics } from '../../bot/store/import-count.repository';

const ROWS = 40_000;

describe.each(DATABASE_KINDS)('planner statistics before an import writes, on %s', (kind) => {
  let t: TestDatabase;
  const student = buildStudent();
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedPeople(t.db, { students: [student] });
  });
  afterEach(async () => t.drop());

  /** What the planner believes activity_counts holds: PostgreSQL's reltuples (-1 until first analysed), or null on SQLite. */
  const believedRows = async (): Promise<number | null> => {
    if (kind !== 'postgres') return null;
    const { rows } = await sql<{ n: number }>`select reltuples::float8 as n from pg_class
      where relname = 'activity_counts' and relnamespace = current_schema()::regnamespace`.execute(t.db);
    return rows[0]!.n;
  };

  it('when a large import has just filled the tables, then they are analysed once, and not again while nothing has grown', async () => {
    expect(await freshenPlannerStatistics(t.db)).toEqual([]);
    // 40,000 counts of one student on successive days, as one statement writes them.
    const days = Array.from({ length: ROWS }, (_, n) => new Date(Date.UTC(1950, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
    for (let i = 0; i < ROWS; i += 5_000)
      await t.db
        .insertInto('activity_counts')
        .values(days.slice(i, i + 5_000).map((day) => ({ student_id: student.id, day, source: 'moodle_login', count: 1 })))
        .execute();
    if (kind === 'sqlite') {
      // SQLite's planner needs no statistics for these lookups: nothing to do.
      expect(await freshenPlannerStatistics(t.db)).toEqual([]);
      return;
    }
    expect(await believedRows()).toBeLessThan(1);
    expect(await freshenPlannerStatistics(t.db)).toContain('activity_counts');
    expect(await believedRows()).toBeGreaterThan(ROWS * 0.9);
    expect(await believedRows()).toBeLessThan(ROWS * 1.1);
    expect(await freshenPlannerStatistics(t.db)).toEqual([]);
  });
});
