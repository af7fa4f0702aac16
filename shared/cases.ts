import { z } from 'zod';
import { SEVERITY_RANK, type CaseStatus, type Severity } from './domain';
import { OUTCOMES, OUTCOME_LABELS } from './api/case-actions';

/**
 * Every kind of event a case timeline holds, with the words staff read in the list, the timeline and
 * the cards. Writers are typed with `CaseEventKind`, so an event the table does not name cannot be written.
 */
export const CASE_EVENT_LABELS = {
  flagged: 'Flagged',
  severity_raised: 'Concern raised',
  reassessed: 'Reasons updated',
  relapsed: 'Flagged again',
  recovered: 'Engagement recovered',
  alert_queued: 'Alert queued for tutor',
  alerted: 'Tutor alerted in Teams',
  staff_notified: 'Staff notified in Teams',
  escalated: 'Escalated',
  acknowledged: 'Acknowledged',
  outcome_recorded: 'Outcome recorded',
  snoozed: 'Snoozed',
  snooze_ended: 'Snooze ended',
  checkin_queued: 'Check-in queued for the student',
  checkin_sent: 'Check-in sent to the student',
  student_replied: 'Student replied',
  student_message: 'Student sent a message',
  closed: 'Closed',
  paused: 'Paused: the student is not being monitored',
  resumed: 'Resumed: the student is monitored again',
  no_reply_reminder: 'Reminder sent: still no reply',
  referral_sent: 'Referral sent to the wellbeing team',
  referral_acknowledged: 'Referral acknowledged by the wellbeing team',
  missing_student_alerted: 'Student Experience Officer alerted',
  monitoring_stopped: 'Monitoring stopped (objection upheld)',
  urgent_acted: 'Acted on an urgent message',
} as const satisfies Record<string, string>;

export type CaseEventKind = keyof typeof CASE_EVENT_LABELS;
export const CASE_EVENT_KINDS = Object.keys(CASE_EVENT_LABELS) as [CaseEventKind, ...CaseEventKind[]];
export const CaseEventKindSchema = z.enum(CASE_EVENT_KINDS);

export const ACTOR_KINDS = ['system', 'staff', 'student'] as const;
export const ActorKindSchema = z.enum(ACTOR_KINDS);
export type ActorKind = z.infer<typeof ActorKindSchema>;

/** Staff-facing words for a severity (the tab's badge) and a case status. */
export const SEVERITY_LABELS: Record<Severity, string> = { high: 'High', medium: 'Medium', low: 'Low' };
export const CASE_STATUS_LABELS: Record<CaseStatus, string> = {
  open: 'New',
  acknowledged: 'Acknowledged',
  snoozed: 'Snoozed',
  closed: 'Closed',
};

/** What triage compares: anything with a severity, a silence and a student's name. */
export interface Triageable {
  caseId: string;
  severity: Severity;
  daysSinceLastActivity: number | null;
  studentName: string;
}

const names = new Intl.Collator('en-GB', { sensitivity: 'base' });

/** Compares student names as staff expect a list sorted (case and accents ignored). */
export const compareNames = (a: string, b: string): number => names.compare(a, b);

/**
 * The one triage order, for the tab's list and the cards' digests: most severe first, then the
 * longest silence (nothing on record counts as longest), then the student's name (case and accents
 * ignored), then the case id so equal rows always come out in the same order.
 */
export function compareTriage(a: Triageable, b: Triageable): number {
  const never = Number.MAX_SAFE_INTEGER;
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    (b.daysSinceLastActivity ?? never) - (a.daysSinceLastActivity ?? never) ||
    compareNames(a.studentName, b.studentName) ||
    (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0)
  );
}

/** How a case ended or stands: an outcome a tutor records, or "recovered" when the rules close it themselves. */
export const CASE_OUTCOMES = [...OUTCOMES, 'recovered'] as const;
export const CaseOutcomeSchema = z.enum(CASE_OUTCOMES);
export type CaseOutcome = z.infer<typeof CaseOutcomeSchema>;
export const CASE_OUTCOME_LABELS: Record<CaseOutcome, string> = { ...OUTCOME_LABELS, recovered: 'Engagement recovered' };

/** A student's quick replies to a check-in, plus a written message. */
export const CHECKIN_CHOICES = ['fine', 'studying_offline', 'unwell', 'talk', 'message'] as const;
export type CheckinChoice = (typeof CHECKIN_CHOICES)[number];
export const CHECKIN_CHOICE_LABELS: Record<CheckinChoice, string> = {
  fine: 'I’m fine',
  studying_offline: 'I’m studying offline',
  unwell: 'I’m unwell',
  talk: 'I’d like to talk to someone',
  message: 'A message',
};

/** Where a check-in stands: staff see this on every card, so "sent" only ever means delivered. */
export const CHECKIN_DELIVERY_LABELS = {
  queued: 'Check-in queued: it goes out within a minute',
  waiting_for_teams: 'Check-in waiting for the student’s Teams: it is delivered as soon as the app can reach them',
  delivered: 'Check-in delivered to the student',
  failed: 'Check-in could not be delivered: Teams refused it. Please contact the student another way',
} as const;
export type CheckinDelivery = keyof typeof CHECKIN_DELIVERY_LABELS;

/** The buttons a case card can carry. */
export const CARD_ACTIONS = ['acknowledge', 'record_outcome', 'snooze', 'send_checkin'] as const;
export type CardAction = (typeof CARD_ACTIONS)[number];

/**
 * The actions that still make sense for a case as it stands: nothing once it is closed, no second
 * "I'll get in touch" once someone has, no check-in while one is on its way or has arrived.
 */
export function availableCardActions(state: { status: CaseStatus; hasOwner: boolean; checkin: CheckinDelivery | null }): CardAction[] {
  const checkinPossible = state.checkin === null || state.checkin === 'failed';
  switch (state.status) {
    case 'closed':
      return [];
    case 'snoozed':
      return ['acknowledge', 'record_outcome'];
    case 'acknowledged':
      return [
        ...(state.hasOwner ? [] : (['acknowledge'] as const)),
        'record_outcome',
        'snooze',
        ...(checkinPossible ? (['send_checkin'] as const) : []),
      ];
    case 'open':
      return ['acknowledge', 'record_outcome', 'snooze', ...(checkinPossible ? (['send_checkin'] as const) : [])];
  }
}

/** A card's headline for a case: how urgent while nobody has acted, then where it stands. */
export function caseHeadline(
  status: CaseStatus,
  severity: Severity,
): { label: string; tone: 'attention' | 'warning' | 'good' | 'default' } {
  if (status === 'closed') return { label: 'Closed', tone: 'good' };
  if (status === 'snoozed') return { label: 'Snoozed', tone: 'default' };
  if (status === 'acknowledged') return { label: 'Being followed up', tone: 'good' };
  return severity === 'high'
    ? { label: 'Please get in touch soon', tone: 'attention' }
    : severity === 'medium'
      ? { label: 'Worth a check-in', tone: 'warning' }
      : { label: 'Keep an eye on', tone: 'default' };
}
