import type { RoleSource, StaffRole } from '../../shared/domain';
import type { Db } from './database';

export interface StaffWithGrants {
  id: string;
  displayName: string;
  email: string | null;
  departmentId: string;
  entraId: string | null;
  appInstalled: boolean;
  roles: Array<{ role: StaffRole; source: RoleSource; sourceRef: string }>;
}

/** Staff of these departments (all when null) with every role grant and whether the bot can reach them. */
export async function listStaffWithGrants(db: Db, departmentIds: readonly string[] | null): Promise<StaffWithGrants[]> {
  let query = db.selectFrom('staff').selectAll().orderBy('department_id').orderBy('display_name');
  if (departmentIds) query = query.where('department_id', 'in', departmentIds.length ? departmentIds : ['']);
  const staff = await query.execute();
  if (staff.length === 0) return [];
  const ids = staff.map((s) => s.id);
  const grants = await db.selectFrom('staff_roles').selectAll().where('staff_id', 'in', ids).orderBy('role').execute();
  const reachable = new Set(
    (await db.selectFrom('conversations').select('staff_id').where('staff_id', 'in', ids).execute()).map((r) => r.staff_id),
  );
  return staff.map((s) => ({
    id: s.id,
    displayName: s.display_name,
    email: s.email,
    departmentId: s.department_id,
    entraId: s.entra_id,
    appInstalled: reachable.has(s.id),
    roles: grants
      .filter((g) => g.staff_id === s.id)
      .map((g) => ({ role: g.role as StaffRole, source: g.source as RoleSource, sourceRef: g.source_ref })),
  }));
}

/** Students and staff per department, for the People page's headline. */
export async function countPeopleByDepartment(db: Db): Promise<Map<string, { students: number; staff: number }>> {
  const out = new Map<string, { students: number; staff: number }>();
  const students = await db
    .selectFrom('students')
    .select((eb) => ['department_id', eb.fn.countAll<number>().as('n')])
    .groupBy('department_id')
    .execute();
  const staff = await db
    .selectFrom('staff')
    .select((eb) => ['department_id', eb.fn.countAll<number>().as('n')])
    .groupBy('department_id')
    .execute();
  for (const r of students) out.set(r.department_id, { students: Number(r.n), staff: 0 });
  for (const r of staff) out.set(r.department_id, { students: out.get(r.department_id)?.students ?? 0, staff: Number(r.n) });
  return out;
}
