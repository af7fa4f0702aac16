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

/**
 * Changes a case's status, owner and outcome only if it is still in the status the caller read:
 * two people pressing buttons at once cannot overwrite each other silently. Returns false on a clash.
 */
export async function changeCaseState(
  db: Db,
  caseId: string,
  expectedStatus: CaseStatus,
  change: { status: CaseStatus; ownerId: string | null; outcome: string | null; closedAt: string | null; updatedAt: string },
): Promise<boolean> {
  const result = await db
    .updateTable('cases')
    .set({
      status: change.status,
      owner_id: change.ownerId,
      outcome: change.outcome,
      closed_at: change.closedAt,
      updated_at: change.updatedAt,
    })
    .where('id', '=', caseId)
    .where('status', '=', expectedStatus)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Open cases that nobody has acknowledged: the candidates for escalation. */
export async function listUnacknowledgedCases(
  db: Db,
): Promise<Array<{ id: string; departmentId: string; studentId: string; openedAt: string }>> {
  const rows = await db
    .selectFrom('cases')
    .select(['id', 'department_id', 'student_id', 'opened_at'])
    .where('status', '=', 'open')
    .execute();
  return rows.map((r) => ({ id: r.id, departmentId: r.department_id, studentId: r.student_id, openedAt: r.opened_at }));
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

export async function markUnreachable(
  db: Db,
  who: { userAadId: string; staffId: string | null; studentId: string | null; reason: string },
  now: string,
): Promise<void> {
  await db
    .insertInto('unreachable_recipients')
    .values({ user_aad_id: who.userAadId, staff_id: who.staffId, student_id: who.studentId, reason: who.reason, since: now })
    .onConflict((oc) => oc.column('user_aad_id').doUpdateSet({ reason: who.reason }))
    .execute();
}

/** A person who messages or installs the bot again is reachable again. */
export async function clearUnreachable(db: Db, userAadId: string): Promise<void> {
  await db.deleteFrom('unreachable_recipients').where('user_aad_id', '=', userAadId).execute();
}

export async function listUnreachable(
  db: Db,
): Promise<Array<{ userAadId: string; staffId: string | null; studentId: string | null; reason: string; since: string }>> {
  const rows = await db.selectFrom('unreachable_recipients').selectAll().orderBy('since').execute();
  return rows.map((r) => ({ userAadId: r.user_aad_id, staffId: r.staff_id, studentId: r.student_id, reason: r.reason, since: r.since }));
}

/** People in a department whom Teams will not let the bot write to (blocked or uninstalled), with their names. */
export async function listUnreachableInDepartment(
  db: Db,
  departmentId: string,
): Promise<Array<{ name: string; reason: string; since: string }>> {
  const rows = await db
    .selectFrom('unreachable_recipients')
    .leftJoin('staff', 'staff.id', 'unreachable_recipients.staff_id')
    .leftJoin('students', 'students.id', 'unreachable_recipients.student_id')
    .select([
      'unreachable_recipients.reason',
      'unreachable_recipients.since',
      'staff.display_name',
      'students.given_name',
      'students.family_name',
    ])
    .where((eb) => eb.or([eb('staff.department_id', '=', departmentId), eb('students.department_id', '=', departmentId)]))
    .orderBy('unreachable_recipients.since', 'desc')
    .execute();
  return rows.map((r) => ({
    name: r.display_name ?? `${r.given_name ?? ''} ${r.family_name ?? ''}`.trim(),
    reason: r.reason,
    since: r.since,
  }));
}
