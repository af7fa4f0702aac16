import { type StaffRole, studentName } from '../../shared/domain';
import type { WellbeingClassification } from '../../shared/wellbeing/classify';
import type { Db } from '../store/database';
import { appendCaseEvent, type CaseEvent } from '../store/case-event.repository';
import { findCase, findOpenCaseOfStudent } from '../store/case.repository';
import { listStaffWithRole } from '../store/staff.repository';
import type { Student } from '../store/student.repository';
import { enqueueDelivery } from '../store/outbox.repository';
import { writeAudit } from '../store/audit.repository';
import { insertUrgentAlert } from '../store/urgent-alert.repository';
import { forbidden } from '../errors';
import { routineNotBefore, type SendSchedule } from '../../shared/send-schedule';
import { CHECKIN_CHOICE_LABELS, type CheckinChoice } from '../../shared/cases';

export interface StudentMessageDeps {
  db: Db;
  now: () => Date;
  wellbeingRole: StaffRole;
  /** Quiet hours for routine staff notices (QUIET_HOURS in TIME_ZONE); none when unset. */
  schedule?: Pick<SendSchedule, 'timeZone' | 'quietHours'>;
}

export interface StudentMessageResult {
  caseId: string | null;
  event: CaseEvent | null;
  /** True for the risk tier: the student was shown the urgent contacts and staff are alerted at once. */
  urgent: boolean;
  tier: WellbeingClassification['tier'];
  /** Staff who will be told (owner or tutor, and the wellbeing role when urgent). */
  notified: string[];
  /** Whether the student's personal tutor is among them, so what the student is told is true. */
  toldTutor: boolean;
  /** The urgent message the tab pins until someone acts (risk tier only). */
  urgentAlertId: string | null;
  /** Staff are told once quiet hours end (never for risk), so the student is told when they will see it. */
  outOfHours: boolean;
}

/** Who hears of a risk message when the student has no tutor and the department no one in the wellbeing role. */
const URGENT_FALLBACK_ROLES: readonly StaffRole[] = ['student_experience_officer', 'director_of_studies', 'department_admin'];

/**
 * A student's reply to a check-in, or any message they send, with the wellbeing tier the bot gave it:
 * it goes on their open case (if any) with its tier, their tutor (or whoever is following up) is told
 * in their chat, and a risk message alerts the wellbeing role as well.
 */
export async function recordStudentMessage(
  deps: StudentMessageDeps,
  input: { student: Student; caseId?: string; choice?: CheckinChoice; message: string | null; wellbeing: WellbeingClassification },
): Promise<StudentMessageResult> {
  const at = deps.now().toISOString();
  const { tier, phrase } = input.wellbeing;
  const urgent = tier === 'risk';
  const wellbeing = tier === 'none' ? {} : { tier, phrase, ...(urgent ? { urgent: true } : {}) };
  return deps.db.transaction().execute(async (trx) => {
    let caseId: string | null = null;
    let ownerId: string | null = null;
    if (input.caseId) {
      const c = await findCase(trx, input.caseId);
      // A student may only answer about themselves, whatever a forged card action says.
      if (!c || c.studentId !== input.student.id) throw forbidden('This check-in is not addressed to you.');
      caseId = c.id;
      ownerId = c.ownerId;
    } else {
      const open = await findOpenCaseOfStudent(trx, input.student.id);
      caseId = open?.id ?? null;
      ownerId = open?.ownerId ?? null;
    }
    const kind = input.choice ? 'student_replied' : 'student_message';
    const event = caseId
      ? await appendCaseEvent(trx, {
          caseId,
          at,
          kind,
          actorKind: 'student',
          actorId: input.student.id,
          note: input.message,
          data: { ...(input.choice ? { choice: input.choice } : {}), ...wellbeing },
        })
      : null;

    const recipients = new Set<string>();
    const primary = ownerId ?? input.student.tutorId;
    if (primary) recipients.add(primary);
    // Risk always reaches the wellbeing role; distress does when the student has nobody else to tell.
    if (urgent || (tier === 'distress' && !primary))
      for (const s of await listStaffWithRole(trx, input.student.departmentId, deps.wellbeingRole)) recipients.add(s.id);
    // Nobody to tell is never the answer to a risk message: the department's senior roles hear instead.
    for (const role of URGENT_FALLBACK_ROLES) {
      if (!urgent || recipients.size > 0) break;
      for (const s of await listStaffWithRole(trx, input.student.departmentId, role)) recipients.add(s.id);
    }

    const name = studentName(input.student);
    const answer = input.choice && input.choice !== 'message' ? CHECKIN_CHOICE_LABELS[input.choice] : null;
    const lines = [
      ...(answer ? [`Their answer: ${answer}.`] : []),
      ...(input.message ? [`Their message: “${input.message}”`] : []),
      ...(urgent
        ? [
            'Their words suggest they may be in danger. Emergency and out-of-hours support contacts are being sent to them in their Teams chat with the app. Please reach out to them as soon as you can.',
            'The Engagement Monitor tab shows whether the contacts have reached them, and keeps this pinned at the top until someone records what they have done.',
          ]
        : tier === 'distress'
          ? [
              'Their words suggest they are having a hard time. The app answers messages like this with support contacts in its Teams chat with them. Please get in touch with them soon.',
            ]
          : []),
    ];
    const title = urgent
      ? `Urgent: ${name} may need help now`
      : tier === 'distress'
        ? `${name} may be struggling`
        : input.choice
          ? `${name} replied to your check-in`
          : `${name} sent a message`;
    const key = event?.id ?? `${input.student.id}:${at}`;
    // Only a risk message goes in quiet hours; the rest waits for the morning.
    const notBefore = urgent ? undefined : routineNotBefore(deps.now(), deps.schedule);
    for (const staffId of recipients) {
      await enqueueDelivery(
        trx,
        {
          idempotencyKey: `notice:${key}:${staffId}`,
          kind: 'notice',
          recipientStaffId: staffId,
          payload: { title, lines, urgent, tier, ...(caseId ? { caseId } : {}) },
          ...(notBefore ? { notBefore } : {}),
        },
        at,
      );
    }
    // Tracked until someone records that they acted, with or without a case: the tab pins it above the list.
    const urgentAlert = urgent
      ? await insertUrgentAlert(trx, {
          studentId: input.student.id,
          departmentId: input.student.departmentId,
          caseId,
          message: input.message,
          phrase,
          raisedAt: at,
          notified: [...recipients],
        })
      : null;
    await writeAudit(
      trx,
      {
        actorId: null,
        action: urgent ? 'student.urgent_message' : tier === 'distress' ? 'student.distress_message' : 'student.message',
        subjectKind: 'student',
        subjectId: input.student.id,
        detail: { caseId, notified: [...recipients], ...wellbeing, ...(urgentAlert ? { urgentAlertId: urgentAlert.id } : {}) },
      },
      at,
    );
    const toldTutor = input.student.tutorId !== null && recipients.has(input.student.tutorId);
    return {
      caseId,
      event,
      urgent,
      tier,
      notified: [...recipients],
      toldTutor,
      urgentAlertId: urgentAlert?.id ?? null,
      outOfHours: notBefore !== undefined && recipients.size > 0,
    };
  });
}
