import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { IsoDay, StaffRole } from '../../shared/domain';
import { workingDaysBetween } from '../../shared/working-days';
import type { Db } from '../store/database';
import { appendCaseEvent } from '../store/case-event.repository';
import { changeCaseStatus, findCase, listUnacknowledgedCases } from '../store/case.repository';
import { findFollowup, listExpiredSnoozes, saveFollowup } from '../store/case-followup.repository';
import { listStaffWithRole } from '../store/staff.repository';
import { enqueueDelivery } from '../store/outbox.repository';
import { todayIn } from '../clock';

export interface EscalateDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  timeZone: string;
  workingDays: number;
  /** Bank holidays and closure days, which do not count towards escalation. */
  closureDays?: ReadonlySet<IsoDay>;
}

export interface EscalationSummary {
  escalated: number;
  cardsQueued: number;
  snoozesEnded: number;
  noRecipient: number;
}

/** Who hears about an unacknowledged case, in order: first the Director of Studies, then the SEO. */
export const ESCALATION_LADDER: readonly StaffRole[] = ['director_of_studies', 'student_experience_officer'];

/**
 * Ends snoozes that have run out, then escalates every open case nobody has acknowledged: after N
 * working days to the Director of Studies, after 2N to the Student Experience Officer. Each level is
 * reached once per case, and each recipient gets one card per run listing their cases.
 */
export async function escalateUnacknowledged(deps: EscalateDeps): Promise<EscalationSummary> {
  const at = deps.now().toISOString();
  const today: IsoDay = todayIn(deps.timeZone, deps.now());
  const summary: EscalationSummary = { escalated: 0, cardsQueued: 0, snoozesEnded: 0, noRecipient: 0 };

  await deps.db.transaction().execute(async (trx) => {
    for (const snooze of await listExpiredSnoozes(trx, at)) {
      const back = snooze.statusBeforeSnooze && snooze.statusBeforeSnooze !== 'snoozed' ? snooze.statusBeforeSnooze : 'open';
      const followup = await findFollowup(trx, snooze.caseId);
      const c = await findCase(trx, snooze.caseId);
      if (!c) continue;
      if (await changeCaseStatus(trx, c.id, ['snoozed'], { status: back, closedAt: null, updatedAt: at })) {
        await saveFollowup(trx, { ...followup, snoozedUntil: null, statusBeforeSnooze: null }, at);
        await appendCaseEvent(trx, {
          caseId: snooze.caseId,
          at,
          kind: 'snooze_ended',
          actorKind: 'system',
          actorId: null,
          note: null,
          data: { status: back },
        });
        summary.snoozesEnded++;
      }
    }

    const byRecipient = new Map<string, { level: number; caseIds: string[] }>();
    for (const c of await listUnacknowledgedCases(trx)) {
      const followup = await findFollowup(trx, c.id);
      // A paused case (the student is suspended, withdrawn or exempt) never escalates.
      if (followup.pausedSince) continue;
      // From the day the tutor had the alert (a digest waits for the morning); from the opening when it never
      // arrived, since a tutor who cannot be reached is exactly who escalation is for.
      const since = new Date(c.firstAlertedAt ?? c.openedAt);
      const waited = workingDaysBetween(todayIn(deps.timeZone, since), today, deps.closureDays);
      const due = Math.min(ESCALATION_LADDER.length, Math.floor(waited / deps.workingDays));
      if (due <= followup.escalationLevel) continue;
      const role = ESCALATION_LADDER[due - 1];
      const recipients = role ? await listStaffWithRole(trx, c.departmentId, role) : [];
      if (recipients.length === 0) {
        summary.noRecipient++;
        deps.logger.warn({ caseId: c.id, role }, 'no one holds the role to escalate to');
      }
      await saveFollowup(trx, { ...followup, escalationLevel: due, escalatedAt: at }, at);
      await appendCaseEvent(trx, {
        caseId: c.id,
        at,
        kind: 'escalated',
        actorKind: 'system',
        actorId: null,
        note: null,
        data: { level: due, role, workingDays: waited, recipients: recipients.map((r) => r.id) },
      });
      summary.escalated++;
      for (const r of recipients) {
        const entry = byRecipient.get(r.id) ?? { level: due, caseIds: [] };
        entry.caseIds.push(c.id);
        byRecipient.set(r.id, entry);
      }
    }
    for (const [staffId, entry] of byRecipient) {
      const fingerprint = createHash('sha256')
        .update([...entry.caseIds].sort().join(','))
        .digest('hex')
        .slice(0, 24);
      const queued = await enqueueDelivery(
        trx,
        {
          idempotencyKey: `escalation:${staffId}:${entry.level}:${fingerprint}`,
          kind: 'escalation',
          recipientStaffId: staffId,
          payload: { caseIds: entry.caseIds, level: entry.level, workingDays: deps.workingDays * entry.level },
        },
        at,
      );
      if (queued) summary.cardsQueued++;
    }
  });
  if (summary.escalated + summary.snoozesEnded > 0) deps.logger.info({ escalation: summary }, 'escalation run finished');
  return summary;
}
