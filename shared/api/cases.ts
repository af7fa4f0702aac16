import { z } from 'zod';
import { OutcomeSchema } from './case-actions';
import { ActorKindSchema, CaseEventKindSchema } from '../cases';

/**
 * What the tab shows of a case: its state, the actions that make sense now and its timeline. The
 * actions themselves, and their outcomes, are the bot's contract (`case-actions.ts`), so the card and
 * the tab cannot drift apart.
 */
export const TimelineEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  kind: CaseEventKindSchema,
  label: z.string(),
  actorKind: ActorKindSchema,
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
  /** ISO instant the snooze ends, while snoozed. */
  snoozedUntil: z.string().nullable(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  /** Which actions make sense now, so the tab offers only those. */
  actions: z.array(z.enum(['acknowledge', 'record_outcome', 'snooze', 'send_checkin'])),
  timeline: z.array(TimelineEntrySchema),
});
export type CaseSummary = z.infer<typeof CaseSummarySchema>;

export const CaseActionResponseSchema = z.object({ case: CaseSummarySchema });
export type CaseActionResponse = z.infer<typeof CaseActionResponseSchema>;
