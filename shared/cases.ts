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
  monitoring_stopped: 'Monitoring stopped (objection upheld)',
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
