import { EXEMPT_STATUSES, SOURCES, type IsoDay, type Source } from '../domain';
import { daysBetween, lastTermDays } from '../calendar';
import type { DailyCounts, Explanation, Flag, RulesInput, RulesResult, WindowCounts, Coverage } from './types';

/** Sums one source over the given days, or null when any of those days is unknown for that source. */
function sumKnown(counts: DailyCounts | undefined, source: Source, days: readonly IsoDay[], coverage: Coverage): number | null {
  const known = coverage.get(source);
  let total = 0;
  for (const day of days) {
    if (!known?.has(day)) return null;
    total += counts?.get(day)?.[source] ?? 0;
  }
  return total;
}

function lastSeen(counts: DailyCounts | undefined, source: Source, today: IsoDay): number | null {
  let latest: IsoDay | null = null;
  for (const [day, bySource] of counts ?? []) {
    if (day < today && (bySource[source] ?? 0) > 0 && (latest === null || day > latest)) latest = day;
  }
  return latest === null ? null : daysBetween(latest, today);
}

/** Explains a student's engagement over the last 7, 14 and 21 term days, honouring unknown data. */
export function explainStudent(counts: DailyCounts | undefined, input: Pick<RulesInput, 'coverage' | 'terms' | 'today'>): Explanation {
  const d21 = lastTermDays(input.today, 21, input.terms);
  const d14 = d21.slice(-14);
  const d7 = d21.slice(-7);
  const windowCounts = {} as WindowCounts;
  const daysSinceLast = {} as Record<Source, number | null>;
  for (const source of SOURCES) {
    windowCounts[source] = {
      d7: sumKnown(counts, source, d7, input.coverage),
      d14: sumKnown(counts, source, d14, input.coverage),
      d21: sumKnown(counts, source, d21, input.coverage),
    };
    daysSinceLast[source] = lastSeen(counts, source, input.today);
  }
  return { counts: windowCounts, daysSinceLast, windowStart: d21[0] ?? null, windowEnd: d21[d21.length - 1] ?? null };
}

function isExemptOn(studentId: string, day: IsoDay, input: RulesInput): string | null {
  const exemption = input.exemptions.find((e) => e.studentId === studentId && e.from <= day && (e.until === null || e.until >= day));
  return exemption ? exemption.reason : null;
}

/**
 * Decides which students need a human to get in touch. Pure: every fact, including today, is an
 * argument. Only the no-engagement rule is implemented so far; a source whose data is unknown over
 * the window never counts as silence.
 */
export function evaluateRules(input: RulesInput): RulesResult {
  const result: RulesResult = { flags: [], warnings: [], exempt: [] };
  const window = lastTermDays(input.today, input.config.noEngagementDays, input.terms);
  if (window.length < input.config.noEngagementDays) {
    result.warnings.push({ studentId: null, source: null, message: `Only ${window.length} term days so far; no flags until there are ${input.config.noEngagementDays}.` });
    return result;
  }
  const knownSources = SOURCES.filter((source) => {
    const known = input.coverage.get(source);
    const share = window.filter((day) => known?.has(day)).length / window.length;
    if (share < 1 && share > 0) {
      result.warnings.push({ studentId: null, source, message: `${source} has data for ${Math.round(share * 100)}% of the last ${window.length} term days; it is left out.` });
    }
    return share === 1;
  });
  if (knownSources.length / SOURCES.length < input.config.minKnownCoverage) {
    result.warnings.push({ studentId: null, source: null, message: `Only ${knownSources.length} of ${SOURCES.length} sources have complete data for the last ${window.length} term days; no flags raised.` });
    return result;
  }

  for (const student of input.students) {
    if (EXEMPT_STATUSES.has(student.status)) {
      result.exempt.push({ studentId: student.id, why: student.status });
      continue;
    }
    const exemptWhy = isExemptOn(student.id, input.today, input);
    if (exemptWhy !== null) {
      result.exempt.push({ studentId: student.id, why: exemptWhy });
      continue;
    }
    const counts = input.counts.get(student.id);
    const total = knownSources.reduce((sum, source) => sum + (sumKnown(counts, source, window, input.coverage) ?? 0), 0);
    if (total > 0) continue;
    const hasAnyRecord = counts !== undefined && counts.size > 0;
    const flag: Flag = {
      studentId: student.id,
      severity: 'high',
      rules: ['no_engagement'],
      reason: hasAnyRecord
        ? `No recorded activity on any source in the last ${window.length} term days.`
        : `No recorded activity at all in the data we hold, over the last ${window.length} term days.`,
      explanation: explainStudent(counts, input),
    };
    result.flags.push(flag);
  }
  return result;
}
