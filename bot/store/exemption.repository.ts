import type { Exemption } from '../../shared/rules/types';
import type { Db } from './database';
import { chunk, newId } from './ids';

export async function insertExemptions(
  db: Db,
  exemptions: ReadonlyArray<Exemption & { setBy: string | null }>,
  now: string,
): Promise<void> {
  for (const batch of chunk(exemptions, 500)) {
    await db
      .insertInto('exemptions')
      .values(
        batch.map((e) => ({
          id: newId(),
          student_id: e.studentId,
          reason: e.reason,
          from_day: e.from,
          until_day: e.until,
          set_by: e.setBy,
          created_at: now,
        })),
      )
      .execute();
  }
}

export async function listDepartmentExemptions(db: Db, departmentId: string): Promise<Exemption[]> {
  const rows = await db
    .selectFrom('exemptions')
    .innerJoin('students', 'students.id', 'exemptions.student_id')
    .select(['exemptions.student_id', 'exemptions.reason', 'exemptions.from_day', 'exemptions.until_day'])
    .where('students.department_id', '=', departmentId)
    .execute();
  return rows.map((r) => ({ studentId: r.student_id, reason: r.reason, from: r.from_day, until: r.until_day }));
}

export async function listStudentExemptions(
  db: Db,
  studentId: string,
): Promise<Array<{ reason: string; from: string; until: string | null }>> {
  const rows = await db
    .selectFrom('exemptions')
    .select(['reason', 'from_day', 'until_day'])
    .where('student_id', '=', studentId)
    .orderBy('from_day', 'desc')
    .execute();
  return rows.map((r) => ({ reason: r.reason, from: r.from_day, until: r.until_day }));
}
