import type { Db } from './database';
import { chunk } from './ids';

/** Records which Moodle user id or username belongs to a member of staff (learned from the Moodle user download). */
export async function insertStaffIdentities(
  db: Db,
  identities: ReadonlyArray<{ sourceSystem: string; externalKey: string; staffId: string }>,
): Promise<void> {
  for (const batch of chunk(identities, 1000)) {
    await db
      .insertInto('staff_identities')
      .values(batch.map((i) => ({ source_system: i.sourceSystem, external_key: i.externalKey, staff_id: i.staffId })))
      .onConflict((oc) => oc.columns(['source_system', 'external_key']).doUpdateSet({ staff_id: (eb) => eb.ref('excluded.staff_id') }))
      .execute();
  }
}

/**
 * Which of these keys of one identity system name a member of staff: keys learned from the Moodle user
 * download, an e-mail or UPN of a stored member of staff, or a staff code (a Samis key equal to a staff id,
 * as the roster stores personal tutors by their SITS code).
 */
export async function findStaffKeys(db: Db, sourceSystem: string, keys: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const batch of chunk([...new Set(keys)], 500)) {
    const known = await db
      .selectFrom('staff_identities')
      .select('external_key')
      .where('source_system', '=', sourceSystem)
      .where('external_key', 'in', batch)
      .execute();
    for (const r of known) out.add(r.external_key);
    if (sourceSystem === 'email') {
      const lower = batch.map((k) => k.toLowerCase());
      const rows = await db
        .selectFrom('staff')
        .select(['email', 'upn'])
        .where((eb) => eb.or([eb(eb.fn('lower', ['email']), 'in', lower), eb(eb.fn('lower', ['upn']), 'in', lower)]))
        .execute();
      const staffEmails = new Set(rows.flatMap((r) => [r.email?.toLowerCase(), r.upn?.toLowerCase()]).filter(Boolean));
      for (const k of batch) if (staffEmails.has(k.toLowerCase())) out.add(k);
    }
    if (sourceSystem === 'samis') {
      const rows = await db.selectFrom('staff').select('id').where('id', 'in', batch).execute();
      for (const r of rows) out.add(r.id);
    }
  }
  return out;
}
