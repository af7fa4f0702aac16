import type { Db } from './database';
import { chunk } from './ids';

/** Records which external key (Moodle id, Panopto user, UPN, ...) belongs to which student. */
export async function insertIdentities(
  db: Db,
  identities: ReadonlyArray<{ sourceSystem: string; externalKey: string; studentId: string }>,
): Promise<void> {
  for (const batch of chunk(identities, 1000)) {
    await db
      .insertInto('identities')
      .values(batch.map((i) => ({ source_system: i.sourceSystem, external_key: i.externalKey, student_id: i.studentId })))
      .onConflict((oc) => oc.columns(['source_system', 'external_key']).doUpdateSet({ student_id: (eb) => eb.ref('excluded.student_id') }))
      .execute();
  }
}

/** Maps external keys of one source system (e.g. 'entra', 'email') to student ids, in bulk. */
export async function resolveIdentities(db: Db, sourceSystem: string, keys: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const batch of chunk([...new Set(keys)], 500)) {
    const rows = await db
      .selectFrom('identities')
      .select(['external_key', 'student_id'])
      .where('source_system', '=', sourceSystem)
      .where('external_key', 'in', batch)
      .execute();
    for (const r of rows) out.set(r.external_key, r.student_id);
  }
  return out;
}
