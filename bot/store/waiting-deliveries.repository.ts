import { nextDigestTime, routineSendTime, type SendSchedule } from '../../shared/send-schedule';
import type { Db } from './database';
import { queueDailyDigests } from './digest-queue.repository';

/** Whether a waiting message may skip the send schedule: escalations and urgent or risk notices go at once. */
function isUrgent(kind: string, payload: string): boolean {
  if (kind === 'escalation') return true;
  if (kind !== 'notice') return false;
  try {
    const p = JSON.parse(payload) as { urgent?: unknown; tier?: unknown };
    return p.urgent === true || p.tier === 'risk';
  } catch {
    return false;
  }
}

const caseIdsOf = (payload: string): string[] => {
  try {
    const ids = (JSON.parse(payload) as { caseIds?: unknown }).caseIds;
    return Array.isArray(ids) ? ids.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
};

/**
 * A member of staff's chat is known now (they installed the app or wrote to it): what was waiting for
 * it is rescheduled as a tutor would expect, never all at once. Urgent messages and escalations go
 * now. A digest whose time came while the chat was missing joins the next digest, at DIGEST_TIME on
 * the next working day. Other routine messages go now, or when the quiet hours end. Messages still
 * waiting for their own time keep it. Returns when each kind now goes.
 */
export async function releaseWaitingDeliveries(
  db: Db,
  staffId: string,
  now: Date,
  schedule: SendSchedule,
): Promise<{ urgent: number; digestCases: number; routine: number }> {
  const at = now.toISOString();
  const routineAt = routineSendTime(now, schedule).toISOString();
  const digest = nextDigestTime(now, schedule);
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'kind', 'payload', 'next_attempt_at'])
    .where('recipient_staff_id', '=', staffId)
    .where('status', '=', 'pending')
    .where('last_error', 'is not', null)
    .where('claimed_by', 'is', null)
    .execute();
  const out = { urgent: 0, digestCases: 0, routine: 0 };
  for (const row of rows) {
    // Each change is conditional on what was read, so an item a sender took meanwhile is left to it.
    if (row.kind === 'digest') {
      const caseIds = caseIdsOf(row.payload);
      const moved = await db.transaction().execute(async (trx) => {
        const gone = await trx
          .deleteFrom('outbox')
          .where('id', '=', row.id)
          .where('status', '=', 'pending')
          .where('claimed_by', 'is', null)
          .where('payload', '=', row.payload)
          .executeTakeFirst();
        if (Number(gone.numDeletedRows) !== 1) return false;
        if (caseIds.length > 0) await queueDailyDigests(trx, [{ staffId, caseIds }], { day: digest.day, at: digest.at.toISOString() }, at);
        return true;
      });
      if (moved) out.digestCases += caseIds.length;
      continue;
    }
    const urgent = isUrgent(row.kind, row.payload);
    const result = await db
      .updateTable('outbox')
      .set({ next_attempt_at: urgent ? at : routineAt })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('claimed_by', 'is', null)
      .where('next_attempt_at', '=', row.next_attempt_at)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) out[urgent ? 'urgent' : 'routine']++;
  }
  return out;
}

/** How many students wait on a member of staff's digests (open cases only), and when the first of those digests goes. */
export async function findWaitingDigest(db: Db, staffId: string): Promise<{ students: number; at: string } | null> {
  const rows = await db
    .selectFrom('outbox')
    .select(['payload', 'next_attempt_at'])
    .where('recipient_staff_id', '=', staffId)
    .where('kind', '=', 'digest')
    .where('status', '=', 'pending')
    .orderBy('next_attempt_at')
    .execute();
  const caseIds = [...new Set(rows.flatMap((r) => caseIdsOf(r.payload)))];
  if (rows.length === 0 || caseIds.length === 0) return null;
  const students = await db
    .selectFrom('cases')
    .select((eb) => eb.fn.count<number>('student_id').distinct().as('n'))
    .where('id', 'in', caseIds)
    .where('closed_at', 'is', null)
    .executeTakeFirst();
  const n = Number(students?.n ?? 0);
  return n > 0 ? { students: n, at: rows[0]!.next_attempt_at } : null;
}
