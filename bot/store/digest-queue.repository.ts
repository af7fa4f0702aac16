import { createHash } from 'node:crypto';
import type { IsoDay } from '../../shared/domain';
import type { Db } from './database';
import { enqueueDeliveries, enqueueDelivery } from './outbox.repository';

/** The key of a tutor's digest for one day: one digest per tutor per working day. */
export const dailyDigestKey = (staffId: string, day: IsoDay): string => `digest:${staffId}:${day}`;

/** How often adding to a waiting digest is retried when another writer changed it in between. */
const MERGE_ATTEMPTS = 5;

export interface DigestAlerts {
  staffId: string;
  caseIds: readonly string[];
}

export interface QueuedDigest {
  staffId: string;
  /** Cases this call put on a digest (a case already on the waiting digest is not counted again). */
  caseIds: string[];
  /** True when this call created the digest rather than adding to one already waiting. */
  created: boolean;
  idempotencyKey: string;
}

const parseCaseIds = (payload: string): string[] => {
  const parsed = JSON.parse(payload) as { caseIds?: unknown };
  return Array.isArray(parsed.caseIds) ? parsed.caseIds.filter((c): c is string => typeof c === 'string') : [];
};

/**
 * Puts new alerts on each tutor's digest for the day it goes (`send.day`, at `send.at`): creates that
 * digest, or adds the cases to it while it still waits. A digest whose time has come is never changed
 * (the sender may be holding it): should one with the day's key already be due or sent, the alerts go
 * in a digest of their own for the same time, keyed by the cases, so nothing is lost or sent twice.
 */
export async function queueDailyDigests(
  db: Db,
  alerts: readonly DigestAlerts[],
  send: { day: IsoDay; at: string },
  now: string,
): Promise<QueuedDigest[]> {
  const out: QueuedDigest[] = [];
  const byStaff = new Map<string, string[]>();
  for (const { staffId, caseIds } of alerts) {
    const ids = [...new Set([...(byStaff.get(staffId) ?? []), ...caseIds])];
    if (ids.length > 0) byStaff.set(staffId, ids);
  }
  // Most tutors have no digest waiting yet: those are created in a few statements, the rest added to one by one.
  const created = await enqueueDeliveries(
    db,
    [...byStaff].map(([staffId, caseIds]) => ({
      kind: 'digest' as const,
      recipientStaffId: staffId,
      notBefore: send.at,
      idempotencyKey: dailyDigestKey(staffId, send.day),
      payload: { caseIds },
    })),
    now,
  );
  for (const [staffId, wanted] of byStaff) {
    const key = dailyDigestKey(staffId, send.day);
    const item = { kind: 'digest' as const, recipientStaffId: staffId, notBefore: send.at };
    if (created.has(key)) {
      out.push({ staffId, caseIds: wanted, created: true, idempotencyKey: key });
      continue;
    }
    let added: string[] | null = null;
    for (let attempt = 0; attempt < MERGE_ATTEMPTS && added === null; attempt++) {
      const row = await db
        .selectFrom('outbox')
        .select(['id', 'payload', 'status', 'next_attempt_at'])
        .where('idempotency_key', '=', key)
        .executeTakeFirst();
      if (!row || row.status !== 'pending' || row.next_attempt_at <= now) break;
      const present = parseCaseIds(row.payload);
      const fresh = wanted.filter((c) => !present.includes(c));
      if (fresh.length === 0) {
        added = [];
        break;
      }
      // Conditional on the payload read, so two evaluations adding at once never drop each other's cases.
      const result = await db
        .updateTable('outbox')
        .set({ payload: JSON.stringify({ caseIds: [...present, ...fresh] }) })
        .where('id', '=', row.id)
        .where('payload', '=', row.payload)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '>', now)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) added = fresh;
    }
    if (added !== null) {
      if (added.length > 0) out.push({ staffId, caseIds: added, created: false, idempotencyKey: key });
      continue;
    }
    const fingerprint = createHash('sha256')
      .update([...wanted].sort().join(','))
      .digest('hex')
      .slice(0, 24);
    const fallbackKey = `${key}:${fingerprint}`;
    if (await enqueueDelivery(db, { ...item, idempotencyKey: fallbackKey, payload: { caseIds: wanted } }, now))
      out.push({ staffId, caseIds: wanted, created: true, idempotencyKey: fallbackKey });
  }
  return out;
}
