import fc from 'fast-check';
import { sql } from 'kysely';
import { SOURCES, type IsoDay, type Source } from '../../shared/domain';
import { addDays, lastTermDays, type Term } from '../../shared/calendar';
import { evaluateRules } from '../../shared/rules/evaluate';
import { DEFAULT_RULES_CONFIG, requiredWindows } from '../../shared/rules/config';
import type { SummarisedActivity } from '../../shared/rules/types';
import {
  summariseDepartmentActivity,
  summariseDepartmentActivityByDay,
  upsertCounts,
  weekOf,
  type ActivityCount,
} from '../../bot/store/activity.repository';
import { replaceScopeCounts, supersedeImport } from '../../bot/store/import-count.repository';
import { insertDepartment } from '../../bot/store/department.repository';
import { insertStudents, listStudentsForRules, type Student } from '../../bot/store/student.repository';
import { insertTerm, listTerms } from '../../bot/store/calendar.repository';
import { insertImport, loadCoverage } from '../../bot/store/import.repository';
import { listDepartmentExemptions } from '../../bot/store/exemption.repository';
import type { Db } from '../../bot/store/database';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';

const NOW = '2026-12-01T06:00:00.000Z';
const TERMS: Term[] = [
  { name: 'Autumn', start: '2026-09-28', end: '2026-12-11', excluded: [{ start: '2026-11-02', end: '2026-11-08', label: 'Reading week' }] },
  { name: 'Spring', start: '2027-01-11', end: '2027-03-26', excluded: [{ start: '2027-02-15', end: '2027-02-19', label: 'Reading week' }] },
];
const FIRST_DAY = '2026-08-20';
const SPAN = 230; // days of counts from FIRST_DAY, to beyond the spring reading week
const STUDENTS = 24;

const student = (i: number, departmentId: string): Student => ({
  id: `${departmentId}-s${i}`,
  departmentId,
  givenName: 'Test',
  familyName: `Student ${i}`,
  email: null,
  entraId: null,
  programme: 'Physics',
  year: 1,
  status: 'active',
  tutorId: null,
});

const countArb = fc.record({
  student: fc.integer({ min: 0, max: STUDENTS + 1 }), // the last two belong to another department
  day: fc.integer({ min: 0, max: SPAN }),
  source: fc.constantFrom(...SOURCES),
  count: fc.integer({ min: 0, max: 6 }),
});

const toCount = (c: { student: number; day: number; source: Source; count: number }): ActivityCount => ({
  studentId: c.student < STUDENTS ? `d-s${c.student}` : `other-s${c.student}`,
  day: addDays(FIRST_DAY, c.day),
  source: c.source,
  count: c.count,
});

/** The weekly rows as they must be: each week's positive daily counts, Monday first; weeks with none absent. */
async function expectedWeeks(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('activity_counts').selectAll().where('count', '>', 0).execute();
  const weeks = new Map<string, number[]>();
  for (const r of rows) {
    const week = weekOf(r.day);
    const key = `${r.student_id}|${r.source}|${week}`;
    const days = weeks.get(key) ?? [0, 0, 0, 0, 0, 0, 0];
    const at = (new Date(`${r.day}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday first
    days[at] = (days[at] ?? 0) + r.count;
    weeks.set(key, days);
  }
  return [...weeks].map(([key, days]) => `${key}|${days.join(',')}`).sort();
}

async function storedWeeks(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('activity_weeks').selectAll().execute();
  return rows.map((r) => `${r.student_id}|${r.source}|${r.week}|${[r.d0, r.d1, r.d2, r.d3, r.d4, r.d5, r.d6].join(',')}`).sort();
}

/** A summary keyed by student and source, independent of row order. */
function normalise(a: SummarisedActivity): Record<string, { last: IsoDay | null; sums: number[] }> {
  const out: Record<string, { last: IsoDay | null; sums: number[] }> = {};
  const stride = a.windows.length;
  for (const [id, row] of a.rows) {
    for (let s = 0; s < SOURCES.length; s++) {
      const at = row * SOURCES.length + s;
      out[`${id}|${SOURCES[s]}`] = { last: a.lastActive[at] ?? null, sums: Array.from(a.sums.slice(at * stride, (at + 1) * stride)) };
    }
  }
  return out;
}

describe.each(DATABASE_KINDS)('weekly activity rows on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    for (const id of ['d', 'other']) await insertDepartment(t.db, { id, name: id, isDemo: false }, NOW);
    await insertStudents(
      t.db,
      Array.from({ length: STUDENTS }, (_, i) => student(i, 'd')),
      NOW,
    );
    await insertStudents(t.db, [student(STUDENTS, 'other'), student(STUDENTS + 1, 'other')], NOW);
    for (const term of TERMS) await insertTerm(t.db, term);
  });
  afterAll(async () => t.drop());

  it('stay equal to the daily counts through every kind of write, and evaluation reads the same sums and flags from them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(countArb, { maxLength: 400 }),
        fc.array(countArb, { maxLength: 80 }),
        fc.array(countArb, { maxLength: 60 }),
        fc.record({
          from: fc.integer({ min: 0, max: SPAN }),
          length: fc.integer({ min: 0, max: 20 }),
          source: fc.constantFrom(...SOURCES),
        }),
        // Coverage per source: an imported period with a gap, or none at all.
        fc.array(fc.option(fc.record({ from: fc.integer({ min: 0, max: 70 }), to: fc.integer({ min: 100, max: SPAN }) }), { freq: 8 }), {
          minLength: SOURCES.length,
          maxLength: SOURCES.length,
        }),
        // Today anywhere, or (more often) in term three or more weeks in, where every rule can be judged.
        fc.oneof(fc.integer({ min: 30, max: SPAN }), fc.integer({ min: 65, max: 113 }), fc.integer({ min: 170, max: 218 })),
        fc.integer({ min: 0, max: 80 }),
        // Engaged students with their own level, some fading or stopping a source, over the weeks before today.
        fc.array(
          fc.record({
            level: fc.integer({ min: 0, max: 9 }),
            fade: fc.integer({ min: 0, max: 45 }),
            quiet: fc.integer({ min: -1, max: 4 }),
          }),
          {
            minLength: STUDENTS,
            maxLength: STUDENTS,
          },
        ),
        fc.integer({ min: 1, max: 2 ** 30 }),
        // A second scope of the same source, imported at the same time as the first (two instances on PostgreSQL).
        fc.array(countArb, { maxLength: 60 }),
        // A department's upload over part of the period, and counts written by another writer after the imports.
        fc.record({
          from: fc.integer({ min: 0, max: SPAN }),
          length: fc.integer({ min: 0, max: 40 }),
          counts: fc.array(countArb, { maxLength: 40 }),
        }),
        fc.array(countArb, { maxLength: 40 }),
        async (first, replaced, imported, removed, covered, todayOffset, lookback, profiles, seed, otherScope, upload, later) => {
          const db = t.db;
          await db.deleteFrom('import_counts').execute();
          await db.deleteFrom('imports').execute();
          await db.deleteFrom('activity_counts').execute();
          expect(await storedWeeks(db)).toEqual([]);

          let state = seed;
          const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
          const dense: ActivityCount[] = [];
          for (const [i, p] of profiles.entries()) {
            for (let back = 1; back <= 45 && todayOffset - back >= 0; back++) {
              for (const [s, source] of SOURCES.entries()) {
                const count = back <= 45 - p.fade || s === p.quiet ? 0 : Math.floor(random() * (p.level + 1));
                if (count > 0) dense.push({ studentId: `d-s${i}`, day: addDays(FIRST_DAY, todayOffset - back), source, count });
              }
            }
          }
          await upsertCounts(db, dense);
          // Inserts, then replacements (including counts set to zero) of the same and other days.
          await upsertCounts(db, dedupe(first.map(toCount)));
          await upsertCounts(db, dedupe(replaced.map(toCount)));
          // An import adds to what is there (while another scope of the same source imports at the same time), then a
          // second import of the same scope takes the first one's part back out: the bulk path, which keeps the weekly
          // rows in grouped statements with the row triggers standing aside on SQLite.
          const source = imported[0]?.source ?? 'moodle_login';
          const mine = dedupe(imported.filter((c) => c.source === source).map(toCount));
          const theirs = dedupe(otherScope.map((c) => toCount({ ...c, source })));
          const period = { start: FIRST_DAY, end: addDays(FIRST_DAY, SPAN) };
          const importInto = async (id: string, scope: string, counts: ActivityCount[], departmentId?: string, p = period) => {
            await insertImport(db, importRun(id, source, p.start, p.end, scope));
            await db.transaction().execute((trx) =>
              replaceScopeCounts(trx, {
                importId: id,
                source,
                scope,
                ...p,
                counts: counts
                  .filter((c) => c.day >= p.start && c.day <= p.end)
                  .map((c) => ({ studentId: c.studentId, day: c.day, count: c.count })),
                ...(departmentId ? { departmentId } : {}),
              }),
            );
          };
          await Promise.all([importInto('imp-0', 'site', mine), importInto('imp-other', 'course', theirs)]);
          expect(await storedWeeks(db)).toEqual(await expectedWeeks(db));
          await importInto('imp-1', 'site', mine.slice(0, Math.floor(mine.length / 2)));
          expect(await storedWeeks(db)).toEqual(await expectedWeeks(db));
          // A department's upload replaces that department's part of a shorter period only.
          const part = { start: addDays(FIRST_DAY, upload.from), end: addDays(FIRST_DAY, upload.from + upload.length) };
          const uploaded = dedupe(upload.counts.map((c) => toCount({ ...c, source, student: c.student % STUDENTS })));
          await importInto('imp-upload', 'site', uploaded, 'd', part);
          expect(await storedWeeks(db)).toEqual(await expectedWeeks(db));
          // An import that dies after writing (a crash, a failed commit) leaves nothing behind, and the triggers are back.
          const before = await storedWeeks(db);
          await insertImport(db, importRun('imp-dead', source, period.start, period.end, 'site'));
          await expect(
            db.transaction().execute(async (trx) => {
              await replaceScopeCounts(trx, {
                importId: 'imp-dead',
                source,
                scope: 'site',
                ...period,
                counts: mine.map((c) => ({ ...c, count: 9 })),
              });
              throw new Error('killed');
            }),
          ).rejects.toThrow('killed');
          expect(await storedWeeks(db)).toEqual(before);
          if (kind === 'sqlite')
            expect((await sql<{ n: number }>`select count(*) as n from activity_weeks_bulk`.execute(db)).rows[0]?.n).toBe(0);
          // Other writers after the imports: the row triggers keep the weeks, then one import is taken back out whole.
          await upsertCounts(db, dedupe(later.map(toCount)));
          await db.transaction().execute((trx) => supersedeImport(trx, 'imp-other', 'imp-1'));
          expect(await storedWeeks(db)).toEqual(await expectedWeeks(db));
          // Deletes of a run of days for one source (as retention and erasure do).
          await db
            .deleteFrom('activity_counts')
            .where('source', '=', removed.source)
            .where('day', '>=', addDays(FIRST_DAY, removed.from))
            .where('day', '<', addDays(FIRST_DAY, removed.from + removed.length))
            .execute();
          expect(await storedWeeks(db)).toEqual(await expectedWeeks(db));

          // Coverage with gaps: a source's import period, or none.
          for (const [s, c] of covered.entries()) {
            if (!c || c.to < c.from) continue;
            await insertImport(db, importRun(`cov-${s}`, SOURCES[s] as Source, addDays(FIRST_DAY, c.from), addDays(FIRST_DAY, c.to)));
          }
          const today = addDays(FIRST_DAY, todayOffset);
          const config = DEFAULT_RULES_CONFIG;
          const windows = requiredWindows(config);
          const terms = await listTerms(db);
          const termDays = lastTermDays(today, windows[windows.length - 1] ?? 21, terms);
          const since = termDays[0] !== undefined && termDays[0] < addDays(today, -lookback) ? termDays[0] : addDays(today, -lookback);
          const opts = { termDays, windows, since, today };
          const weekly = await summariseDepartmentActivity(db, 'd', opts);
          const daily = await summariseDepartmentActivityByDay(db, 'd', opts);
          expect(normalise(weekly)).toEqual(normalise(daily));
          // Inside a caller's transaction PostgreSQL reads in one query instead of two halves at once.
          const inTransaction = await db.transaction().execute((trx) => summariseDepartmentActivity(trx, 'd', opts));
          expect(normalise(inTransaction)).toEqual(normalise(daily));
          // Windows in any order, with lengths between the usual ones: each is still exactly its own term days.
          const unordered = { ...opts, windows: [...windows].reverse().concat([3, 10]) };
          expect(normalise(await summariseDepartmentActivity(db, 'd', unordered))).toEqual(
            normalise(await summariseDepartmentActivityByDay(db, 'd', unordered)),
          );

          const rest = {
            students: await listStudentsForRules(db, 'd'),
            coverage: await loadCoverage(db, termDays[0] ?? today, addDays(today, -1), 'd'),
            terms,
            exemptions: await listDepartmentExemptions(db, 'd'),
            config,
            today,
          };
          const fromWeeks = evaluateRules({ ...rest, activity: weekly });
          const fromDays = evaluateRules({ ...rest, activity: daily });
          expect(fromWeeks.flags).toEqual(fromDays.flags);
          expect(fromWeeks.warnings).toEqual(fromDays.warnings);
        },
      ),
      { numRuns: kind === 'postgres' ? 25 : 40 },
    );
  });

  it('fills itself from the counts already held when the migration runs', async () => {
    const db = t.db;
    await db.deleteFrom('import_counts').execute();
    await db.deleteFrom('imports').execute();
    await db.deleteFrom('activity_counts').execute();
    await upsertCounts(db, [
      { studentId: 'd-s1', day: '2026-11-23', source: 'moodle_login', count: 3 },
      { studentId: 'd-s1', day: '2026-11-29', source: 'moodle_login', count: 4 },
      { studentId: 'd-s2', day: '2026-11-30', source: 'panopto_view', count: 0 },
    ]);
    await db.deleteFrom('activity_weeks').execute();
    const { up } = await import('../../bot/store/migrations/0020-activity-weeks');
    await sql`drop table activity_weeks`.execute(db);
    if (kind === 'postgres') await sql`drop function activity_weeks_apply() cascade`.execute(db);
    else for (const name of ['insert', 'update', 'delete']) await sql.raw(`drop trigger activity_weeks_${name}`).execute(db);
    await up(db);
    // 2026-11-23, a Monday, is day 20780 since 1970-01-01.
    expect(await storedWeeks(db)).toEqual(['d-s1|moodle_login|20780|3,0,0,0,0,0,4']);
  });
});

/** One count per student, day and source (the last given), as a store holds them. */
function dedupe(counts: ActivityCount[]): ActivityCount[] {
  return [...new Map(counts.map((c) => [`${c.studentId}|${c.day}|${c.source}`, c])).values()];
}

function importRun(id: string, source: Source, periodStart: IsoDay, periodEnd: IsoDay, scope?: string) {
  return {
    id,
    source,
    ...(scope ? { scope } : {}),
    fileName: `${id}.csv`,
    fileHash: null,
    periodStart,
    periodEnd,
    rowsRead: 0,
    rowsCounted: 0,
    rowsIgnored: 0,
    rowsRejected: 0,
    status: 'succeeded' as const,
    errors: [],
    startedAt: NOW,
    finishedAt: NOW,
  };
}
