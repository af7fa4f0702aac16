import { studentName, type StaffRole } from '../../shared/domain';
import type { UrgentActedResponse, UrgentAlertView, UrgentListResponse } from '../../shared/api/urgent';
import type { Db } from '../store/database';
import { findStaff, type Staff } from '../store/staff.repository';
import { findStudent, type Student } from '../store/student.repository';
import { findUrgentAlert, listUnactedUrgentAlerts, markUrgentActed, type UrgentAlert } from '../store/urgent-alert.repository';
import { appendCaseEvent } from '../store/case-event.repository';
import { findOpenCaseOfStudent } from '../store/case.repository';
import { writeAudit } from '../store/audit.repository';
import { AppError, notFound } from '../errors';
import { seesWholeDepartment } from './viewer';

export interface UrgentDeps {
  db: Db;
  now: () => Date;
  /** The role told at once of every urgent message (WELLBEING_ROLE): it may read the student's words. */
  wellbeingRole: StaffRole;
}

/**
 * Whether the viewer may see that this urgent message exists: the scope of the flag list (their
 * department for department-wide roles, their own tutees for a tutor), and anyone told at once.
 */
function maySee(viewer: Staff, alert: UrgentAlert, student: Student | undefined): boolean {
  if (alert.departmentId !== viewer.departmentId) return false;
  return seesWholeDepartment(viewer) || student?.tutorId === viewer.id || alert.notified.includes(viewer.id);
}

/** Whether the viewer may read the student's own words: those told at once, and the wellbeing role. */
const mayReadWords = (viewer: Staff, alert: UrgentAlert, wellbeingRole: StaffRole): boolean =>
  alert.notified.includes(viewer.id) || viewer.roles.includes(wellbeingRole);

/** A support card is queued (student-support.ts) right after the message is recorded: within this of the alert. */
const SUPPORT_CARD_WITHIN_MS = 10 * 60_000;

/** Whether the support card the student was answered with reached them (the outbox's record of it). */
async function supportCardState(db: Db, studentId: string, raisedAt: string): Promise<UrgentAlertView['contacts']> {
  const until = new Date(new Date(raisedAt).getTime() + SUPPORT_CARD_WITHIN_MS).toISOString();
  const row = await db
    .selectFrom('outbox')
    .select(['status', 'last_error'])
    .where('kind', '=', 'support_card')
    .where('recipient_student_id', '=', studentId)
    .where('created_at', '>=', raisedAt)
    .where('created_at', '<=', until)
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  if (!row || row.status === 'sent') return 'shown';
  if (row.status === 'failed') return 'failed';
  // Pending: the reply is still sending it, the reply failed and the outbox waits for Teams, or the service
  // died mid-reply and the outbox sends it when the hold ends. In none of these has it reached them yet.
  return 'waiting';
}

/** Urgent messages the viewer may see that nobody has acted on yet; the view is audited like the list's. */
export async function listUrgentForViewer(deps: UrgentDeps, viewer: Staff): Promise<UrgentListResponse> {
  const names = new Map<string, string>();
  const nameOf = async (id: string) => {
    if (id === viewer.id) return 'you';
    if (!names.has(id)) names.set(id, (await findStaff(deps.db, id))?.displayName ?? 'a colleague');
    return names.get(id)!;
  };
  const alerts: UrgentAlertView[] = [];
  for (const alert of await listUnactedUrgentAlerts(deps.db, viewer.departmentId)) {
    const student = await findStudent(deps.db, alert.studentId);
    if (!student || !maySee(viewer, alert, student)) continue;
    const words = mayReadWords(viewer, alert, deps.wellbeingRole);
    alerts.push({
      id: alert.id,
      studentId: student.id,
      studentName: studentName(student),
      raisedAt: alert.raisedAt,
      message: words ? alert.message : null,
      messageWithheld: !words && alert.message !== null,
      told: await Promise.all(alert.notified.map(nameOf)),
      caseId: alert.caseId ?? (await findOpenCaseOfStudent(deps.db, student.id))?.id ?? null,
      contacts: await supportCardState(deps.db, student.id, alert.raisedAt),
    });
  }
  if (alerts.length > 0)
    await writeAudit(
      deps.db,
      {
        actorId: viewer.id,
        action: 'viewed_urgent_messages',
        subjectKind: 'department',
        subjectId: viewer.departmentId,
        detail: { studentIds: alerts.map((a) => a.studentId), withWords: alerts.filter((a) => a.message !== null).map((a) => a.studentId) },
      },
      deps.now().toISOString(),
    );
  return { alerts };
}

/**
 * Records that the viewer has acted on an urgent message: it leaves the pinned panel, the note goes
 * on the student's case timeline (the case it came with, or their open case now) and in the audit.
 * Unknown and out-of-scope ids are both "not found"; a second record is refused, naming the first.
 */
export async function recordUrgentActed(deps: UrgentDeps, viewer: Staff, id: string, note: string): Promise<UrgentActedResponse> {
  return deps.db.transaction().execute(async (trx) => {
    const alert = await findUrgentAlert(trx, id);
    const student = alert ? await findStudent(trx, alert.studentId) : undefined;
    if (!alert || !maySee(viewer, alert, student)) throw notFound('This urgent message');
    const at = deps.now().toISOString();
    if (alert.actedAt || !(await markUrgentActed(trx, id, { by: viewer.id, note, at }))) {
      const first = (await findUrgentAlert(trx, id)) ?? alert;
      const who =
        first.actedBy === viewer.id ? 'You' : ((first.actedBy && (await findStaff(trx, first.actedBy))?.displayName) ?? 'A colleague');
      throw new AppError(409, 'already_acted', `${who} already recorded acting on this message.`, { actedAt: first.actedAt });
    }
    const caseId = alert.caseId ?? (await findOpenCaseOfStudent(trx, alert.studentId))?.id ?? null;
    if (caseId)
      await appendCaseEvent(trx, {
        caseId,
        at,
        kind: 'urgent_acted',
        actorKind: 'staff',
        actorId: viewer.id,
        note,
        data: { urgentAlertId: id, raisedAt: alert.raisedAt },
      });
    await writeAudit(
      trx,
      {
        actorId: viewer.id,
        action: 'urgent.acted',
        subjectKind: 'student',
        subjectId: alert.studentId,
        detail: { urgentAlertId: id, caseId, note },
      },
      at,
    );
    return { id, actedAt: at, actedBy: viewer.displayName };
  });
}
