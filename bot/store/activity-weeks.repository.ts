import { PostgresAdapter, sql, type RawBuilder } from 'kysely';
import type { IsoDay, Source } from '../../shared/domain';
import { addDays } from '../../shared/calendar';
import { weekOf } from './activity.repository';
import type { Db } from './database';

/** The counts a bulk write may change: one source, the days of a period, the students a query names. */
export interface WeeksTouched {
  source: Source;
  start: IsoDay;
  end: IsoDay;
  /** A query of one column, student_id: every student whose counts the write changed (more is harmless). */
  students: RawBuilder<unknown>;
}

const DAYS = [0, 1, 2, 3, 4, 5, 6] as const;

/**
 * Runs a bulk write to activity_counts with SQLite's row triggers (migrations 0020, 0021) standing aside,
 * then recomputes, in two grouped statements, the weekly rows of every student, week and source it can
 * have changed, from the daily counts themselves. SQLite runs one writer at a time, so nothing else
 * changes those counts meanwhile, and the recomputed weeks are exact whatever they held before. The
 * flag row lives only inside the caller's transaction, which this refuses to run without: another
 * connection never sees it, and a transaction that dies takes it (and the half-written counts) with it.
 * On PostgreSQL the write runs as it is: its statement triggers already maintain the weeks in one grouped
 * statement per changing statement, additively, so two instances importing at once stay exact.
 */
export async function withBulkWeeks<T>(db: Db, touched: WeeksTouched, write: () => Promise<T>): Promise<T> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return write();
  if (!db.isTransaction) throw new Error('withBulkWeeks runs inside a transaction: the flag row must never be committed');
  await sql`insert into activity_weeks_bulk (id) values (1)`.execute(db);
  const result = await write();
  await recomputeWeeks(db, touched);
  await sql`delete from activity_weeks_bulk`.execute(db);
  return result;
}

/** SQLite: the weekly rows of the touched students, source and whole weeks, deleted and summed again from activity_counts. */
async function recomputeWeeks(db: Db, t: WeeksTouched): Promise<void> {
  const firstWeek = weekOf(t.start);
  const lastWeek = weekOf(t.end);
  // Whole weeks, Monday to Sunday: their days outside the period are summed again too, unchanged.
  const from = addDays(t.start, firstWeek - dayNumber(t.start));
  const to = addDays(from, lastWeek - firstWeek + 6);
  await sql`delete from activity_weeks where source = ${t.source} and week >= ${firstWeek} and week <= ${lastWeek}
    and student_id in (${t.students})`.execute(db);
  await sql`insert into activity_weeks (student_id, source, week, ${sql.raw(DAYS.map((i) => `d${i}`).join(', '))})
    select student_id, ${t.source}, n - (n + 3) % 7 as week, ${sql.raw(DAYS.map((i) => `sum(case when (n + 3) % 7 = ${i} then count else 0 end)`).join(', '))}
    from (select student_id, count, cast(julianday(day) - 2440587.5 as integer) as n from activity_counts
      where source = ${t.source} and day >= ${from} and day <= ${to} and count > 0 and student_id in (${t.students})) as c
    group by student_id, week`.execute(db);
}

const dayNumber = (day: IsoDay): number => Math.round(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
