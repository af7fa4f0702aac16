import type { Db } from './database';
import { chunk } from './ids';
import { studentValues, type Student } from './student.repository';

/** Inserts or updates students from a roster: the roster is the record of who they are and where they stand. */
export async function upsertStudents(db: Db, students: readonly Student[], now: string): Promise<void> {
  for (const batch of chunk(students, 500)) {
    await db
      .insertInto('students')
      .values(batch.map((s) => studentValues(s, now)))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          department_id: eb.ref('excluded.department_id'),
          given_name: eb.ref('excluded.given_name'),
          family_name: eb.ref('excluded.family_name'),
          email: eb.ref('excluded.email'),
          programme: eb.ref('excluded.programme'),
          year: eb.ref('excluded.year'),
          status: eb.ref('excluded.status'),
          tutor_id: eb.ref('excluded.tutor_id'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** Which of these codes are staff ids; a roster names tutors by their Samis PRS code, which is the staff id. */
export async function findExistingStaffIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const batch of chunk(ids, 500)) {
    const rows = await db.selectFrom('staff').select('id').where('id', 'in', batch).execute();
    for (const r of rows) out.add(r.id);
  }
  return out;
}

export async function listStudentIdsInDepartment(db: Db, departmentId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('students').select('id').where('department_id', '=', departmentId).execute();
  return new Set(rows.map((r) => r.id));
}
