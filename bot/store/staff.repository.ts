import type { StaffRole } from '../../shared/domain';
import type { Db } from './database';
import { chunk } from './ids';

export interface Staff {
  id: string;
  departmentId: string;
  displayName: string;
  email: string | null;
  entraId: string | null;
  roles: StaffRole[];
}

export async function insertStaff(db: Db, people: readonly Staff[], now: string): Promise<void> {
  for (const batch of chunk(people, 500)) {
    await db
      .insertInto('staff')
      .values(
        batch.map((s) => ({
          id: s.id,
          department_id: s.departmentId,
          display_name: s.displayName,
          email: s.email,
          entra_id: s.entraId,
          updated_at: now,
        })),
      )
      .execute();
    const roles = batch.flatMap((s) => s.roles.map((role) => ({ staff_id: s.id, role })));
    if (roles.length > 0) await db.insertInto('staff_roles').values(roles).execute();
  }
}

async function withRoles(
  db: Db,
  rows: Array<{ id: string; department_id: string; display_name: string; email: string | null; entra_id: string | null }>,
): Promise<Staff[]> {
  if (rows.length === 0) return [];
  const roles = await db
    .selectFrom('staff_roles')
    .selectAll()
    .where(
      'staff_id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.map((r) => ({
    id: r.id,
    departmentId: r.department_id,
    displayName: r.display_name,
    email: r.email,
    entraId: r.entra_id,
    roles: roles.filter((x) => x.staff_id === r.id).map((x) => x.role as StaffRole),
  }));
}

export async function findStaff(db: Db, id: string): Promise<Staff | undefined> {
  const rows = await db.selectFrom('staff').selectAll().where('id', '=', id).execute();
  return (await withRoles(db, rows))[0];
}

export async function findStaffByEntraId(db: Db, entraId: string): Promise<Staff | undefined> {
  const rows = await db.selectFrom('staff').selectAll().where('entra_id', '=', entraId).execute();
  return (await withRoles(db, rows))[0];
}

export async function listStaff(db: Db, departmentId?: string): Promise<Staff[]> {
  let query = db.selectFrom('staff').selectAll().orderBy('display_name');
  if (departmentId) query = query.where('department_id', '=', departmentId);
  return withRoles(db, await query.execute());
}

/** Staff holding a role in a department, e.g. the Director of Studies to escalate to. */
export async function listStaffWithRole(db: Db, departmentId: string, role: StaffRole): Promise<Staff[]> {
  const rows = await db
    .selectFrom('staff')
    .innerJoin('staff_roles', 'staff_roles.staff_id', 'staff.id')
    .selectAll('staff')
    .where('staff.department_id', '=', departmentId)
    .where('staff_roles.role', '=', role)
    .orderBy('staff.display_name')
    .execute();
  return withRoles(db, rows);
}

/** Every staff member's Entra id and e-mail, lower-cased: their attendance is never counted. */
export async function loadStaffKeys(db: Db): Promise<{ entraIds: Set<string>; emails: Set<string> }> {
  const rows = await db.selectFrom('staff').select(['entra_id', 'email']).execute();
  return {
    entraIds: new Set(rows.flatMap((r) => (r.entra_id ? [r.entra_id.toLowerCase()] : []))),
    emails: new Set(rows.flatMap((r) => (r.email ? [r.email.toLowerCase()] : []))),
  };
}

/** The organisers to read when none are configured: every staff member in the roster with an Entra id. */
export async function listRosterOrganisers(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('staff').select('entra_id').where('entra_id', 'is not', null).orderBy('entra_id').execute();
  return rows.flatMap((r) => (r.entra_id ? [r.entra_id] : []));
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
