import { z } from 'zod';
import { CaseStatusSchema, SeveritySchema, SourceSchema } from '../domain';
import { CaseEventKindSchema } from '../cases';

const WindowSchema = z.object({ d7: z.number().nullable(), d14: z.number().nullable(), d21: z.number().nullable() });

export const FlaggedStudentSchema = z.object({
  caseId: z.string(),
  studentId: z.string(),
  studentName: z.string(),
  programme: z.string(),
  year: z.number().int(),
  tutorName: z.string().nullable(),
  severity: SeveritySchema,
  status: CaseStatusSchema,
  reason: z.string(),
  rules: z.array(z.string()),
  daysSinceLastActivity: z.number().int().nullable(),
  counts: z.record(SourceSchema, WindowSchema),
  openedAt: z.string(),
  ownerName: z.string().nullable(),
});
export type FlaggedStudent = z.infer<typeof FlaggedStudentSchema>;

export const FlagListResponseSchema = z.object({
  department: z.object({ id: z.string(), name: z.string(), isDemo: z.boolean() }),
  evaluatedAt: z.string().nullable(),
  flags: z.array(FlaggedStudentSchema),
});
export type FlagListResponse = z.infer<typeof FlagListResponseSchema>;

/** Ways the tab can order the flagged list; `severity` is the default triage order. */
export const FLAG_SORTS = ['severity', 'name', 'programme', 'tutor', 'days', 'status', 'opened', 'last_action'] as const;
export const FlagSortSchema = z.enum(FLAG_SORTS);
export type FlagSort = z.infer<typeof FlagSortSchema>;

const optionalText = z
  .string()
  .trim()
  .max(200, 'at most 200 characters')
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** The flagged list's filters, search, order and page, as query-string parameters. */
export const FlagQuerySchema = z.object({
  severity: SeveritySchema.optional(),
  status: CaseStatusSchema.exclude(['closed']).optional(),
  programme: optionalText,
  year: z.coerce.number({ message: 'expected a year such as 2' }).int().min(1).max(10).optional(),
  /** A staff id, or `none` for students without a personal tutor. */
  tutor: optionalText,
  /** Students with no activity on this source in the last 21 days. */
  source: SourceSchema.optional(),
  q: optionalText,
  sort: FlagSortSchema.default('severity'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number({ message: 'expected a page number' }).int().min(1).default(1),
  pageSize: z.coerce.number({ message: 'expected a page size' }).int().min(1).max(200, 'at most 200 rows a page').default(50),
});
export type FlagQuery = z.infer<typeof FlagQuerySchema>;
export type FlagQueryInput = z.input<typeof FlagQuerySchema>;

export const LastActionSchema = z.object({
  kind: CaseEventKindSchema,
  label: z.string(),
  at: z.string(),
  actorName: z.string().nullable(),
});
export type LastAction = z.infer<typeof LastActionSchema>;

/** One row of the tab's list: the card's fields plus the tutor id, the last action and 21 days of daily counts. */
export const FlagRowSchema = FlaggedStudentSchema.extend({
  tutorId: z.string().nullable(),
  lastAction: LastActionSchema.nullable(),
  /** Per source, one count per day of `FlagPage.days`; null where that source's data is unknown. */
  daily: z.record(SourceSchema, z.array(z.number().int().nullable())),
});
export type FlagRow = z.infer<typeof FlagRowSchema>;

export const FlagPageSchema = z.object({
  department: z.object({ id: z.string(), name: z.string(), isDemo: z.boolean() }),
  evaluatedAt: z.string().nullable(),
  scope: z.enum(['department', 'tutees']),
  /** The days the daily counts cover, oldest first (the 21 days before today). */
  days: z.array(z.string()),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  flags: z.array(FlagRowSchema),
  facets: z.object({
    programmes: z.array(z.string()),
    years: z.array(z.number().int()),
    tutors: z.array(z.object({ id: z.string(), name: z.string() })),
  }),
});
export type FlagPage = z.infer<typeof FlagPageSchema>;
