import type { LastAction } from '../../shared/api/flags';
import type { CaseSummary } from '../../shared/api/cases';
import { OutcomeSchema } from '../../shared/api/case-actions';
import { CASE_EVENT_LABELS, type CaseEventKind } from '../../shared/cases';
import type { Case } from '../store/case.repository';
import type { CaseEvent } from '../store/case-event.repository';

/** Words for a kind of case event, as staff read them in the list, the timeline and the cards. */
export function describeEventKind(kind: CaseEventKind): string {
  return CASE_EVENT_LABELS[kind];
}

/** A student's words that were classified risk or distress say so on the timeline, for whoever reads it next. */
const TIER_WORDS: Readonly<Record<string, string>> = {
  risk: 'urgent: contacts shown, tutor and wellbeing team alerted',
  distress: 'may be struggling: support contacts shown, tutor told',
};
function describeEvent(e: CaseEvent): string {
  const tier = typeof e.data.tier === 'string' ? TIER_WORDS[e.data.tier] : undefined;
  return tier ? `${describeEventKind(e.kind)} (${tier})` : describeEventKind(e.kind);
}

export function presentLastAction(event: CaseEvent | undefined, staffNames: ReadonlyMap<string, string>): LastAction | null {
  if (!event) return null;
  return {
    kind: event.kind,
    label: describeEventKind(event.kind),
    at: event.at,
    actorName: event.actorId ? (staffNames.get(event.actorId) ?? null) : null,
  };
}

/** The actions that make sense for a case in its current state, as the bot's card offers them. */
export function availableActions(status: Case['status']): CaseSummary['actions'] {
  if (status === 'closed') return [];
  if (status === 'acknowledged') return ['send_checkin', 'snooze', 'record_outcome'];
  if (status === 'snoozed') return ['acknowledge', 'send_checkin', 'record_outcome'];
  return ['acknowledge', 'send_checkin', 'snooze', 'record_outcome'];
}

export function presentCaseSummary(c: Case, events: readonly CaseEvent[], staffNames: ReadonlyMap<string, string>): CaseSummary {
  const snooze = c.status === 'snoozed' ? [...events].reverse().find((e) => e.kind === 'snoozed') : undefined;
  const outcome = OutcomeSchema.safeParse(c.outcome);
  return {
    caseId: c.id,
    severity: c.severity,
    status: c.status,
    reason: c.reason,
    ownerName: c.ownerId ? (staffNames.get(c.ownerId) ?? null) : null,
    outcome: outcome.success ? outcome.data : null,
    snoozedUntil: typeof snooze?.data.until === 'string' ? snooze.data.until : null,
    openedAt: c.openedAt,
    closedAt: c.closedAt,
    actions: availableActions(c.status),
    timeline: events.map((e) => ({
      id: e.id,
      at: e.at,
      kind: e.kind,
      label: describeEvent(e),
      actorKind: e.actorKind,
      actorName: e.actorId ? (staffNames.get(e.actorId) ?? null) : null,
      note: e.note,
    })),
  };
}
