import type { StudentStatus } from '../../shared/domain';
import type { Db } from './database';
import { chunk } from './ids';
import type { StudentRow } from './schema';

export interface Student {
  id: string;
  departmentId: string;
  givenName: string;
  familyName: string;
  email: string | null;
  entraId: string | null;
  programme: string;
  year: number;
  status: StudentStatus;
  tutorId: string | null;
}

type Row = StudentRow;

const toStudent = (r: Row): Student => ({
  id: r.id,
  departmentId: r.department_id,
  givenName: r.given_name,
  familyName: r.family_name,
  email: r.email,
  entraId: r.entra_id,
  programme: r.programme,
  year: r.year,
  status: r.status as StudentStatus,
  tutorId: r.tutor_id,
});

/** A student as a row to write; shared by the demo's insert and the roster's upsert. */
export const studentValues = (s: Student, now: string) => ({
  id: s.id,
  department_id: s.departmentId,
  given_name: s.givenName,
  family_name: s.familyName,
  email: s.email,
  entra_id: s.entraId,
  programme: s.programme,
  year: s.year,
  status: s.status,
  tutor_id: s.tutorId,
  updated_at: now,
});

export async function insertStudents(db: Db, students: readonly Student[], now: string): Promise<void> {
  for (const batch of chunk(students, 500)) {
    await db
      .insertInto('students')
      .values(batch.map((s) => studentValues(s, now)))
      .execute();
  }
}

export async function findStudent(db: Db, id: string): Promise<Student | undefined> {
  const row = await db.selectFrom('students').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toStudent(row);
}

export async function findStudentByEntraId(db: Db, entraId: string): Promise<Student | undefined> {
  const row = await db.selectFrom('students').selectAll().where('entra_id', '=', entraId).executeTakeFirst();
  return row && toStudent(row);
}

export async function listStudents(db: Db, departmentId: string): Promise<Student[]> {
  const rows = await db.selectFrom('students').selectAll().where('department_id', '=', departmentId).orderBy('id').execute();
  return rows.map(toStudent);
}

/** What evaluation needs of each student of a department: lighter than listStudents for 30,000 rows. */
export async function listStudentsForRules(
  db: Db,
  departmentId: string,
): Promise<Array<Pick<Student, 'id' | 'programme' | 'year' | 'status' | 'tutorId'>>> {
  const rows = await db
    .selectFrom('students')
    .select(['id', 'programme', 'year', 'status', 'tutor_id'])
    .where('department_id', '=', departmentId)
    // An upheld objection to monitoring takes the student out of evaluation altogether.
    .where('monitoring_objection_at', 'is', null)
    .execute();
  return rows.map((r) => ({ id: r.id, programme: r.programme, year: r.year, status: r.status as StudentStatus, tutorId: r.tutor_id }));
}

/** Students of the same department, programme and year: the comparison group for a student's chart. */
export async function listCohortIds(db: Db, s: { departmentId: string; programme: string; year: number }): Promise<string[]> {
  const rows = await db
    .selectFrom('students')
    .select('id')
    .where('department_id', '=', s.departmentId)
    .where('programme', '=', s.programme)
    .where('year', '=', s.year)
    .where('status', '=', 'active')
    .execute();
  return rows.map((r) => r.id);
}

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

export async function listStudentIdsInDepartment(db: Db, departmentId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('students').select('id').where('department_id', '=', departmentId).execute();
  return new Set(rows.map((r) => r.id));
}
