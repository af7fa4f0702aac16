import type { Staff } from '../store/staff.repository';

/** Who may see a department-wide list: everyone with a role beyond personal tutor. */
export function seesWholeDepartment(staff: Pick<Staff, 'roles'>): boolean {
  return staff.roles.some((r) => r !== 'personal_tutor');
}

/**
 * Whether the viewer may see this student: same department, and either a department-wide role or
 * being the student's personal tutor. Callers answer "not found" otherwise, so nothing outside the
 * viewer's reach is even confirmed to exist.
 */
export function maySeeStudent(
  viewer: Pick<Staff, 'id' | 'roles' | 'departmentId'>,
  student: { departmentId: string; tutorId: string | null },
): boolean {
  if (student.departmentId !== viewer.departmentId) return false;
  return seesWholeDepartment(viewer) || student.tutorId === viewer.id;
}
