import { z } from 'zod';
import { CaseOutcomeSchema } from '../cases';
import { OutcomeSchema } from './case-actions';

/** How long a case waited for its first staff action, in bands a Director of Studies reads at a glance. */
export const FIRST_CONTACT_BANDS = [
  { label: 'Within 4 hours', upToHours: 4 },
  { label: '4 to 24 hours', upToHours: 24 },
  { label: '1 to 2 days', upToHours: 48 },
  { label: '2 to 3 days', upToHours: 72 },
  { label: '3 to 7 days', upToHours: 168 },
  { label: 'Over 7 days', upToHours: null },
] as const;

export const OverviewSchema = z.object({
  /**
   * One point per day from the first case in the look-back period to today, built from the case
   * records: students with a case still open at the end of that day, cases opened and cases closed that day.
   */
  flaggedOverTime: z.array(z.object({ day: z.string(), flagged: z.number().int(), opened: z.number().int(), closed: z.number().int() })),
  /** Open cases by programme and year. */
  openByCohort: z.array(z.object({ programme: z.string(), year: z.number().int(), open: z.number().int() })),
  outcomes: z.array(z.object({ outcome: OutcomeSchema, cases: z.number().int() })),
  /** Hours from a case opening to the first thing a member of staff did on it (from the case timeline). */
  firstContact: z.object({
    cases: z.number().int(),
    medianHours: z.number().nullable(),
    p25Hours: z.number().nullable(),
    p75Hours: z.number().nullable(),
    p90Hours: z.number().nullable(),
    waiting: z.number().int(),
    /** Cases per band of FIRST_CONTACT_BANDS, in the same order. */
    bands: z.array(z.number().int()),
  }),
  /** Per rule: cases it raised that have closed, and how many of those were marked "incorrectly flagged". */
  ruleQuality: z.array(z.object({ rule: z.string(), closed: z.number().int(), incorrectlyFlagged: z.number().int() })),
  /** Per rule: cases it raised that are still without an outcome, and the outcomes of the others (a case with two rules counts under both). */
  outcomesByRule: z.array(
    z.object({
      rule: z.string(),
      noOutcomeYet: z.number().int(),
      outcomes: z.array(z.object({ outcome: CaseOutcomeSchema, cases: z.number().int() })),
    }),
  ),
});
export type Overview = z.infer<typeof OverviewSchema>;
