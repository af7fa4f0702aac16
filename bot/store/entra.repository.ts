import type { Db } from './database';
import { chunk } from './ids';
import { insertIdentities } from './identity.repository';

export type PersonKind = 'staff' | 'student';

/** Someone the directory has not matched to a Microsoft Entra user (yet), with why not when a look-up was tried. */
export interface UnmatchedPerson {
  kind: PersonKind;
  id: string;
  name: string;
  email: string | null;
  departmentId: string;
  note: string | null;
}

/** Staff and students with no Entra object id; `departmentId` limits the list to one department. */
export async function listUnmatchedPeople(db: Db, departmentId?: string): Promise<UnmatchedPerson[]> {
  let staff = db
    .selectFrom('staff')
    .select(['id', 'display_name', 'email', 'department_id', 'entra_note'])
    .where('entra_id', 'is', null)
    .orderBy('display_name');
  let students = db
    .selectFrom('students')
    .select(['id', 'given_name', 'family_name', 'email', 'department_id', 'entra_note'])
    .where('entra_id', 'is', null)
    .orderBy('family_name')
    .orderBy('given_name');
  if (departmentId) {
    staff = staff.where('department_id', '=', departmentId);
    students = students.where('department_id', '=', departmentId);
  }
  return [
    ...(await staff.execute()).map((r) => ({
      kind: 'staff' as const,
      id: r.id,
      name: r.display_name,
      email: r.email,
      departmentId: r.department_id,
      note: r.entra_note,
    })),
    ...(await students.execute()).map((r) => ({
      kind: 'student' as const,
      id: r.id,
      name: `${r.given_name} ${r.family_name}`,
      email: r.email,
      departmentId: r.department_id,
      note: r.entra_note,
    })),
  ];
}

/** Who already holds these Entra object ids, so one Entra user is never given to two people. */
export async function findEntraHolders(db: Db, entraIds: readonly string[]): Promise<Map<string, { kind: PersonKind; id: string }>> {
  const out = new Map<string, { kind: PersonKind; id: string }>();
  for (const batch of chunk([...new Set(entraIds)], 500)) {
    for (const r of await db.selectFrom('staff').select(['id', 'entra_id']).where('entra_id', 'in', batch).execute())
      if (r.entra_id) out.set(r.entra_id, { kind: 'staff', id: r.id });
    for (const r of await db.selectFrom('students').select(['id', 'entra_id']).where('entra_id', 'in', batch).execute())
      if (r.entra_id) out.set(r.entra_id, { kind: 'student', id: r.id });
  }
  return out;
}

/** Records the Entra user a person was matched to; students also get an `entra` identity for the activity imports. */
export async function recordEntraMatch(
  db: Db,
  kind: PersonKind,
  id: string,
  entraId: string,
  upn: string | null,
  now: string,
): Promise<void> {
  if (kind === 'staff')
    await db.updateTable('staff').set({ entra_id: entraId, upn, entra_note: null, updated_at: now }).where('id', '=', id).execute();
  else {
    await db.updateTable('students').set({ entra_id: entraId, upn, entra_note: null, updated_at: now }).where('id', '=', id).execute();
    await insertIdentities(db, [{ sourceSystem: 'entra', externalKey: entraId, studentId: id }]);
    if (upn) await insertIdentities(db, [{ sourceSystem: 'email', externalKey: upn.toLowerCase(), studentId: id }]);
  }
}

export async function recordEntraNote(db: Db, kind: PersonKind, id: string, note: string): Promise<void> {
  if (kind === 'staff') await db.updateTable('staff').set({ entra_note: note }).where('id', '=', id).execute();
  else await db.updateTable('students').set({ entra_note: note }).where('id', '=', id).execute();
}

/** People with this e-mail or UPN (lower-cased), staff and students alike. */
export async function findPeopleByEmail(db: Db, email: string): Promise<Array<{ kind: PersonKind; id: string; entraId: string | null }>> {
  const e = email.toLowerCase();
  const staff = await db
    .selectFrom('staff')
    .select(['id', 'entra_id'])
    .where((eb) => eb.or([eb(eb.fn('lower', ['email']), '=', e), eb(eb.fn('lower', ['upn']), '=', e)]))
    .execute();
  const students = await db
    .selectFrom('students')
    .select(['id', 'entra_id'])
    .where((eb) => eb.or([eb(eb.fn('lower', ['email']), '=', e), eb(eb.fn('lower', ['upn']), '=', e)]))
    .execute();
  return [
    ...staff.map((r) => ({ kind: 'staff' as const, id: r.id, entraId: r.entra_id })),
    ...students.map((r) => ({ kind: 'student' as const, id: r.id, entraId: r.entra_id })),
  ];
}
