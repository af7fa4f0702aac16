import { z } from 'zod';

/** The outcomes a tutor can record, in the words the card and the tab show. */
export const OUTCOMES = [
  'contacted_fine',
  'contacted_no_reply',
  'referred_wellbeing',
  'missing_student_procedure',
  'not_a_concern',
] as const;
export const OutcomeSchema = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof OutcomeSchema>;

export const OUTCOME_LABELS: Record<Outcome, string> = {
  contacted_fine: 'Contacted and fine',
  contacted_no_reply: 'Contacted, no reply yet',
  referred_wellbeing: 'Referred to the Wellbeing Service',
  missing_student_procedure: 'Missing-student procedure started',
  not_a_concern: 'Not a concern (incorrectly flagged)',
};

/**
 * Outcomes that end the case; the others keep it open with the person who acted as owner. A referral
 * stays open until the wellbeing team acknowledges it, and the missing-student procedure until it ends.
 */
export const CLOSING_OUTCOMES: ReadonlySet<Outcome> = new Set(['contacted_fine', 'not_a_concern']);

export const MAX_SNOOZE_DAYS = 28;
export const NOTE_MAX = 2000;

/** One action on one case, from a card button or the tab: the contract both entry points validate with. */
export const CaseActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('acknowledge') }),
  z.object({ action: z.literal('record_outcome'), outcome: OutcomeSchema, note: z.string().trim().max(NOTE_MAX).optional() }),
  z.object({
    action: z.literal('snooze'),
    days: z.coerce
      .number({ message: 'expected a number of days' })
      .int('expected a whole number of days')
      .min(1, 'snooze for at least 1 day')
      .max(MAX_SNOOZE_DAYS, `snooze for at most ${MAX_SNOOZE_DAYS} days`),
  }),
  z.object({ action: z.literal('send_checkin') }),
]);
export type CaseAction = z.infer<typeof CaseActionSchema>;
