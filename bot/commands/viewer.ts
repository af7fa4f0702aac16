import type { Staff } from '../store/staff.repository';

/** Who may see a department-wide list: everyone with a role beyond personal tutor. */
export function seesWholeDepartment(staff: Pick<Staff, 'roles'>): boolean {
  return staff.roles.some((r) => r === 'director_of_studies' || r === 'student_experience_officer' || r === 'department_admin');
}
