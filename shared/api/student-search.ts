import { z } from 'zod';
import { CaseStatusSchema, SeveritySchema, SourceSchema } from '../domain';

/**
 * Search for any student in the viewer's scope by name or ID, flagged or not. The text must be
 * printable (no control characters) and short; anything else is a 400 naming the field.
 */
export const StudentSearchQuerySchema = z.object({
  q: z
    .string({ message: 'give a name or student ID to search for' })
    .trim()
    .min(2, 'at least 2 characters')
    .max(100, 'at most 100 characters')
    .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'no control characters'),
  limit: z.coerce.number({ message: 'expected a number of results' }).int().min(1).max(50, 'at most 50 results').default(20),
});
export type StudentSearchQuery = z.infer<typeof StudentSearchQuerySchema>;

export const StudentMatchSchema = z.object({
  studentId: z.string(),
  studentName: z.string(),
  programme: z.string(),
  year: z.number().int(),
  tutorName: z.string().nullable(),
  /** Whether the student has an open case, and so also appears in the list. */
  flagged: z.boolean(),
  severity: SeveritySchema.nullable(),
  status: CaseStatusSchema.nullable(),
});
export type StudentMatch = z.infer<typeof StudentMatchSchema>;

export const StudentSearchResponseSchema = z.object({
  scope: z.enum(['department', 'tutees']),
  q: z.string(),
  /** Every match in scope; `students` holds at most `limit` of them, best first. */
  total: z.number().int(),
  students: z.array(StudentMatchSchema),
});
export type StudentSearchResponse = z.infer<typeof StudentSearchResponseSchema>;

/** A personal tutor's own tutees at a glance: what the empty list shows instead of "nobody". */
export const TuteeSummarySchema = z.object({
  days: z.array(z.string()),
  tutees: z.array(
    z.object({
      studentId: z.string(),
      studentName: z.string(),
      programme: z.string(),
      year: z.number().int(),
      flagged: z.boolean(),
      /** Days since the last activity on any source within the chart's 21 days; null when none in them. */
      daysSinceLastActivity: z.number().int().nullable(),
      daily: z.record(SourceSchema, z.array(z.number().int().nullable())),
    }),
  ),
});
export type TuteeSummary = z.infer<typeof TuteeSummarySchema>;
