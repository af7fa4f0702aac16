import type { Db } from './database';
import { newId } from './ids';
import type { UrgentAlertRow } from './schema';

export interface UrgentAlert {
  id: string;
  studentId: string;
  departmentId: string;
  caseId: string | null;
  message: string | null;
  phrase: string | null;
  raisedAt: string;
  notified: string[];
  actedAt: string | null;
  actedBy: string | null;
  actedNote: string | null;
}

const toAlert = (r: UrgentAlertRow): UrgentAlert => ({
  id: r.id,
  studentId: r.student_id,
  departmentId: r.department_id,
  caseId: r.case_id,
  message: r.message,
  phrase: r.phrase,
  raisedAt: r.raised_at,
  notified: JSON.parse(r.notified) as string[],
  actedAt: r.acted_at,
  actedBy: r.acted_by,
  actedNote: r.acted_note,
});

/** Records an urgent message, so it stays in view until someone has acted, whether or not there is a case. */
export async function insertUrgentAlert(
  db: Db,
  alert: Pick<UrgentAlert, 'studentId' | 'departmentId' | 'caseId' | 'message' | 'phrase' | 'raisedAt' | 'notified'>,
): Promise<UrgentAlert> {
  const row: UrgentAlertRow = {
    id: newId(),
    student_id: alert.studentId,
    department_id: alert.departmentId,
    case_id: alert.caseId,
    message: alert.message,
    phrase: alert.phrase,
    raised_at: alert.raisedAt,
    notified: JSON.stringify(alert.notified),
    acted_at: null,
    acted_by: null,
    acted_note: null,
  };
  await db.insertInto('urgent_alerts').values(row).execute();
  return toAlert(row);
}

/** A department's urgent messages nobody has acted on yet, oldest first. */
export async function listUnactedUrgentAlerts(db: Db, departmentId: string): Promise<UrgentAlert[]> {
  const rows = await db
    .selectFrom('urgent_alerts')
    .selectAll()
    .where('department_id', '=', departmentId)
    .where('acted_at', 'is', null)
    .orderBy('raised_at')
    .orderBy('id')
    .execute();
  return rows.map(toAlert);
}

export async function findUrgentAlert(db: Db, id: string): Promise<UrgentAlert | undefined> {
  const row = await db.selectFrom('urgent_alerts').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toAlert(row) : undefined;
}

/** Records that someone acted; false when someone already had (the first record stands). */
export async function markUrgentActed(db: Db, id: string, acted: { by: string; note: string; at: string }): Promise<boolean> {
  const result = await db
    .updateTable('urgent_alerts')
    .set({ acted_at: acted.at, acted_by: acted.by, acted_note: acted.note })
    .where('id', '=', id)
    .where('acted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Clears the student's words from urgent messages acted on before `actedBefore` (retention of message
 * text): the record of what happened, who was told and who acted stays. Returns how many were (or would be) cleared.
 */
export async function redactActedUrgentMessages(db: Db, actedBefore: string, dryRun: boolean): Promise<number> {
  const q = (b: typeof db) =>
    b
      .selectFrom('urgent_alerts')
      .where('acted_at', '<', actedBefore)
      .where((eb) => eb.or([eb('message', 'is not', null), eb('phrase', 'is not', null)]));
  if (dryRun)
    return Number(
      (
        await q(db)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const result = await db
    .updateTable('urgent_alerts')
    .set({ message: null, phrase: null })
    .where('acted_at', '<', actedBefore)
    .where((eb) => eb.or([eb('message', 'is not', null), eb('phrase', 'is not', null)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
