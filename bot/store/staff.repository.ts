import type { RoleSource, StaffRole } from '../../shared/domain';
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
    // A role may come from more than one source (roster, CSV, Entra group); the person holds it once.
    roles: [...new Set(roles.filter((x) => x.staff_id === r.id).map((x) => x.role as StaffRole))],
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
    .distinct()
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

/** Staff by id with their e-mail, for the roster's tutors. */
export async function findStaffEmails(db: Db, ids: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const batch of chunk(ids, 500)) {
    const rows = await db.selectFrom('staff').select(['id', 'email']).where('id', 'in', batch).execute();
    for (const r of rows) out.set(r.id, r.email);
  }
  return out;
}

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
