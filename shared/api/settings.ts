import { z } from 'zod';
import { IsoDaySchema } from '../domain';
import { RulesConfigSchema } from '../rules/config';

/**
 * A change to a department's rule settings, as the tab sends it: only the settings that change,
 * grouped by rule ({ "noEngagement": { "days": 10 } }). It is merged into what the department has
 * stored and the result validated by the one RulesConfigSchema the CLI's `rules-config --set` uses.
 */
export const RulesChangeSchema = z.object({
  rules: z.record(z.string(), z.record(z.string(), z.unknown()), { message: 'expected the changed settings, grouped by rule' }),
});
export type RulesChange = z.infer<typeof RulesChangeSchema>;

/** Which department's settings: only an institution administrator may name another. */
export const SettingsQuerySchema = z.object({ department: z.string().trim().min(1).max(200).optional() });

const NamedStudentSchema = z.object({ studentId: z.string(), name: z.string() });

export const RulesPreviewSchema = z.object({
  current: z.object({ flagged: z.number().int() }),
  proposed: z.object({ flagged: z.number().int() }),
  /** Students flagged under the proposal who are not flagged today, and the reverse, by name. */
  newlyFlagged: z.array(NamedStudentSchema),
  noLongerFlagged: z.array(NamedStudentSchema),
  warnings: z.array(z.string()),
});
export type RulesPreview = z.infer<typeof RulesPreviewSchema>;

export const SettingsSchema = z.object({
  department: z.object({ id: z.string(), name: z.string() }),
  /** The departments whose settings this viewer may change: every one for an institution administrator. */
  departments: z.array(z.object({ id: z.string(), name: z.string() })),
  /** Every rule setting in force (the department's own, or the default). */
  rules: RulesConfigSchema,
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
