import { sql } from 'kysely';
import { upsertCounts } from '../../bot/store/activity.repository';
import { insertDepartment } from '../../bot/store/department.repository';
import { insertImport } from '../../bot/store/import.repository';
import { replaceScopeCounts } from '../../bot/store/import-count.repository';
import { insertStudents, type Student } from '../../bot/store/student.repository';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';

// The keys of activity_counts and import_counts: real foreign keys on SQLite, statement triggers on PostgreSQL
// (migration 0021). Both must refuse a count for nobody, follow a deleted student or import, and never leave a
// count behind for a student erased while an import writes theirs.
const NOW = '2026-12-01T06:00:00.000Z';
const student = (id: string): Student => ({
  id,
  departmentId: 'd',
  givenName: 'Test',
  familyName: id,
  email: null,
  entraId: null,
  programme: 'Physics',
  year: 1,
  status: 'active',
  tutorId: null,
});
const run = (id: string) => ({
  id,
  source: 'moodle_login',
  fileName: `${id}.csv`,
  fileHash: null,
  periodStart: '2026-11-02',
  periodEnd: '2026-11-08',
  rowsRead: 0,
  rowsCounted: 0,
  rowsIgnored: 0,
  rowsRejected: 0,
  status: 'succeeded' as const,
  errors: [],
  startedAt: NOW,
  finishedAt: NOW,
});
const importCounts = (t: TestDatabase, importId: string, studentIds: string[]) =>
  t.db.transaction().execute((trx) =>
    replaceScopeCounts(trx, {
      importId,
      source: 'moodle_login',
      scope: 'site',
      start: '2026-11-02',
      end: '2026-11-08',
      counts: studentIds.map((studentId) => ({ studentId, day: '2026-11-04', count: 2 })),
    }),
  );
const rowsOf = async (t: TestDatabase, table: 'activity_counts' | 'import_counts' | 'activity_weeks', studentId: string) =>
  (await t.db.selectFrom(table).select('student_id').where('student_id', '=', studentId).execute()).length;

describe.each(DATABASE_KINDS)('keys of the counts on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await insertDepartment(t.db, { id: 'd', name: 'd', isDemo: false }, NOW);
    await insertStudents(t.db, [student('s1'), student('s2')], NOW);
  });
  afterEach(async () => t.drop());

  it('refuse a count for a student or an import that does not exist, and store nothing of that write', async () => {
    await expect(upsertCounts(t.db, [{ studentId: 'nobody', day: '2026-11-04', source: 'moodle_login', count: 1 }])).rejects.toThrow(
      /foreign key/i,
    );
    await insertImport(t.db, run('i1'));
    await expect(importCounts(t, 'i1', ['s1', 'nobody'])).rejects.toThrow(/foreign key/i);
    await expect(
      sql`insert into import_counts (import_id, student_id, day, source, count) values ('no-import', 's1', '2026-11-04', 'moodle_login', 1)`.execute(
        t.db,
      ),
    ).rejects.toThrow(/foreign key/i);
    expect(await rowsOf(t, 'activity_counts', 's1')).toBe(0);
    expect(await rowsOf(t, 'import_counts', 's1')).toBe(0);
    expect(await rowsOf(t, 'activity_weeks', 's1')).toBe(0);
  });

  it("take a deleted student's counts and weekly rows, and a deleted import's contributions, with them", async () => {
    await insertImport(t.db, run('i1'));
    await importCounts(t, 'i1', ['s1', 's2']);
    expect(await rowsOf(t, 'activity_weeks', 's1')).toBe(1);
    await sql`delete from students where id = 's1'`.execute(t.db);
    expect([
      await rowsOf(t, 'activity_counts', 's1'),
      await rowsOf(t, 'import_counts', 's1'),
      await rowsOf(t, 'activity_weeks', 's1'),
    ]).toEqual([0, 0, 0]);
    await sql`delete from imports where id = 'i1'`.execute(t.db);
    expect(await rowsOf(t, 'import_counts', 's2')).toBe(0);
    expect(await rowsOf(t, 'activity_counts', 's2')).toBe(1);
  });

  it('refuse to change the id of a student whose counts are held', async () => {
    await upsertCounts(t.db, [{ studentId: 's1', day: '2026-11-04', source: 'moodle_login', count: 1 }]);
    await expect(sql`update students set id = 's9' where id = 's1'`.execute(t.db)).rejects.toThrow(/foreign key|counts still name/i);
  });

  if (kind === 'postgres')
    it('leave no count behind for a student erased while an import writes theirs (the erasure waits, then takes them)', async () => {
      await insertImport(t.db, run('i1'));
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let written: () => void = () => undefined;
      const wrote = new Promise<void>((resolve) => (written = resolve));
      const importing = t.db.transaction().execute(async (trx) => {
        await replaceScopeCounts(trx, {
          importId: 'i1',
          source: 'moodle_login',
          scope: 'site',
          start: '2026-11-02',
          end: '2026-11-08',
          counts: [{ studentId: 's1', day: '2026-11-04', count: 2 }],
        });
        written();
        await held;
      });
      await wrote;
      const erasing = sql`delete from students where id = 's1'`.execute(t.db);
      let waiting = -1;
      try {
        // The erasure waits on the import's lock on the student.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where wait_event_type = 'Lock' and query like 'delete from students%'`.execute(t.db);
        waiting = r.rows[0]?.n ?? 0;
      } finally {
        release();
      }
      await importing;
      await erasing;
      expect(waiting).toBeGreaterThanOrEqual(1);
      expect([
        await rowsOf(t, 'activity_counts', 's1'),
        await rowsOf(t, 'import_counts', 's1'),
        await rowsOf(t, 'activity_weeks', 's1'),
      ]).toEqual([0, 0, 0]);
    });
});
