import { SOURCES, type Source } from '../domain';
import type { DataWarning, RuleId } from './types';
import {
  RULE_LABELS,
  SOURCE_COUNT,
  cohortName,
  isReady,
  isUsable,
  labelOf,
  plural,
  sumOf,
  type CohortStats,
  type Context,
  type Member,
} from './context';

/** A cohort where everyone shows zero on a source smaller than this is not remarkable enough to warn about. */
const MIN_COHORT_FOR_SILENCE_WARNING = 5;

/** Data-quality warnings for a whole department: rules that cannot run yet, sources left out as unknown. */
export function departmentWarnings(ctx: Context): DataWarning[] {
  const { config } = ctx;
  const warnings: DataWarning[] = [];
  const dept = (code: string, message: string): DataWarning => ({
    scope: 'department',
    code,
    studentId: null,
    source: null,
    cohort: null,
    message,
  });
  const rules: Array<[RuleId, boolean, number]> = [
    ['no_engagement', config.noEngagement.enabled, config.noEngagement.days],
    ['low_engagement', config.lowEngagement.enabled, config.lowEngagement.days],
    ['sharp_drop', config.sharpDrop.enabled, config.sharpDrop.recentDays + config.sharpDrop.baselineDays],
    ['silent_source', config.silentSource.enabled, config.silentSource.days],
  ];
  for (const [rule, enabled, n] of rules) {
    if (!enabled) continue;
    if (!isReady(ctx, n)) {
      warnings.push(
        dept(
          'window_not_ready',
          `Only ${plural(ctx.days.length, 'term day')} so far; the ${RULE_LABELS[rule]} rule starts once there are ${n}.`,
        ),
      );
    } else if ((ctx.usableCount.get(n) ?? 0) < config.coverage.minKnownSources) {
      warnings.push(
        dept(
          'too_few_sources',
          `Only ${ctx.usableCount.get(n) ?? 0} of ${SOURCE_COUNT} sources have complete data for the last ${n} term days; the ${RULE_LABELS[rule]} rule needs ${config.coverage.minKnownSources}, so it flags no one today.`,
        ),
      );
    }
  }
  const n = Math.min(21, ctx.days.length);
  if (n > 0) {
    const shares = ctx.share.get(21) ?? [];
    for (let s = 0; s < SOURCE_COUNT; s++) {
      const share = shares[s] ?? 0;
      if (share >= config.coverage.minSourceShare) continue;
      const known = Math.round(share * n);
      warnings.push({
        scope: 'source',
        code: 'source_unknown',
        studentId: null,
        source: SOURCES[s] as Source,
        cohort: null,
        message: `${labelOf(s)}: complete data for ${known} of the last ${plural(n, 'term day')}, so it is left out of today's decisions (missing data is not counted as zero).`,
      });
    }
  }
  return warnings;
}

/** Data-quality warnings for one cohort: too small to compare, or a source silent for everyone. */
export function cohortWarnings(ctx: Context, stats: CohortStats, members: readonly Member[]): DataWarning[] {
  const { config } = ctx;
  const warnings: DataWarning[] = [];
  const cohort = { programme: stats.programme, year: stats.year };
  const usesCohort = config.lowEngagement.enabled || config.silentSource.enabled;
  if (usesCohort && stats.size < config.lowEngagement.minCohortSize) {
    warnings.push({
      scope: 'cohort',
      code: 'cohort_too_small',
      studentId: null,
      source: null,
      cohort,
      message: `${cohortName(stats)} has ${plural(stats.size, 'student')} being monitored; cohort comparisons need ${config.lowEngagement.minCohortSize}, so the low-engagement and silent-source rules are not used for it.`,
    });
  }
  if (isReady(ctx, 21) && stats.size >= MIN_COHORT_FOR_SILENCE_WARNING) {
    for (let s = 0; s < SOURCE_COUNT; s++) {
      // Submissions follow deadlines: a cohort with none due in three weeks is ordinary.
      if (SOURCES[s] === 'moodle_submission' || !isUsable(ctx, s, 21)) continue;
      if (members.every((m) => sumOf(ctx, m.row, s, 21) === 0)) {
        warnings.push({
          scope: 'cohort',
          code: 'cohort_source_silent',
          studentId: null,
          source: SOURCES[s] as Source,
          cohort,
          message: `All ${stats.size} students in ${cohortName(stats)} show no ${labelOf(s)} over the last 21 term days although that data is marked complete; please check the import before relying on it.`,
        });
      }
    }
  }
  return warnings;
}
