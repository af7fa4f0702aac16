import { z } from 'zod';
import { SeveritySchema } from '../domain';

const days = (fallback: number, what: string) =>
  z
    .number({ message: `${what} must be a whole number of term days` })
    .int(`${what} must be a whole number of term days`)
    .min(1, `${what} must be at least 1 term day`)
    .max(60, `${what} must be at most 60 term days`)
    .default(fallback);

const count = (fallback: number, what: string) =>
  z
    .number({ message: `${what} must be a number` })
    .min(0, `${what} cannot be negative`)
    .max(10_000, `${what} must be at most 10000`)
    .default(fallback);

const share = (fallback: number, what: string) =>
  z
    .number({ message: `${what} must be a number between 0 and 1` })
    .min(0, `${what} must be between 0 and 1`)
    .max(1, `${what} must be between 0 and 1`)
    .default(fallback);

const enabled = z.boolean({ message: 'enabled must be true or false' }).default(true);

/**
 * A department's rule settings. Every field is optional in the stored JSON: what is left out takes
 * the default below, so a department only writes what it changes. Unknown keys are refused, so a
 * typo (`noEngagment`) is an error instead of a silently ignored setting.
 */
export const RulesConfigSchema = z
  .strictObject({
    noEngagement: z.strictObject({ enabled, severity: SeveritySchema.default('high'), days: days(14, 'noEngagement.days') }).prefault({}),
    lowEngagement: z
      .strictObject({
        enabled,
        severity: SeveritySchema.default('medium'),
        days: days(21, 'lowEngagement.days'),
        cohortPercentile: z
          .number({ message: 'lowEngagement.cohortPercentile must be a number' })
          .gt(0, 'lowEngagement.cohortPercentile must be above 0')
          .lt(50, 'lowEngagement.cohortPercentile must be below 50 (it picks out the bottom of the cohort)')
          .default(10),
        absoluteFloor: count(10, 'lowEngagement.absoluteFloor'),
        minCohortSize: z
          .number()
          .int('lowEngagement.minCohortSize must be a whole number')
          .min(3, 'lowEngagement.minCohortSize must be at least 3')
          .max(10_000)
          .default(10),
      })
      .prefault({}),
    sharpDrop: z
      .strictObject({
        enabled,
        severity: SeveritySchema.default('medium'),
        recentDays: days(7, 'sharpDrop.recentDays'),
        baselineDays: days(21, 'sharpDrop.baselineDays'),
        ratio: z
          .number({ message: 'sharpDrop.ratio must be a number' })
          .gt(0, 'sharpDrop.ratio must be above 0')
          .lt(1, 'sharpDrop.ratio must be below 1')
          .default(0.25),
        minBaselinePerWeek: count(5, 'sharpDrop.minBaselinePerWeek'),
      })
      .prefault({}),
    silentSource: z
      .strictObject({
        enabled,
        severity: SeveritySchema.default('low'),
        days: days(14, 'silentSource.days'),
        minCohortMedian: count(6, 'silentSource.minCohortMedian'),
      })
      .prefault({}),
    coverage: z
      .strictObject({
        minSourceShare: share(0.8, 'coverage.minSourceShare'),
        minKnownSources: z
          .number()
          .int('coverage.minKnownSources must be a whole number')
          .min(1, 'coverage.minKnownSources must be at least 1')
          .max(5, 'coverage.minKnownSources must be at most 5 (there are five sources)')
          .default(3),
      })
      .prefault({}),
    cases: z
      .strictObject({
        coolDownDays: z
          .number()
          .int('cases.coolDownDays must be a whole number of days')
          .min(0, 'cases.coolDownDays cannot be negative')
          .max(365, 'cases.coolDownDays must be at most 365')
          .default(14),
        closeAfterRecoveryDays: z
          .number()
          .int('cases.closeAfterRecoveryDays must be a whole number of days, or null to never close on recovery')
          .min(0, 'cases.closeAfterRecoveryDays cannot be negative')
          .max(365, 'cases.closeAfterRecoveryDays must be at most 365')
          .nullable()
          .default(7),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.sharpDrop.recentDays + c.sharpDrop.baselineDays > 90) {
      ctx.addIssue({
        code: 'custom',
        path: ['sharpDrop'],
        message: 'sharpDrop.recentDays + sharpDrop.baselineDays must be at most 90 term days',
      });
    }
    if (c.sharpDrop.baselineDays < c.sharpDrop.recentDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['sharpDrop', 'baselineDays'],
        message: 'sharpDrop.baselineDays must be at least sharpDrop.recentDays, or the baseline is not meaningful',
      });
    }
  });

export type RulesConfig = z.output<typeof RulesConfigSchema>;
/** What a department may store: any subset of the settings. */
export type RulesConfigOverrides = z.input<typeof RulesConfigSchema>;

export const DEFAULT_RULES_CONFIG: RulesConfig = Object.freeze(RulesConfigSchema.parse({}));

/** A rule configuration that failed validation; `problems` names every bad setting. */
export class RulesConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid rule configuration: ${problems.join('; ')}`);
    this.name = 'RulesConfigError';
  }
}

/** Validates a department's stored settings (any subset) and fills in the defaults; throws RulesConfigError listing every problem. */
export function parseRulesConfig(raw: unknown): RulesConfig {
  const parsed = RulesConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  throw new RulesConfigError(
    parsed.error.issues.map((issue) => {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys')
        return `${path ? `${path}: ` : ''}unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      if (issue.code === 'invalid_value' && path.endsWith('severity')) return `${path} must be one of high, medium, low`;
      if (issue.code === 'invalid_type' && path === '') return 'the rule configuration must be a JSON object';
      return issue.message.startsWith(path.split('.')[0] ?? '\u0000') || !path ? issue.message : `${path}: ${issue.message}`;
    }),
  );
}

/** The window lengths (in term days) a configuration needs summed, smallest first; 7, 14 and 21 are always explained. */
export function requiredWindows(config: RulesConfig): number[] {
  const lengths = [
    7,
    14,
    21,
    config.noEngagement.days,
    config.lowEngagement.days,
    config.silentSource.days,
    config.sharpDrop.recentDays,
    config.sharpDrop.recentDays + config.sharpDrop.baselineDays,
  ];
  return [...new Set(lengths)].sort((a, b) => a - b);
}
