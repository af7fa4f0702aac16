import { compareTriage } from '../../shared/cases';
import type { FlaggedStudent, FlagListResponse } from '../../shared/api/flags';
import type { Db } from '../store/database';
import { findOpenCases, type Case } from '../store/case.repository';
import { findDepartment } from '../store/department.repository';
import { listStaff, type Staff } from '../store/staff.repository';
import { listStudents, type Student } from '../store/student.repository';
import { findLatestEvaluation } from '../store/evaluation.repository';
import { writeAudit } from '../store/audit.repository';
import { notFound } from '../errors';
import { presentFlag } from '../presenters/flag.presenter';
import { seesWholeDepartment } from './viewer';

/** The one triage order (shared/cases.ts compareTriage), as the digest cards use it. */
export function rankFlags(flags: FlaggedStudent[]): FlaggedStudent[] {
  return [...flags].sort(compareTriage);
}

/** Joins open cases with their students and staff names; callers decide which cases. */
export async function presentCases(db: Db, departmentId: string, cases: readonly Case[]): Promise<FlaggedStudent[]> {
  const [students, staff] = await Promise.all([listStudents(db, departmentId), listStaff(db, departmentId)]);
  const studentsById = new Map(students.map((s) => [s.id, s]));
  const staffById = new Map(staff.map((s) => [s.id, s]));
  return cases.flatMap((c) => {
    const student = studentsById.get(c.studentId);
    if (!student) return [];
    return [
      presentFlag(
        c,
        student,
        student.tutorId ? staffById.get(student.tutorId) : undefined,
        c.ownerId ? staffById.get(c.ownerId) : undefined,
      ),
    ];
  });
}

/** Open cases the viewer may see, scoped by department and role, ranked; the view is audited. */
export async function listFlagsForViewer(
  db: Db,
  viewer: Staff,
  now: string,
  opts: { tuteesOnly?: boolean } = {},
): Promise<FlagListResponse> {
  const department = await findDepartment(db, viewer.departmentId);
  if (!department) throw notFound('Your department');
  const whole = seesWholeDepartment(viewer) && !opts.tuteesOnly;
  const cases = await findOpenCases(db, viewer.departmentId);
  let visible: Case[] = cases;
  if (!whole) {
    const tutees = new Set((await listStudents(db, viewer.departmentId)).filter((s: Student) => s.tutorId === viewer.id).map((s) => s.id));
    visible = cases.filter((c) => tutees.has(c.studentId));
  }
  const flags = rankFlags(await presentCases(db, viewer.departmentId, visible));
  const latest = await findLatestEvaluation(db, viewer.departmentId);
  await writeAudit(
    db,
    {
      actorId: viewer.id,
      action: 'viewed_flag_list',
      subjectKind: 'department',
      subjectId: viewer.departmentId,
      detail: { students: flags.length, scope: whole ? 'department' : 'tutees' },
    },
    now,
  );
  return {
    department: { id: department.id, name: department.name, isDemo: department.isDemo },
    evaluatedAt: latest?.evaluatedAt ?? null,
    flags,
  };
}
