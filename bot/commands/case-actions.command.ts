import { CLOSING_OUTCOMES, OUTCOME_LABELS, type CaseAction } from '../../shared/api/case-actions';
import type { CaseStatus } from '../../shared/domain';
import type { Db } from '../store/database';
import { appendCaseEvent, findCase, type Case, type CaseEvent } from '../store/case.repository';
import { findStudent } from '../store/student.repository';
import type { Staff } from '../store/staff.repository';
import { transitionCase } from '../store/tab.repository';
import { writeAudit } from '../store/audit.repository';
import { AppError, forbidden, notFound } from '../errors';
import { seesWholeDepartment } from './viewer';

// INTERIM: issue 6 (the bot) owns the real command of this name, with the same exports and
// signature plus check-ins, follow-up state and card refreshes. This minimal version lets the tab
// act on cases meanwhile; at merge, keep issue 6's file and delete this one.

export interface CaseActionDeps {
  db: Db;
  now: () => Date;
}

export interface CaseActionInput {
  actor: Staff;
  caseId: string;
  action: CaseAction;
}

export interface CaseActionResult {
  case: Case;
  /** Events this action wrote; empty when it changed nothing (a repeated click). */
  events: CaseEvent[];
  refreshesQueued: number;
}

const DAY_MS = 86_400_000;

/** Who may act on a case: the student's tutor, the person who took it on, or department-wide staff. */
export function canActOnCase(actor: Staff, c: Case, tutorId: string | null): boolean {
  if (actor.departmentId !== c.departmentId) return false;
  return actor.id === tutorId || actor.id === c.ownerId || seesWholeDepartment(actor);
}

/**
 * Acknowledges, snoozes or records an outcome: checks who may act, moves the status only from the
 * state it was read in (a concurrent change gets 409), and writes the timeline and the audit log in
 * one transaction. Repeating an action changes nothing.
 */
export async function performCaseAction(deps: CaseActionDeps, input: CaseActionInput): Promise<CaseActionResult> {
  const events = await deps.db.transaction().execute(async (trx) => {
    const at = deps.now().toISOString();
    const current = await findCase(trx, input.caseId);
    // Another department's case is "not found": its existence is not the caller's business.
    if (!current || current.departmentId !== input.actor.departmentId) throw notFound('That case');
    const student = await findStudent(trx, current.studentId);
    if (!canActOnCase(input.actor, current, student?.tutorId ?? null)) throw forbidden('Only the student’s personal tutor, the person following up, or department-wide staff can act on this case.');

    const written: CaseEvent[] = [];
    const record = async (kind: string, note: string | null, data: Record<string, unknown>) => {
      written.push(await appendCaseEvent(trx, { caseId: current.id, at, kind, actorKind: 'staff', actorId: input.actor.id, note, data }));
    };
    const move = async (status: CaseStatus, change: { ownerId?: string; outcome?: string; closedAt?: string } = {}) => {
      if (!(await transitionCase(trx, { id: current.id, from: [current.status], to: status, ...change, updatedAt: at }))) {
        throw new AppError(409, 'case_changed', 'Someone else updated this case a moment ago. Please look at it again before acting.');
      }
    };
    const action = input.action;
    if (current.status === 'closed') {
      if (action.action === 'record_outcome' && current.outcome === action.outcome) return written;
      throw new AppError(409, 'case_closed', `This case is already closed${current.outcome ? ` (${OUTCOME_LABELS[current.outcome as keyof typeof OUTCOME_LABELS] ?? current.outcome})` : ''}.`);
    }
    const owner = current.ownerId ?? input.actor.id;
    switch (action.action) {
      case 'acknowledge':
        if (current.status === 'acknowledged' && current.ownerId === input.actor.id) return written;
        await move('acknowledged', { ownerId: owner });
        await record('acknowledged', null, { ownerId: owner });
        break;
      case 'record_outcome': {
        if (current.outcome === action.outcome && !CLOSING_OUTCOMES.has(action.outcome) && !action.note) return written;
        const closes = CLOSING_OUTCOMES.has(action.outcome);
        await move(closes ? 'closed' : 'acknowledged', { ownerId: owner, outcome: action.outcome, ...(closes ? { closedAt: at } : {}) });
        await record('outcome_recorded', action.note || null, { outcome: action.outcome });
        if (closes) await record('closed', null, { outcome: action.outcome });
        break;
      }
      case 'snooze': {
        const until = new Date(deps.now().getTime() + action.days * DAY_MS).toISOString();
        await move('snoozed');
        await record('snoozed', null, { days: action.days, until });
        break;
      }
      case 'send_checkin':
        throw new AppError(501, 'not_available', 'Sending a check-in from the tab is not available on this server yet; please use the card in Teams.');
    }
    await writeAudit(trx, { actorId: input.actor.id, action: `case.${action.action}`, subjectKind: 'case', subjectId: current.id, detail: { studentId: current.studentId, ...action } }, at);
    return written;
  });
  const updated = await findCase(deps.db, input.caseId);
  if (!updated) throw notFound('That case');
  return { case: updated, events, refreshesQueued: 0 };
}
