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
          start_day: eb.fn.coalesce('excluded.start_day', 'students.start_day'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

export async function listStudentIdsInDepartment(db: Db, departmentId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('students').select('id').where('department_id', '=', departmentId).execute();
  return new Set(rows.map((r) => r.id));
}

/** The personal tutor each of these students has now, so a roster that cannot name a reachable tutor keeps the link there is. */
export async function findTutorIds(db: Db, studentIds: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const batch of chunk(studentIds, 500)) {
    const rows = await db.selectFrom('students').select(['id', 'tutor_id']).where('id', 'in', batch).execute();
    for (const r of rows) out.set(r.id, r.tutor_id);
  }
  return out;
}

/** Staff by id with their e-mail, for the roster's tutors. */
export async function findStaffEmails(db: Db, ids: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const batch of chunk(ids, 500)) {
    const rows = await db.selectFrom('staff').select(['id', 'email']).where('id', 'in', batch).execute();
    for (const r of rows) out.set(r.id, r.email);
  }
  return out;
}
