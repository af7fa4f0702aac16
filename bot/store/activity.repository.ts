import { sql } from 'kysely';
import { SOURCES, SourceSchema, type IsoDay, type Source } from '../../shared/domain';
import { addDays } from '../../shared/calendar';
import type { DailyCounts, SummarisedActivity } from '../../shared/rules/types';
import type { Db } from './database';
import { chunk } from './ids';

export interface ActivityCount {
  studentId: string;
  day: IsoDay;
  source: Source;
  count: number;
}

/** Writes counts, replacing any count already held for the same student, day and source. */
export async function upsertCounts(db: Db, counts: readonly ActivityCount[]): Promise<void> {
  for (const batch of chunk(counts, 1000)) {
    await db
      .insertInto('activity_counts')
      .values(batch.map((c) => ({ student_id: c.studentId, day: c.day, source: c.source, count: c.count })))
      .onConflict((oc) => oc.columns(['student_id', 'day', 'source']).doUpdateSet({ count: (eb) => eb.ref('excluded.count') }))
      .execute();
  }
}

/** Loads a department's counts between two days (inclusive), grouped by student then day. */
export async function loadDepartmentCounts(db: Db, departmentId: string, from: IsoDay, to: IsoDay): Promise<Map<string, DailyCounts>> {
  const rows = await db
    .selectFrom('activity_counts')
    .innerJoin('students', 'students.id', 'activity_counts.student_id')
    .select(['activity_counts.student_id', 'activity_counts.day', 'activity_counts.source', 'activity_counts.count'])
    .where('students.department_id', '=', departmentId)
    .where('activity_counts.day', '>=', from)
    .where('activity_counts.day', '<=', to)
    .execute();
  const out = new Map<string, Map<IsoDay, Partial<Record<Source, number>>>>();
  for (const row of rows) {
    const source = SourceSchema.parse(row.source);
    let byDay = out.get(row.student_id);
    if (!byDay) out.set(row.student_id, (byDay = new Map()));
    const day = byDay.get(row.day) ?? {};
    day[source] = row.count;
    byDay.set(row.day, day);
  }
  return out;
}

const SOURCE_INDEX = new Map<string, number>(SOURCES.map((s, i) => [s, i]));

/**
 * A department's activity summed per window by the database, in the shape the rules read: one row per
 * student and source comes back instead of one per day, which is what makes a 30,000-student
 * department quick to evaluate. `termDays` are the last term days before `today`, oldest first;
 * counts on vacation days inside that span never enter a window. `lastActive` looks back to `since`.
 */
export async function summariseDepartmentActivity(
  db: Db,
  departmentId: string,
  opts: { termDays: readonly IsoDay[]; windows: readonly number[]; since: IsoDay; today: IsoDay },
): Promise<SummarisedActivity> {
  const { termDays, windows, since, today } = opts;
  const first = termDays[0];
  const termSet = new Set(termDays);
  const vacation: IsoDay[] = [];
  if (first !== undefined) for (let day = first; day < today; day = addDays(day, 1)) if (!termSet.has(day)) vacation.push(day);
  const windowSums = windows.map((n, w) => {
    const start = termDays[Math.max(0, termDays.length - n)];
    if (start === undefined) return sql<number>`0`.as(`w${w}`);
    const outsideVacation = vacation.length > 0 ? sql` and ac.day not in (${sql.join(vacation)})` : sql``;
    return sql<number>`sum(case when ac.day >= ${start}${outsideVacation} then ac.count else 0 end)`.as(`w${w}`);
  });
  const rows = await db
    .selectFrom('activity_counts as ac')
    .select(['ac.student_id', 'ac.source', sql<string>`max(ac.day)`.as('last_day'), ...windowSums])
    .where('ac.student_id', 'in', db.selectFrom('students').select('id').where('department_id', '=', departmentId))
    .where('ac.day', '>=', since)
    .where('ac.day', '<', today)
    .where('ac.count', '>', 0)
    .groupBy(['ac.student_id', 'ac.source'])
    .execute();

  const studentRows = new Map<string, number>();
  for (const r of rows) if (!studentRows.has(r.student_id)) studentRows.set(r.student_id, studentRows.size);
  const stride = windows.length;
  const sums = new Float64Array(studentRows.size * SOURCES.length * stride);
  const lastActive: Array<IsoDay | null> = new Array<IsoDay | null>(studentRows.size * SOURCES.length).fill(null);
  for (const r of rows) {
    const s = SOURCE_INDEX.get(r.source);
    if (s === undefined) continue;
    const at = (studentRows.get(r.student_id) as number) * SOURCES.length + s;
    lastActive[at] = r.last_day;
    const values = r as unknown as Record<string, number | string>;
    for (let w = 0; w < stride; w++) sums[at * stride + w] = Number(values[`w${w}`] ?? 0);
  }
  return { windows, since, rows: studentRows, sums, lastActive };
}
