import { CLOSING_OUTCOMES, type CaseAction } from '../../shared/api/case-actions';
import type { CaseStatus } from '../../shared/domain';
import { CASE_OUTCOME_LABELS, type CaseEventKind } from '../../shared/cases';
import type { Db } from '../store/database';
import { appendCaseEvent, listCaseEvents, type CaseEvent } from '../store/case-event.repository';
import { changeCaseStatus, findCase, type Case } from '../store/case.repository';
import { findStudent } from '../store/student.repository';
import { listStaffWithRole } from '../store/staff.repository';
import { studentName, type StaffRole } from '../../shared/domain';
import { findStaff, type Staff } from '../store/staff.repository';
import { findFollowup, saveFollowup } from '../store/case-followup.repository';
import { checkinKey, enqueueDelivery, findCheckinDeliveries } from '../store/outbox.repository';
import { listSentCardsForCase } from '../store/sent-card.repository';
import { writeAudit } from '../store/audit.repository';
import { AppError, forbidden, notFound } from '../errors';
import { seesWholeDepartment } from './viewer';

import { routineNotBefore, type SendSchedule } from '../../shared/send-schedule';

export interface CaseActionDeps {
  db: Db;
  now: () => Date;
  /** Who hears about a referral to the Wellbeing Service (config WELLBEING_ROLE). */
  wellbeingRole?: StaffRole;
  /** Quiet hours for routine staff notices (QUIET_HOURS in TIME_ZONE); none when unset. */
  schedule?: Pick<SendSchedule, 'timeZone' | 'quietHours'>;
}

export interface CaseActionInput {
  actor: Staff;
  caseId: string;
  action: CaseAction;
  /** The Teams message the action came from: it is refreshed by the invoke response, not by the outbox. */
  fromCard?: { conversationId: string; activityId: string };
}

export interface CaseActionResult {
  case: Case;
  /** Events this action wrote; empty when it changed nothing (a repeated click). */
  events: CaseEvent[];
  /** Card copies queued for refresh through the outbox. */
  refreshesQueued: number;
}

/** A second click within this time on "send check-in" is the same request, not a second message. */
const CHECKIN_REPEAT_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

/** Who may act on a case: the student's tutor, the person who took it on, or department-wide staff. */
export function canActOnCase(actor: Staff, c: Case, tutorId: string | null): boolean {
  if (actor.departmentId !== c.departmentId) return false;
  return actor.id === tutorId || actor.id === c.ownerId || seesWholeDepartment(actor);
}

/**
 * The one command behind every case action, from a card button or the tab: checks who may act,
 * changes the case, writes its timeline and the audit log, queues a check-in when asked, and queues
 * a refresh of every Teams card that shows the case. Repeating an action changes nothing.
 */
export async function performCaseAction(deps: CaseActionDeps, input: CaseActionInput): Promise<CaseActionResult> {
  const result = await deps.db.transaction().execute(async (trx) => {
    const at = deps.now().toISOString();
    const current = await findCase(trx, input.caseId);
    // Another department's case is "not found": its existence is not the caller's business.
    if (!current || current.departmentId !== input.actor.departmentId) throw notFound('That case');
    const student = await findStudent(trx, current.studentId);
    if (!canActOnCase(input.actor, current, student?.tutorId ?? null))
      throw forbidden('Only the student’s personal tutor, the person following up, or department-wide staff can act on this case.');

    const events: CaseEvent[] = [];
    const record = async (kind: CaseEventKind, note: string | null, data: Record<string, unknown>) => {
      events.push(await appendCaseEvent(trx, { caseId: current.id, at, kind, actorKind: 'staff', actorId: input.actor.id, note, data }));
    };
    const move = async (status: CaseStatus, change: Partial<Pick<Case, 'ownerId' | 'outcome' | 'closedAt'>> = {}) => {
      const next = {
        status,
        ownerId: change.ownerId ?? current.ownerId,
        outcome: change.outcome === undefined ? current.outcome : change.outcome,
        closedAt: change.closedAt ?? current.closedAt,
        updatedAt: at,
      };
      if (!(await changeCaseStatus(trx, current.id, [current.status], next))) {
        throw new AppError(409, 'case_changed', 'Someone else updated this case a moment ago. Please look at it again before acting.');
      }
    };
    const action = input.action;
    if (current.status === 'closed') {
      if (action.action === 'record_outcome' && current.outcome === action.outcome) return { events };
      throw new AppError(
        409,
        'case_closed',
        `This case is already closed${current.outcome ? ` (${CASE_OUTCOME_LABELS[current.outcome]})` : ''}.`,
      );
    }
    const followup = await findFollowup(trx, current.id);
    const owner = current.ownerId ?? input.actor.id;

    switch (action.action) {
      case 'acknowledge': {
        if (current.status === 'acknowledged' && current.ownerId === input.actor.id) return { events };
        if (current.status === 'snoozed') await saveFollowup(trx, { ...followup, snoozedUntil: null, statusBeforeSnooze: null }, at);
        await move('acknowledged', { ownerId: owner });
        await record('acknowledged', null, { ownerId: owner });
        break;
      }
      case 'record_outcome': {
        if (current.outcome === action.outcome && !CLOSING_OUTCOMES.has(action.outcome) && !action.note) return { events };
        const closes = CLOSING_OUTCOMES.has(action.outcome);
        await move(closes ? 'closed' : 'acknowledged', { ownerId: owner, outcome: action.outcome, ...(closes ? { closedAt: at } : {}) });
        await record('outcome_recorded', action.note || null, { outcome: action.outcome });
        if (closes) await record('closed', null, { outcome: action.outcome });
        if (action.outcome === 'referred_wellbeing' || action.outcome === 'missing_student_procedure') {
          const role: StaffRole =
            action.outcome === 'referred_wellbeing' ? (deps.wellbeingRole ?? 'student_experience_officer') : 'student_experience_officer';
          const recipients = (await listStaffWithRole(trx, current.departmentId, role)).filter((r) => r.id !== input.actor.id);
          const who = student ? studentName(student) : 'A student';
          const referral = action.outcome === 'referred_wellbeing';
          for (const r of recipients)
            await enqueueDelivery(
              trx,
              {
                idempotencyKey: `${action.outcome}:${current.id}:${r.id}`,
                kind: 'notice',
                recipientStaffId: r.id,
                payload: {
                  title: referral ? `Referral to the Wellbeing Service: ${who}` : `Missing-student procedure started: ${who}`,
                  lines: [
                    referral
                      ? `${input.actor.displayName} has referred ${who} to the Wellbeing Service. The case stays open until someone from the wellbeing team acknowledges it.`
                      : `${input.actor.displayName} has started the missing-student procedure for ${who}. Please take it from here now.`,
                    ...(action.note ? [`Their note: “${action.note}”`] : []),
                  ],
                  urgent: !referral,
                  caseId: current.id,
                  ...(referral ? { acknowledge: 'referral' as const } : {}),
                },
                // A referral waits for the morning; the missing-student procedure goes at once.
                ...(referral ? { notBefore: routineNotBefore(deps.now(), deps.schedule) } : {}),
              },
              at,
            );
          const told = { role, recipients: recipients.map((r) => r.id) };
          if (referral) await record('referral_sent', null, told);
          else await record('missing_student_alerted', null, told);
        }
        break;
      }
      case 'snooze': {
        const until = new Date(deps.now().getTime() + action.days * DAY_MS).toISOString();
        if (current.status === 'snoozed' && followup.snoozedUntil === until) return { events };
        await saveFollowup(
          trx,
          {
            ...followup,
            snoozedUntil: until,
            statusBeforeSnooze: current.status === 'snoozed' ? followup.statusBeforeSnooze : current.status,
          },
          at,
        );
        await move('snoozed');
        await record('snoozed', null, { days: action.days, until });
        break;
      }
      case 'send_checkin': {
        const previous = (await listCaseEvents(trx, current.id)).filter((e) => e.kind === 'checkin_queued').at(-1);
        if (previous && deps.now().getTime() - Date.parse(previous.at) < CHECKIN_REPEAT_MS) return { events };
        // A check-in still on its way (or waiting for the student's Teams) is not sent twice: the card says where it stands.
        const pending = (await findCheckinDeliveries(trx, [current.id])).get(current.id);
        if (pending?.status === 'pending') return { events };
        if (!student) throw notFound('The student on this case');
        const round = followup.checkinsSent + 1;
        await saveFollowup(
          trx,
          { ...followup, checkinsSent: round, ...(current.status === 'snoozed' ? { snoozedUntil: null, statusBeforeSnooze: null } : {}) },
          at,
        );
        await enqueueDelivery(
          trx,
          {
            idempotencyKey: checkinKey(current.id, round),
            kind: 'checkin',
            recipientStudentId: student.id,
            payload: { caseId: current.id, fromStaffId: input.actor.id },
          },
          at,
        );
        if (current.status !== 'acknowledged' || current.ownerId === null) await move('acknowledged', { ownerId: owner });
        await record('checkin_queued', null, { round, ownerId: owner });
        break;
      }
    }

    await writeAudit(
      trx,
      {
        actorId: input.actor.id,
        action: `case.${action.action}`,
        subjectKind: 'case',
        subjectId: current.id,
        detail: { studentId: current.studentId, ...action },
      },
      at,
    );
    return { events };
  });

  const refreshesQueued =
    result.events.length > 0 ? await queueCardRefreshes(deps, input.caseId, result.events.at(-1)?.id ?? '', input.fromCard) : 0;
  const updated = await findCase(deps.db, input.caseId);
  if (!updated) throw notFound('That case');
  return { case: updated, events: result.events, refreshesQueued };
}

/**
 * Queues an update of every card that shows the case, except the one the action came from. Keyed by
 * card and event, so each change refreshes each copy once; the sender rebuilds the card from the store.
 */
export async function queueCardRefreshes(
  deps: CaseActionDeps,
  caseId: string,
  changeId: string,
  except?: { conversationId: string; activityId: string },
): Promise<number> {
  const at = deps.now().toISOString();
  let queued = 0;
  for (const card of await listSentCardsForCase(deps.db, caseId)) {
    if (card.kind === 'notice') continue;
    if (except && card.conversationId === except.conversationId && card.activityId === except.activityId) continue;
    const added = await enqueueDelivery(
      deps.db,
      {
        idempotencyKey: `refresh:${card.id}:${changeId}`,
        kind: 'card_refresh',
        recipientStaffId: card.recipientStaffId,
        recipientStudentId: card.recipientStudentId,
        payload: { sentCardId: card.id },
      },
      at,
    );
    if (added) queued++;
  }
  return queued;
}

/**
 * The wellbeing team acknowledges a referral: the case closes with the referral as its outcome, on
 * the timeline with who acknowledged it. Only holders of the wellbeing role in the student's
 * department may (nobody acknowledges on the team's behalf); a second acknowledgement changes nothing.
 */
export async function acknowledgeReferral(
  deps: CaseActionDeps,
  input: { actor: Staff; caseId: string },
): Promise<{ case: Case; acknowledgedBy: string; at: string }> {
  const role = deps.wellbeingRole ?? 'student_experience_officer';
  const done = await deps.db.transaction().execute(async (trx) => {
    const c = await findCase(trx, input.caseId);
    if (!c || c.departmentId !== input.actor.departmentId) throw notFound('That case');
    if (!input.actor.roles.includes(role)) throw forbidden('Only the wellbeing team can acknowledge a referral.');
    const previous = (await listCaseEvents(trx, c.id)).findLast((e) => e.kind === 'referral_acknowledged');
    if (previous) return { by: previous.actorId, at: previous.at, eventId: null };
    if (c.outcome !== 'referred_wellbeing' || c.status === 'closed')
      throw new AppError(409, 'not_referred', 'This student is not waiting for the wellbeing team.');
    const at = deps.now().toISOString();
    if (
      !(await changeCaseStatus(trx, c.id, [c.status], {
        status: 'closed',
        ownerId: c.ownerId,
        outcome: c.outcome,
        closedAt: at,
        updatedAt: at,
      }))
    )
      throw new AppError(409, 'case_changed', 'Someone else updated this case a moment ago. Please look at it again.');
    const base = { caseId: c.id, at, actorKind: 'staff' as const, actorId: input.actor.id, note: null };
    await appendCaseEvent(trx, { ...base, kind: 'referral_acknowledged', data: { role } });
    const closed = await appendCaseEvent(trx, { ...base, kind: 'closed', data: { outcome: 'referred_wellbeing' } });
    await writeAudit(
      trx,
      {
        actorId: input.actor.id,
        action: 'case.acknowledge_referral',
        subjectKind: 'case',
        subjectId: c.id,
        detail: { studentId: c.studentId },
      },
      at,
    );
    return { by: input.actor.id, at, eventId: closed.id };
  });
  if (done.eventId) await queueCardRefreshes(deps, input.caseId, done.eventId);
  const updated = await findCase(deps.db, input.caseId);
  if (!updated) throw notFound('That case');
  const by =
    done.by === input.actor.id ? 'you' : ((done.by ? (await findStaff(deps.db, done.by))?.displayName : undefined) ?? 'a colleague');
  return { case: updated, acknowledgedBy: by, at: done.at };
}
