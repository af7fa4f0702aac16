import { z } from 'zod';
import { IsoDaySchema } from '../domain';

/** Proposed rule thresholds for the live preview; the bounds keep a preview meaningful. */
export const RulesPreviewQuerySchema = z.object({
  noEngagementDays: z.coerce
    .number({ message: 'expected a number of term days' })
    .int('expected a whole number of days')
    .min(5, 'at least 5 term days')
    .max(30, 'at most 30 term days'),
  minKnownCoverage: z.coerce.number({ message: 'expected a share between 0.5 and 1' }).min(0.5, 'at least 0.5').max(1, 'at most 1'),
});
export type RulesPreviewQuery = z.infer<typeof RulesPreviewQuerySchema>;

export const RulesPreviewSchema = z.object({
  current: z.object({ noEngagementDays: z.number(), minKnownCoverage: z.number(), flagged: z.number().int() }),
  proposed: z.object({ noEngagementDays: z.number(), minKnownCoverage: z.number(), flagged: z.number().int() }),
  /** Students flagged under the proposal who are not flagged now, and the reverse. */
  newlyFlagged: z.number().int(),
  noLongerFlagged: z.number().int(),
  warnings: z.array(z.string()),
});
export type RulesPreview = z.infer<typeof RulesPreviewSchema>;

export const SettingsSchema = z.object({
  rules: z.object({ noEngagementDays: z.number(), minKnownCoverage: z.number() }),
  terms: z.array(
    z.object({
      name: z.string(),
      start: z.string(),
      end: z.string(),
      excluded: z.array(z.object({ start: z.string(), end: z.string(), label: z.string() })),
    }),
  ),
  exemptions: z.array(
    z.object({ studentId: z.string(), studentName: z.string(), reason: z.string(), from: z.string(), until: z.string().nullable() }),
  ),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const NewExemptionSchema = z
  .object({
    studentId: z.string().trim().min(1, 'choose a student'),
    reason: z.string().trim().min(3, 'give a short reason').max(200, 'at most 200 characters'),
    from: IsoDaySchema,
    until: IsoDaySchema.nullable().optional(),
  })
  .refine((e) => !e.until || e.until >= e.from, { message: 'the end day must not be before the start day', path: ['until'] });
export type NewExemption = z.infer<typeof NewExemptionSchema>;
