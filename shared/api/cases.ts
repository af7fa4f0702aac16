import { z } from 'zod';
import { IsoDaySchema } from '../domain';

/** How a case can end; "incorrectly_flagged" feeds the overview's rule-quality figures. */
export const OUTCOMES = ['supported', 'referred', 'no_concern', 'no_response', 'incorrectly_flagged'] as const;
export const OutcomeSchema = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof OutcomeSchema>;

export const OUTCOME_LABELS: Record<Outcome, string> = {
  supported: 'Talked with the student; support offered',
  referred: 'Referred to a support service',
  no_concern: 'Checked in; no concern',
  no_response: 'No response after reasonable attempts',
  incorrectly_flagged: 'Incorrectly flagged (data or rule problem)',
};

const note = z.string().trim().max(2000, 'a note is at most 2,000 characters').optional();

/** The actions the tab (and the bot's card) can take on a case; one command serves both. */
export const CaseActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('acknowledge'), note }),
  z.object({ action: z.literal('record_outcome'), outcome: OutcomeSchema, note }),
  z.object({ action: z.literal('snooze'), until: IsoDaySchema, note }),
]);
export type CaseAction = z.infer<typeof CaseActionSchema>;

export const TimelineEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  kind: z.string(),
  label: z.string(),
  actorKind: z.enum(['system', 'staff', 'student']),
  actorName: z.string().nullable(),
  note: z.string().nullable(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const CaseSummarySchema = z.object({
  caseId: z.string(),
  severity: z.enum(['high', 'medium', 'low']),
  status: z.enum(['open', 'acknowledged', 'snoozed', 'closed']),
  reason: z.string(),
  ownerName: z.string().nullable(),
  outcome: OutcomeSchema.nullable(),
  snoozedUntil: z.string().nullable(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  /** Which actions make sense now, so the tab offers only those. */
  actions: z.array(z.enum(['acknowledge', 'record_outcome', 'snooze'])),
  timeline: z.array(TimelineEntrySchema),
});
export type CaseSummary = z.infer<typeof CaseSummarySchema>;

export const CaseActionResponseSchema = z.object({ case: CaseSummarySchema });
export type CaseActionResponse = z.infer<typeof CaseActionResponseSchema>;
