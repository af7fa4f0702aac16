import { z } from 'zod';
import { OutcomeSchema } from './case-actions';

export const OverviewSchema = z.object({
  /** Students flagged at each day's last evaluation, oldest first. */
  flaggedOverTime: z.array(z.object({ day: z.string(), flagged: z.number().int() })),
  /** Open cases by programme and year. */
  openByCohort: z.array(z.object({ programme: z.string(), year: z.number().int(), open: z.number().int() })),
  outcomes: z.array(z.object({ outcome: OutcomeSchema, cases: z.number().int() })),
  /** Hours from a case opening to the first thing a member of staff did on it. */
  firstContact: z.object({
    cases: z.number().int(),
    medianHours: z.number().nullable(),
    p90Hours: z.number().nullable(),
    waiting: z.number().int(),
  }),
  /** Per rule: cases it raised that have closed, and how many of those were marked "incorrectly flagged". */
  ruleQuality: z.array(z.object({ rule: z.string(), closed: z.number().int(), incorrectlyFlagged: z.number().int() })),
});
export type Overview = z.infer<typeof OverviewSchema>;
