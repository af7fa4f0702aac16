import type { CaseAction, CaseSummary } from '../../shared/api/cases';
import { addDays } from '../../shared/calendar';
import type { IsoDay } from '../../shared/domain';
import type { Db } from '../store/database';
import { appendCaseEvent, findCase, listCaseEvents, type Case } from '../store/case.repository';
import { findStudent } from '../store/student.repository';
import { listStaff, type Staff } from '../store/staff.repository';
import { transitionCase } from '../store/tab.repository';
import { writeAudit } from '../store/audit.repository';
import { AppError, badRequest, notFound } from '../errors';
import { presentCaseSummary } from '../api/case.presenter';
import { maySeeStudent } from './viewer';

/** A snooze is a short pause, not a way to forget a student. */
export const MAX_SNOOZE_DAYS = 28;

const conflict = (why: string) => new AppError(409, 'case_changed', why);

/** The case with its timeline, as the tab and the card show it. */
export async function loadCaseSummary(db: Db, c: Case): Promise<CaseSummary> {
  const [events, staff] = await Promise.all([listCaseEvents(db, c.id), listStaff(db, c.departmentId)]);
  return presentCaseSummary(c, events, new Map(staff.map((s) => [s.id, s.displayName])));
}

/**
 * Acknowledges, snoozes or closes a case with an outcome on behalf of a member of staff who may see
 * the student. The status changes only from the states it is allowed to leave, so a second click, or
 * the bot's card acting at the same moment, gets a clear 409 instead of a double entry. The change, its
 * timeline event and the audit entry are written together.
 */
export async function actOnCase(db: Db, actor: Staff, caseId: string, action: CaseAction, today: IsoDay, now: string): Promise<CaseSummary> {
  const c = await findCase(db, caseId);
  const student = c && (await findStudent(db, c.studentId));
  if (!c || !student || !maySeeStudent(actor, student)) throw notFound('That case');
  if (c.status === 'closed') throw conflict('This case is already closed.');

  await db.transaction().execute(async (trx) => {
    let moved: boolean;
    let kind: string;
    let data: Record<string, unknown> = {};
    switch (action.action) {
      case 'acknowledge':
        moved = await transitionCase(trx, { id: c.id, from: ['open', 'snoozed'], to: 'acknowledged', ownerId: c.ownerId ?? actor.id, updatedAt: now });
        kind = 'acknowledged';
        break;
      case 'snooze': {
        if (action.until <= today) throw badRequest('Choose a day after today to snooze until.');
        if (action.until > addDays(today, MAX_SNOOZE_DAYS)) throw badRequest(`A case can be snoozed for at most ${MAX_SNOOZE_DAYS} days.`);
        moved = await transitionCase(trx, { id: c.id, from: ['open', 'acknowledged'], to: 'snoozed', updatedAt: now });
        kind = 'snoozed';
        data = { until: action.until };
        break;
      }
      case 'record_outcome':
        moved = await transitionCase(trx, { id: c.id, from: ['open', 'acknowledged', 'snoozed'], to: 'closed', ownerId: c.ownerId ?? actor.id, outcome: action.outcome, closedAt: now, updatedAt: now });
        kind = 'outcome_recorded';
        data = { outcome: action.outcome };
        break;
    }
    if (!moved) throw conflict('Someone else updated this case a moment ago. It has been reloaded; please check it and try again.');
    await appendCaseEvent(trx, { caseId: c.id, at: now, kind, actorKind: 'staff', actorId: actor.id, note: action.note ?? null, data });
    await writeAudit(trx, { actorId: actor.id, action: `case_${action.action}`, subjectKind: 'student', subjectId: student.id, detail: { caseId: c.id, ...data } }, now);
  });
  const updated = await findCase(db, c.id);
  if (!updated) throw notFound('That case');
  return loadCaseSummary(db, updated);
}
