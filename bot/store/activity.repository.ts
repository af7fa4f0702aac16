import { SourceSchema, type IsoDay, type Source } from '../../shared/domain';
import type { DailyCounts } from '../../shared/rules/types';
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
