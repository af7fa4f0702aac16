import { sql } from 'kysely';
import { isPostgres, type Db } from './database';
import { departmentOutbox, readItem, recipientNameOf, type OutboxItem } from './outbox.repository';
import type { OutboxRow } from './schema';

/** A claimed outbox item; `interrupted` when an earlier attempt was marked as sending and never recorded (a crash mid-send). */
export type ClaimedItem = OutboxItem & { claimToken: string; interrupted: boolean };

/**
 * Claims up to `limit` due deliveries under one fencing token. A claim is a lease: it holds until
 * `claimUntil` unless renewed, and every later write about the item names the token, so a worker
 * whose lease ran out (and was taken over) can neither send nor record. Due means pending, its
 * `next_attempt_at` reached, and unclaimed or with a lease that ran out (a worker that died, or lost
 * its database mid-run, leaves items that come back here once their lease ends).
 *
 * On PostgreSQL the due rows are picked and locked in one materialized CTE (FOR UPDATE SKIP LOCKED,
 * then LIMIT) and updated by joining it: instances claiming at once split the work, and a claim
 * never takes more than `limit`. (An `update ... where id in (select ... limit n for update skip
 * locked)` lets the planner run the subquery more than once, so one claim could take more than
 * `limit` rows, or rows another statement was taking.) SQLite has one writer at a time.
 */
export async function claimDeliveries(
  db: Db,
  opts: {
    worker: string;
    token: string;
    now: string;
    claimUntil: string;
    limit: number;
    recipientStaffId?: string;
    recipientStudentId?: string;
  },
): Promise<ClaimedItem[]> {
  const limit = Math.max(1, Math.floor(opts.limit));
  const recipient = opts.recipientStaffId
    ? sql`and recipient_staff_id = ${opts.recipientStaffId}`
    : opts.recipientStudentId
      ? sql`and recipient_student_id = ${opts.recipientStudentId}`
      : sql``;
  const due = sql`status = 'pending' and next_attempt_at <= ${opts.now} and (claimed_until is null or claimed_until < ${opts.now}) ${recipient}`;
  const rows = isPostgres(db)
    ? (
        await sql<OutboxRow>`
          with picked as materialized (
            select id from outbox where ${due}
            order by next_attempt_at, created_at, id
            for update skip locked
            limit ${limit}
          )
          update outbox set claimed_by = ${opts.worker}, claimed_until = ${opts.claimUntil}, claim_token = ${opts.token}
          from picked where outbox.id = picked.id
          returning outbox.*`.execute(db)
      ).rows
    : (
        await sql<OutboxRow>`
          update outbox set claimed_by = ${opts.worker}, claimed_until = ${opts.claimUntil}, claim_token = ${opts.token}
          where id in (select id from outbox where ${due} order by next_attempt_at, created_at, id limit ${limit})
          returning *`.execute(db)
      ).rows;
  const claimed: ClaimedItem[] = [];
  // RETURNING gives no order: oldest due first, as picked.
  const ordered = [...rows].sort(
    (a, b) => a.next_attempt_at.localeCompare(b.next_attempt_at) || a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
  );
  for (const row of ordered) {
    const read = readItem(row);
    const item = { id: row.id, claimToken: opts.token };
    // A message nobody can read is a dead letter at once: retrying would fail the same way forever.
    if ('error' in read) await releaseClaim(db, item, { error: read.error, nextAttemptAt: opts.now, giveUp: true, countAttempt: false });
    else claimed.push({ ...read.item, claimToken: opts.token, interrupted: row.send_started_at !== null });
  }
  return claimed;
}

/** Extends the lease of every item still held under `token`; returns how many it still holds. */
export async function renewClaims(db: Db, token: string, claimUntil: string): Promise<number> {
  const result = await db
    .updateTable('outbox')
    .set({ claimed_until: claimUntil })
    .where('claim_token', '=', token)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Marks an attempt as going out, just before the card is sent: only while the claim is still this
 * worker's and its lease lasts at least until `leaseMustLast` (longer than the slowest send). An
 * attempt that starts over an interrupted one counts as a repeat. False: the claim is lost, do not send.
 */
export async function startSend(db: Db, item: { id: string; claimToken: string }, at: string, leaseMustLast: string): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set((eb) => ({
      send_started_at: at,
      sends: eb('sends', '+', 1),
      repeats: eb('repeats', '+', sql<number>`case when send_started_at is null then 0 else 1 end`),
    }))
    .where('id', '=', item.id)
    .where('claim_token', '=', item.claimToken)
    .where('status', '=', 'pending')
    .where('claimed_until', '>=', leaseMustLast)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records a delivery as sent (or as needing nothing sent). Fenced by the token; when the claim was
 * lost while the card was on its way, the card has still gone: it is recorded all the same (so no
 * one sends it again), and counted as a repeat if someone else had already recorded it.
 * Returns false when the item was already recorded as sent by someone else.
 */
export async function finishSend(
  db: Db,
  item: { id: string; claimToken: string },
  sent: { activityId: string | null; conversationId: string; at: string },
): Promise<boolean> {
  const values = {
    status: 'sent',
    sent_activity_id: sent.activityId,
    sent_conversation_id: sent.conversationId,
    sent_at: sent.at,
    claimed_by: null,
    claimed_until: null,
    claim_token: null,
    send_started_at: null,
    last_error: null,
  };
  const fenced = await db
    .updateTable('outbox')
    .set((eb) => ({ ...values, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', item.id)
    .where('claim_token', '=', item.claimToken)
    .executeTakeFirst();
  if (Number(fenced.numUpdatedRows) === 1) return true;
  const late = await db
    .updateTable('outbox')
    .set((eb) => ({ ...values, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', item.id)
    .where('status', '<>', 'sent')
    .executeTakeFirst();
  if (Number(late.numUpdatedRows) === 1) return true;
  await db
    .updateTable('outbox')
    .set((eb) => ({ repeats: eb('repeats', '+', 1) }))
    .where('id', '=', item.id)
    .execute();
  return false;
}

/**
 * Records a failed or postponed attempt, fenced by the token: the item goes back to the outbox at
 * `nextAttemptAt`, or to the dead letters when `giveUp`. `countAttempt` is false when nothing was
 * tried (no chat yet). Returns false when the claim was no longer this worker's (nothing changed).
 */
export async function releaseClaim(
  db: Db,
  item: { id: string; claimToken: string },
  change: { error: string; nextAttemptAt: string; giveUp: boolean; countAttempt: boolean },
): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set((eb) => ({
      status: change.giveUp ? 'failed' : 'pending',
      last_error: change.error,
      next_attempt_at: change.nextAttemptAt,
      attempts: change.countAttempt ? eb('attempts', '+', 1) : eb.ref('attempts'),
      claimed_by: null,
      claimed_until: null,
      claim_token: null,
      send_started_at: null,
    }))
    .where('id', '=', item.id)
    .where('claim_token', '=', item.claimToken)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Deliveries sent again after an attempt interrupted by a crash (they may have reached their
 * recipient twice) whose recipient belongs to a department, newest first: shown on the Data page.
 */
export async function listRepeatedDeliveries(
  db: Db,
  departmentId: string,
  limit: number,
): Promise<Array<{ recipientName: string; kind: string; repeats: number; at: string }>> {
  const rows = await departmentOutbox(db, departmentId)
    .select(['outbox.kind', 'outbox.repeats', 'outbox.sent_at', 'outbox.created_at'])
    .where('outbox.repeats', '>', 0)
    .orderBy('outbox.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    recipientName: recipientNameOf(r),
    kind: r.kind,
    repeats: Number(r.repeats),
    at: r.sent_at ?? r.created_at,
  }));
}

/** The connector answered that the card did not go (a 429, a 5xx): the attempt is no longer in flight. */
export async function abandonSend(db: Db, item: { id: string; claimToken: string }): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ send_started_at: null })
    .where('id', '=', item.id)
    .where('claim_token', '=', item.claimToken)
    .execute();
}
