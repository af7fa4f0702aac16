import type { CaseStatus } from '../../shared/domain';
import type { Db } from './database';

/** What happens to a case after the alert: snooze and escalation bookkeeping. */
export interface CaseFollowup {
  caseId: string;
  snoozedUntil: string | null;
  statusBeforeSnooze: CaseStatus | null;
  escalationLevel: number;
  escalatedAt: string | null;
  checkinsSent: number;
}

const EMPTY = (caseId: string): CaseFollowup => ({
  caseId,
  snoozedUntil: null,
  statusBeforeSnooze: null,
  escalationLevel: 0,
  escalatedAt: null,
  checkinsSent: 0,
});

export async function findFollowup(db: Db, caseId: string): Promise<CaseFollowup> {
  const row = await db.selectFrom('case_followups').selectAll().where('case_id', '=', caseId).executeTakeFirst();
  if (!row) return EMPTY(caseId);
  return {
    caseId,
    snoozedUntil: row.snoozed_until,
    statusBeforeSnooze: row.status_before_snooze as CaseStatus | null,
    escalationLevel: Number(row.escalation_level),
    escalatedAt: row.escalated_at,
    checkinsSent: Number(row.checkins_sent),
  };
}

export async function listFollowups(db: Db, caseIds: readonly string[]): Promise<Map<string, CaseFollowup>> {
  const out = new Map(caseIds.map((id) => [id, EMPTY(id)]));
  if (caseIds.length === 0) return out;
  const rows = await db
    .selectFrom('case_followups')
    .selectAll()
    .where('case_id', 'in', [...caseIds])
    .execute();
  for (const row of rows) {
    out.set(row.case_id, {
      caseId: row.case_id,
      snoozedUntil: row.snoozed_until,
      statusBeforeSnooze: row.status_before_snooze as CaseStatus | null,
      escalationLevel: Number(row.escalation_level),
      escalatedAt: row.escalated_at,
      checkinsSent: Number(row.checkins_sent),
    });
  }
  return out;
}

export async function saveFollowup(db: Db, f: CaseFollowup, now: string): Promise<void> {
  const values = {
    snoozed_until: f.snoozedUntil,
    status_before_snooze: f.statusBeforeSnooze,
    escalation_level: f.escalationLevel,
    escalated_at: f.escalatedAt,
    checkins_sent: f.checkinsSent,
    updated_at: now,
  };
  await db
    .insertInto('case_followups')
    .values({ case_id: f.caseId, ...values })
    .onConflict((oc) => oc.column('case_id').doUpdateSet(values))
    .execute();
}

/** Snoozed cases whose snooze has run out. */
export async function listExpiredSnoozes(db: Db, now: string): Promise<Array<{ caseId: string; statusBeforeSnooze: CaseStatus | null }>> {
  const rows = await db
    .selectFrom('case_followups')
    .innerJoin('cases', 'cases.id', 'case_followups.case_id')
    .select(['case_followups.case_id', 'case_followups.status_before_snooze'])
    .where('cases.status', '=', 'snoozed')
    .where('case_followups.snoozed_until', '<=', now)
    .execute();
  return rows.map((r) => ({ caseId: r.case_id, statusBeforeSnooze: r.status_before_snooze as CaseStatus | null }));
}
