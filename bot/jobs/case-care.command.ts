import type { Logger } from 'pino';
import { EXEMPT_STATUSES, studentName, type IsoDay } from '../../shared/domain';
import { workingDaysBetween } from '../../shared/working-days';
import type { Db } from '../store/database';
import { appendCaseEvent, listCaseEvents } from '../store/case-event.repository';
import { findCase, listActiveCases } from '../store/case.repository';
import { findFollowup, saveFollowup } from '../store/case-followup.repository';
import { findStudent } from '../store/student.repository';
import { listStudentExemptions } from '../store/exemption.repository';
import { enqueueDelivery } from '../store/outbox.repository';
import { todayIn } from '../clock';
import { routineNotBefore, type SendSchedule } from '../../shared/send-schedule';

export interface CaseCareDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  timeZone: string;
  /** Working days after "Contacted, no reply yet" before the owner is reminded. */
  noReplyWorkingDays: number;
  closureDays: ReadonlySet<IsoDay>;
  /** Quiet hours for routine staff notices (QUIET_HOURS in TIME_ZONE); none when unset. */
  schedule?: Pick<SendSchedule, 'timeZone' | 'quietHours'>;
}

export interface CaseCareSummary {
  paused: number;
  resumed: number;
  reminders: number;
}

const STATUS_WORDS: Record<string, string> = {
  suspended: 'suspended',
  placement: 'on placement',
  study_abroad: 'studying abroad',
  withdrawn: 'withdrawn',
  not_enrolled: 'not enrolled',
};

/** Why a student is out of monitoring today, in words for the timeline; null while they are monitored. */
async function outOfMonitoring(db: Db, studentId: string, today: IsoDay): Promise<string | null> {
  const student = await findStudent(db, studentId);
  if (!student) return null;
  if (EXEMPT_STATUSES.has(student.status)) return `the student is ${STATUS_WORDS[student.status] ?? student.status}`;
  const exemption = (await listStudentExemptions(db, studentId)).find((e) => e.from <= today && (e.until === null || e.until >= today));
  return exemption ? `exempt from monitoring: ${exemption.reason}` : null;
}

/**
 * The case follows the student: pauses the open case of a student who is suspended, withdrawn or
 * exempt (so it never escalates) and resumes it when they are monitored again; brings "Contacted, no
 * reply yet" back to its owner after the configured working days. Idempotent: each change is noted once.
 */
export async function followCases(deps: CaseCareDeps): Promise<CaseCareSummary> {
  const at = deps.now().toISOString();
  const today = todayIn(deps.timeZone, deps.now());
  const summary: CaseCareSummary = { paused: 0, resumed: 0, reminders: 0 };
  for (const active of await listActiveCases(deps.db)) {
    await deps.db.transaction().execute(async (trx) => {
      const c = await findCase(trx, active.id);
      if (!c || c.status === 'closed') return;
      const followup = await findFollowup(trx, c.id);
      const why = await outOfMonitoring(trx, c.studentId, today);
      const system = { caseId: c.id, at, actorKind: 'system' as const, actorId: null };
      if (why && !followup.pausedSince) {
        await saveFollowup(trx, { ...followup, pausedSince: at, pausedReason: why }, at);
        await appendCaseEvent(trx, {
          ...system,
          kind: 'paused',
          note: `Paused: ${why}. It will not escalate while the student is not monitored.`,
          data: { reason: why },
        });
        summary.paused++;
        return;
      }
      if (!why && followup.pausedSince) {
        await saveFollowup(trx, { ...followup, pausedSince: null, pausedReason: null }, at);
        await appendCaseEvent(trx, {
          ...system,
          kind: 'resumed',
          note: 'Resumed: the student is monitored again.',
          data: { pausedSince: followup.pausedSince },
        });
        summary.resumed++;
      }
      if (why || c.outcome !== 'contacted_no_reply') return;
      const events = await listCaseEvents(trx, c.id);
      const noReplyAt = events.findLast((e) => e.kind === 'outcome_recorded' && e.data.outcome === 'contacted_no_reply');
      if (!noReplyAt || events.some((e) => e.kind === 'no_reply_reminder' && e.at >= noReplyAt.at)) return;
      const waited = workingDaysBetween(todayIn(deps.timeZone, new Date(noReplyAt.at)), today, deps.closureDays);
      if (waited < deps.noReplyWorkingDays) return;
      const ownerId = c.ownerId ?? noReplyAt.actorId;
      if (!ownerId) return;
      const student = await findStudent(trx, c.studentId);
      await enqueueDelivery(
        trx,
        {
          idempotencyKey: `no-reply:${c.id}:${noReplyAt.id}`,
          kind: 'notice',
          recipientStaffId: ownerId,
          payload: {
            title: `Still no reply from ${student ? studentName(student) : 'your student'}`,
            lines: [
              `You recorded “Contacted, no reply yet” ${waited} working days ago. Could you try once more, perhaps another way (phone, or a colleague who teaches them)?`,
              'If you are worried about their safety, consider the missing-student procedure or a referral to the Wellbeing Service.',
            ],
            urgent: false,
            caseId: c.id,
          },
          notBefore: routineNotBefore(deps.now(), deps.schedule),
        },
        at,
      );
      await appendCaseEvent(trx, { ...system, kind: 'no_reply_reminder', note: null, data: { ownerId, workingDays: waited } });
      summary.reminders++;
    });
  }
  if (summary.paused + summary.resumed + summary.reminders > 0) deps.logger.info({ caseCare: summary }, 'case care run finished');
  return summary;
}
