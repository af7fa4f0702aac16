import { z } from 'zod';
import { SourceSchema, StudentStatusSchema } from '../domain';
import { CaseSummarySchema } from './cases';

const SeriesSchema = z.object({
  /** The student's count per day; null where the source's data is unknown for that day. */
  counts: z.array(z.number().int().nullable()),
  /** The cohort (same programme and year) per day: median and the middle half (25th to 75th percentile). */
  median: z.array(z.number().nullable()),
  low: z.array(z.number().nullable()),
  high: z.array(z.number().nullable()),
});
export type Series = z.infer<typeof SeriesSchema>;

export const StudentViewSchema = z.object({
  student: z.object({
    id: z.string(),
    name: z.string(),
    programme: z.string(),
    year: z.number().int(),
    status: StudentStatusSchema,
    tutorName: z.string().nullable(),
  }),
  term: z.object({ name: z.string(), start: z.string(), end: z.string() }).nullable(),
  /** The days the series cover, oldest first: the term so far (or the last ten weeks when no term is set). */
  days: z.array(z.string()),
  /** Days outside teaching (vacations, reading weeks) inside `days`. */
  nonTermDays: z.array(z.string()),
  /**
   * The rules' 7, 14 and 21-day windows as of today: the last n term days before today (calendar days
   * when no term is set), first and last day. Vacations inside a window pause it, so it may reach further back.
   */
  windows: z.array(z.object({ days: z.number().int(), start: z.string(), end: z.string() })),
  cohortSize: z.number().int(),
  series: z.record(SourceSchema, SeriesSchema),
  exemptions: z.array(z.object({ reason: z.string(), from: z.string(), until: z.string().nullable() })),
  case: CaseSummarySchema.nullable(),
});
export type StudentView = z.infer<typeof StudentViewSchema>;
