import type { RoleSource, StaffRole } from '../../shared/domain';
import type { Db } from './database';
import { chunk } from './ids';

/** A member of staff as a roster, staff CSV or Entra group names them. */
export interface StaffMember {
  id: string;
  departmentId: string;
  displayName: string;
  email: string | null;
}

export interface RoleGrant {
  staffId: string;
  role: StaffRole;
}

export interface RoleGrantRow extends RoleGrant {
  source: RoleSource;
  sourceRef: string;
  grantedAt: string;
}

/** Staff by lower-cased e-mail: how the staff CSV and Entra groups find people the roster created. */
export async function findStaffIdsByEmail(db: Db, emails: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const batch of chunk([...new Set(emails.map((e) => e.toLowerCase()))], 500)) {
    const rows = await db.selectFrom('staff').select(['id', 'email']).where('email', 'in', batch).execute();
    for (const r of rows) if (r.email) out.set(r.email.toLowerCase(), r.id);
  }
  return out;
}

export async function findStaffIdsByEntraId(db: Db, entraIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const batch of chunk([...new Set(entraIds)], 500)) {
    const rows = await db.selectFrom('staff').select(['id', 'entra_id']).where('entra_id', 'in', batch).execute();
    for (const r of rows) if (r.entra_id) out.set(r.entra_id, r.id);
  }
  return out;
}

/**
 * Inserts staff or refreshes their name and e-mail. `moveDepartment` is for sources that state a
 * person's department (the staff CSV); a roster only names tutors, who keep the department they have.
 * An e-mail is never blanked by a source that lacks one.
 */
export async function upsertStaffMembers(db: Db, people: readonly StaffMember[], now: string, moveDepartment: boolean): Promise<void> {
  for (const batch of chunk(people, 500)) {
    await db
      .insertInto('staff')
      .values(
        batch.map((p) => ({
          id: p.id,
          department_id: p.departmentId,
          display_name: p.displayName,
          email: p.email,
          entra_id: null,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          display_name: eb.ref('excluded.display_name'),
          email: eb.fn.coalesce('excluded.email', 'staff.email'),
          updated_at: eb.ref('excluded.updated_at'),
          ...(moveDepartment ? { department_id: eb.ref('excluded.department_id') } : {}),
        })),
      )
      .execute();
  }
}

/** Every role grant with its source, for the administrators' page and the audit of changes. */
export async function listRoleGrants(db: Db, source?: RoleSource, sourceRef?: string): Promise<RoleGrantRow[]> {
  let query = db.selectFrom('staff_roles').selectAll().orderBy('staff_id').orderBy('role');
  if (source) query = query.where('source', '=', source);
  if (sourceRef !== undefined) query = query.where('source_ref', '=', sourceRef);
  const rows = await query.execute();
  return rows.map((r) => ({
    staffId: r.staff_id,
    role: r.role as StaffRole,
    source: r.source as RoleSource,
    sourceRef: r.source_ref,
    grantedAt: r.granted_at,
  }));
}

const key = (g: RoleGrant) => `${g.staffId}\u0000${g.role}`;

/**
 * Makes the grants of one source (and one group, for Entra) exactly `grants`: what is new is added,
 * what the source no longer gives is removed, and the other sources' grants are never touched.
 * Running it twice with the same grants changes nothing.
 */
export async function replaceRoleGrants(
  db: Db,
  source: RoleSource,
  sourceRef: string,
  grants: readonly RoleGrant[],
  now: string,
): Promise<{ added: RoleGrant[]; removed: RoleGrant[] }> {
  const before = await listRoleGrants(db, source, sourceRef);
  const wanted = new Map(grants.map((g) => [key(g), g]));
  const had = new Set(before.map(key));
  const added = [...wanted.values()].filter((g) => !had.has(key(g)));
  const removed = before.filter((g) => !wanted.has(key(g))).map(({ staffId, role }) => ({ staffId, role }));
  for (const g of removed)
    await db
      .deleteFrom('staff_roles')
      .where('staff_id', '=', g.staffId)
      .where('role', '=', g.role)
      .where('source', '=', source)
      .where('source_ref', '=', sourceRef)
      .execute();
  for (const batch of chunk(added, 500))
    await db
      .insertInto('staff_roles')
      .values(batch.map((g) => ({ staff_id: g.staffId, role: g.role, source, source_ref: sourceRef, granted_at: now })))
      .execute();
  return { added, removed };
}

/** Adds grants a source gives without taking any away (a roster names only some of the tutors). */
export async function addRoleGrants(db: Db, source: RoleSource, grants: readonly RoleGrant[], now: string): Promise<number> {
  if (grants.length === 0) return 0;
  const existing = new Set((await listRoleGrants(db, source, '')).map(key));
  const fresh = [...new Map(grants.filter((g) => !existing.has(key(g))).map((g) => [key(g), g])).values()];
  for (const batch of chunk(fresh, 500))
    await db
      .insertInto('staff_roles')
      .values(batch.map((g) => ({ staff_id: g.staffId, role: g.role, source, source_ref: '', granted_at: now })))
      .execute();
  return fresh.length;
}

export async function upsertDepartments(db: Db, departments: ReadonlyArray<{ id: string; name: string }>, now: string): Promise<void> {
  for (const d of departments)
    await db
      .insertInto('departments')
      .values({ id: d.id, name: d.name, is_demo: 0, created_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: d.name }))
      .execute();
}
