import { type StaffRole, studentName } from '../../shared/domain';
import { findUrgentTerms } from '../../shared/urgent';
import type { Db } from '../store/database';
import { appendCaseEvent, type CaseEvent } from '../store/case-event.repository';
import { findCase, findOpenCaseOfStudent } from '../store/case.repository';
import { listStaffWithRole } from '../store/staff.repository';
import type { Student } from '../store/student.repository';
import { enqueueDelivery } from '../store/outbox.repository';
import { writeAudit } from '../store/audit.repository';
import { forbidden } from '../errors';
import { CHECKIN_CHOICE_LABELS, type CheckinChoice } from '../../shared/cases';

export interface StudentMessageDeps {
  db: Db;
  now: () => Date;
  urgentTerms: readonly string[];
  wellbeingRole: StaffRole;
}

export interface StudentMessageResult {
  caseId: string | null;
  event: CaseEvent | null;
  urgent: boolean;
  /** Staff who will be told (owner or tutor, and the wellbeing role when urgent). */
  notified: string[];
}

/**
 * A student's reply to a check-in, or any message they send: it goes on their open case (if any),
 * their tutor (or whoever is following up) is told in their chat, and urgent words alert the
 * wellbeing role at once as well.
 */
export async function recordStudentMessage(
  deps: StudentMessageDeps,
  input: { student: Student; caseId?: string; choice?: CheckinChoice; message: string | null },
): Promise<StudentMessageResult> {
  const at = deps.now().toISOString();
  const words = input.message ?? '';
  const urgentTerms = findUrgentTerms(words, deps.urgentTerms);
  const urgent = urgentTerms.length > 0;
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
          data: { ...(input.choice ? { choice: input.choice } : {}), ...(urgent ? { urgent: true, urgentTerms } : {}) },
        })
      : null;

    const recipients = new Set<string>();
    const primary = ownerId ?? input.student.tutorId;
    if (primary) recipients.add(primary);
    if (urgent) for (const s of await listStaffWithRole(trx, input.student.departmentId, deps.wellbeingRole)) recipients.add(s.id);

    const name = studentName(input.student);
    const answer = input.choice && input.choice !== 'message' ? CHECKIN_CHOICE_LABELS[input.choice] : null;
    const lines = [
      ...(answer ? [`Their answer: ${answer}.`] : []),
      ...(input.message ? [`Their message: “${input.message}”`] : []),
      ...(urgent
        ? [
            'Their words suggest they may be in danger. They have been shown emergency and out-of-hours support contacts. Please reach out to them as soon as you can.',
          ]
        : []),
    ];
    const title = urgent
      ? `Urgent: ${name} may need help now`
      : input.choice
        ? `${name} replied to your check-in`
        : `${name} sent a message`;
    const key = event?.id ?? `${input.student.id}:${at}`;
    for (const staffId of recipients) {
      await enqueueDelivery(
        trx,
        {
          idempotencyKey: `notice:${key}:${staffId}`,
          kind: 'notice',
          recipientStaffId: staffId,
          payload: { title, lines, urgent, ...(caseId ? { caseId } : {}) },
        },
        at,
      );
    }
    await writeAudit(
      trx,
      {
        actorId: null,
        action: urgent ? 'student.urgent_message' : 'student.message',
        subjectKind: 'student',
        subjectId: input.student.id,
        detail: { caseId, notified: [...recipients] },
      },
      at,
    );
    return { caseId, event, urgent, notified: [...recipients] };
  });
}
