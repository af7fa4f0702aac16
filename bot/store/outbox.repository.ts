import { z } from 'zod';
import type { Db } from './database';
import { newId } from './ids';
import { WELLBEING_TIERS } from '../../shared/wellbeing/classify';
import type { OutboxRow } from './schema';

const ContactSchema = z.object({ name: z.string(), detail: z.string() });

/**
 * Every message the outbox carries, by kind: the payload is checked against its kind when written
 * (by the compiler) and when read back (here), so the sender never guesses at a field.
 */
export const OutboxMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('digest'), payload: z.object({ caseIds: z.array(z.string()) }) }),
  z.object({
    kind: z.literal('escalation'),
    payload: z.object({ caseIds: z.array(z.string()), level: z.number().int(), workingDays: z.number() }),
  }),
  z.object({ kind: z.literal('checkin'), payload: z.object({ caseId: z.string(), fromStaffId: z.string() }) }),
  z.object({
    kind: z.literal('notice'),
    payload: z.object({
      title: z.string(),
      lines: z.array(z.string()),
      urgent: z.boolean(),
      caseId: z.string().optional(),
      /** The notice carries a button that acknowledges it (a referral to the wellbeing team). */
      acknowledge: z.literal('referral').optional(),
      // The wellbeing tier of the student's message behind a notice: risk notices skip any send schedule.
      tier: z.enum(WELLBEING_TIERS).optional(),
    }),
  }),
  z.object({ kind: z.literal('card_refresh'), payload: z.object({ sentCardId: z.string() }) }),
  /**
   * The support card a student is shown in answer to words of risk (urgent contacts) or distress, queued
   * when the reply in the turn could not be sent. The contacts are those configured when the student wrote.
   */
  z.object({
    kind: z.literal('support_card'),
    payload: z.object({
      tier: z.enum(['risk', 'distress']),
      told: z.enum(['tutor_and_wellbeing', 'tutor', 'staff', 'nobody']),
      contacts: z.array(ContactSchema),
      urgentContacts: z.array(ContactSchema),
      caseId: z.string().nullable(),
      /** Staff hear of it after quiet hours, so the card says when they will see it (absent in rows queued before it was kept). */
      outOfHours: z.boolean().optional(),
    }),
  }),
]);
export type OutboxMessage = z.infer<typeof OutboxMessageSchema>;
export type OutboxKind = OutboxMessage['kind'];

export type OutboxItem = OutboxMessage & {
  id: string;
  idempotencyKey: string;
  recipientStaffId: string | null;
  recipientStudentId: string | null;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  sentActivityId: string | null;
  sentConversationId: string | null;
};

const StatusSchema = z.enum(['pending', 'sent', 'failed']);

/** A stored row as an item, or the reason its message cannot be read. */
export function readItem(r: OutboxRow): { item: OutboxItem } | { error: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(r.payload);
  } catch {
    return { error: `unreadable ${r.kind} message: the payload is not JSON` };
  }
  const message = OutboxMessageSchema.safeParse({ kind: r.kind, payload });
  if (!message.success) return { error: `unreadable ${r.kind} message: ${z.prettifyError(message.error)}` };
  return {
    item: {
      ...message.data,
      id: r.id,
      idempotencyKey: r.idempotency_key,
      recipientStaffId: r.recipient_staff_id,
      recipientStudentId: r.recipient_student_id,
      status: StatusSchema.parse(r.status),
      attempts: Number(r.attempts),
      nextAttemptAt: r.next_attempt_at,
      lastError: r.last_error,
      sentActivityId: r.sent_activity_id,
      sentConversationId: r.sent_conversation_id,
    },
  };
}

function toItem(r: OutboxRow): OutboxItem {
  const read = readItem(r);
  if ('error' in read) throw new Error(`outbox ${r.id}: ${read.error}`);
  return read.item;
}

export type NewDelivery = OutboxMessage & {
  idempotencyKey: string;
  recipientStaffId?: string | null;
  recipientStudentId?: string | null;
  /** When it may first be sent (a digest's time, the end of quiet hours); at once when unset. */
  notBefore?: string;
};

const deliveryValues = (item: NewDelivery, now: string) => ({
  id: newId(),
  idempotency_key: item.idempotencyKey,
  kind: item.kind,
  recipient_staff_id: item.recipientStaffId ?? null,
  recipient_student_id: item.recipientStudentId ?? null,
  payload: JSON.stringify(item.payload),
  status: 'pending',
  next_attempt_at: item.notBefore !== undefined && item.notBefore > now ? item.notBefore : now,
  created_at: now,
});

/**
 * Queues a delivery once: a second enqueue with the same idempotency key (a re-run, another instance)
 * is ignored. Returns true when this call queued it.
 */
export async function enqueueDelivery(db: Db, item: NewDelivery, now: string): Promise<boolean> {
  const result = await db
    .insertInto('outbox')
    .values(deliveryValues(item, now))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function listDeliveries(
  db: Db,
  filter: { status?: OutboxItem['status']; recipientStaffId?: string } = {},
): Promise<OutboxItem[]> {
  let q = db.selectFrom('outbox').selectAll().orderBy('created_at');
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.recipientStaffId) q = q.where('recipient_staff_id', '=', filter.recipientStaffId);
  return (await q.execute()).map(toItem);
}

/**
 * Queues many deliveries in a few statements; as with enqueueDelivery, a key already queued is left
 * alone. Returns the keys this call queued.
 */
export async function enqueueDeliveries(db: Db, items: ReadonlyArray<NewDelivery>, now: string): Promise<Set<string>> {
  const queued = new Set<string>();
  for (let i = 0; i < items.length; i += 300) {
    const rows = await db
      .insertInto('outbox')
      .values(items.slice(i, i + 300).map((item) => deliveryValues(item, now)))
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('idempotency_key')
      .execute();
    for (const row of rows) queued.add(row.idempotency_key);
  }
  return queued;
}

/**
 * Deliveries given up for good (dead letters) whose recipient belongs to a department, newest first,
 * with the recipient's name: what the Data page shows so that someone can follow up by hand.
 */
export async function listDeadLetters(
  db: Db,
  departmentId: string,
  limit: number,
): Promise<Array<{ recipientName: string; kind: string; attempts: number; lastError: string | null; at: string }>> {
  const rows = await departmentOutbox(db, departmentId)
    .select(['outbox.kind', 'outbox.attempts', 'outbox.last_error', 'outbox.created_at'])
    .where('outbox.status', '=', 'failed')
    .orderBy('outbox.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    recipientName: recipientNameOf(r),
    kind: r.kind,
    attempts: r.attempts,
    lastError: r.last_error,
    at: r.created_at,
  }));
}

/** The outbox with each item's recipient, limited to one department's staff and students: what the Data page lists. */
export function departmentOutbox(db: Db, departmentId: string) {
  return db
    .selectFrom('outbox')
    .leftJoin('staff', 'staff.id', 'outbox.recipient_staff_id')
    .leftJoin('students', 'students.id', 'outbox.recipient_student_id')
    .select(['staff.display_name', 'students.given_name', 'students.family_name'])
    .where((eb) => eb.or([eb('staff.department_id', '=', departmentId), eb('students.department_id', '=', departmentId)]));
}

/** A recipient's name as the Data page shows it. */
export function recipientNameOf(r: { display_name: string | null; given_name: string | null; family_name: string | null }): string {
  return r.display_name ?? (r.given_name ? `${r.given_name} ${r.family_name ?? ''}`.trim() : 'Unknown recipient');
}

/** Why a delivery waits without being tried: the person has no chat with the app yet. */
export const NO_CHAT_ERROR = 'No Teams chat with this person yet (the app is not installed for them).';

/** The idempotency key of a case's nth check-in: one per round, so a repeated press queues nothing new. */
export const checkinKey = (caseId: string, round: number): string => `checkin:${caseId}:${round}`;

/** Where each case's latest check-in stands in the outbox. */
export async function findCheckinDeliveries(
  db: Db,
  caseIds: readonly string[],
): Promise<Map<string, { status: OutboxItem['status']; waitingForChat: boolean; createdAt: string; sentAt: string | null }>> {
  const found = new Map<string, { status: OutboxItem['status']; waitingForChat: boolean; createdAt: string; sentAt: string | null }>();
  for (const caseId of caseIds) {
    const row = await db
      .selectFrom('outbox')
      .select(['status', 'last_error', 'created_at', 'sent_at'])
      .where('kind', '=', 'checkin')
      .where('idempotency_key', 'like', `checkin:${caseId}:%`)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (row)
      found.set(caseId, {
        status: StatusSchema.parse(row.status),
        waitingForChat: row.status === 'pending' && row.last_error === NO_CHAT_ERROR,
        createdAt: row.created_at,
        sentAt: row.sent_at,
      });
  }
  return found;
}

/** The delivery queued under an idempotency key, if any (unreadable ones as absent). */
export async function findDeliveryByKey(db: Db, idempotencyKey: string): Promise<OutboxItem | undefined> {
  const row = await db.selectFrom('outbox').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  if (!row) return undefined;
  const read = readItem(row);
  return 'item' in read ? read.item : undefined;
}

/**
 * Queues a delivery that the caller sends itself at once (a student's support card, sent in the reply):
 * due now, but claimed by the caller under `claim.token` until `claim.until`, and marked as being sent.
 * The caller renews the claim while its send is in flight (renewClaims) and records the result under the
 * token (finishSend, releaseClaim), so the delivery worker never sends it while the reply may still carry
 * it; if the caller dies mid-send, the claim runs out and the worker sends it, counted as a possible repeat.
 * Returns the claimed item, or null when the key was queued before (nothing claimed).
 */
export async function enqueueClaimedDelivery(
  db: Db,
  item: NewDelivery,
  claim: { worker: string; token: string; until: string },
  now: string,
): Promise<{ id: string; claimToken: string } | null> {
  const row = await db
    .insertInto('outbox')
    .values({
      ...deliveryValues(item, now),
      claimed_by: claim.worker,
      claimed_until: claim.until,
      claim_token: claim.token,
      send_started_at: now,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? { id: row.id, claimToken: claim.token } : null;
}

/**
 * A delivery waiting unclaimed for a later `next_attempt_at` is due now: a support card queued on hold by
 * an earlier version, whose message Teams sent again. A claimed one is left to its claim.
 */
export async function releaseHeldDelivery(db: Db, idempotencyKey: string, at: string, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ next_attempt_at: at, last_error: error.slice(0, 500) })
    .where('idempotency_key', '=', idempotencyKey)
    .where('status', '=', 'pending')
    .where('claim_token', 'is', null)
    .execute();
}
