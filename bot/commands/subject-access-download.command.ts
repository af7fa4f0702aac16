import type { SubjectAccessReport } from '../../shared/api/subject-access';
import { notFound } from '../errors';
import { presentSubjectAccessHtml } from '../presenters/subject-access.presenter';
import type { Db } from '../store/database';
import type { Staff } from '../store/staff.repository';
import { findStudent } from '../store/student.repository';
import { buildSubjectAccess } from './subject-access.command';

/** Subject access is for institution administrators, and department administrators within their department. */
export const mayProduceSubjectAccess = (viewer: Pick<Staff, 'roles' | 'departmentId'>, student: { departmentId: string }): boolean =>
  viewer.roles.includes('institution_admin') || (viewer.roles.includes('department_admin') && viewer.departmentId === student.departmentId);

/** A subject access report for the tab's button, as JSON or the printable page; audited by buildSubjectAccess. */
export async function downloadSubjectAccess(
  db: Db,
  viewer: Staff,
  studentId: string,
  format: 'html' | 'json',
  at: string,
): Promise<{ kind: 'json'; report: SubjectAccessReport } | { kind: 'html'; html: string }> {
  const student = await findStudent(db, studentId);
  // Out of reach and unknown answer alike, so nothing outside the viewer's scope is confirmed to exist.
  if (!student || !mayProduceSubjectAccess(viewer, student)) throw notFound('This student');
  const report = await buildSubjectAccess(db, student.id, { by: viewer.id, at });
  return format === 'json' ? { kind: 'json', report } : { kind: 'html', html: presentSubjectAccessHtml(report) };
}
