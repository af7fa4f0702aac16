import { z } from 'zod';
import { CaseStatusSchema, SeveritySchema, SourceSchema } from '../domain';

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
