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
  /** The roster's course or status start date: no rule window reaches back before it. */
  startDay?: string | null;
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
  startDay: r.start_day,
});

export const studentName = (s: Pick<Student, 'givenName' | 'familyName'>): string => `${s.givenName} ${s.familyName}`;

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
  start_day: s.startDay ?? null,
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

/** Records which external key (Moodle id, Panopto user, UPN, ...) belongs to which student. */
export async function insertIdentities(
  db: Db,
  identities: ReadonlyArray<{ sourceSystem: string; externalKey: string; studentId: string }>,
): Promise<void> {
  for (const batch of chunk(identities, 1000)) {
    await db
      .insertInto('identities')
      .values(batch.map((i) => ({ source_system: i.sourceSystem, external_key: i.externalKey, student_id: i.studentId })))
      .onConflict((oc) => oc.columns(['source_system', 'external_key']).doUpdateSet({ student_id: (eb) => eb.ref('excluded.student_id') }))
      .execute();
  }
}

/** Resolves a source system's key to a student id, or undefined: an unknown key is reported, never guessed. */
export async function resolveIdentity(db: Db, sourceSystem: string, externalKey: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('identities')
    .select('student_id')
    .where('source_system', '=', sourceSystem)
    .where('external_key', '=', externalKey)
    .executeTakeFirst();
  return row?.student_id;
}

/** What evaluation needs of each student of a department: lighter than listStudents for 30,000 rows. */
export async function listStudentsForRules(
  db: Db,
  departmentId: string,
): Promise<Array<Pick<Student, 'id' | 'programme' | 'year' | 'status' | 'tutorId' | 'startDay'>>> {
  const rows = await db
    .selectFrom('students')
    .select(['id', 'programme', 'year', 'status', 'tutor_id', 'start_day'])
    .where('department_id', '=', departmentId)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    programme: r.programme,
    year: r.year,
    status: r.status as StudentStatus,
    tutorId: r.tutor_id,
    startDay: r.start_day,
  }));
}
