import { SOURCES, SOURCE_LABELS } from '../domain';
import type { Decision, Explanation, RuleId } from './types';

const RULE_NAMES: Record<RuleId, string> = {
  no_engagement: 'No engagement',
  low_engagement: 'Low engagement',
  sharp_drop: 'Sharp drop',
  silent_source: 'Silent source',
};
const OUTCOMES = { fired: 'fired', not_fired: 'did not fire', not_judged: 'not judged' } as const;

const cell = (value: number | null, median: number | null | undefined): string =>
  `${value === null ? '?' : value}${median === null || median === undefined ? '' : ` (${median})`}`;

/** One student's decision in plain words, for `engagement evaluate --explain`: counts only, never what was accessed. */
export function describeDecision(decision: Decision, subject: string): string[] {
  const lines: string[] = [];
  if (decision.exempt !== null) {
    lines.push(`${subject}: not monitored today (exempt: ${decision.exempt}); no rule is applied and no alert is sent.`);
    return lines;
  }
  const flag = decision.flag;
  lines.push(flag ? `${subject}: flagged, ${flag.severity} severity. ${flag.reason}` : `${subject}: not flagged.`);
  lines.push('', 'Rules:');
  for (const rule of decision.rules) lines.push(`  ${RULE_NAMES[rule.rule]}: ${OUTCOMES[rule.outcome]}: ${rule.sentence}`);
  const explanation = decision.explanation;
  if (explanation) {
    const cohort = explanation.cohort
      ? ` against ${explanation.cohort.programme} year ${explanation.cohort.year} (${explanation.cohort.size} students)`
      : '';
    lines.push('', `Occurrences over the last 7 / 14 / 21 term days, cohort median in brackets${cohort}; ? means the data is incomplete:`);
    const width = Math.max(...SOURCES.map((s) => SOURCE_LABELS[s].length));
    for (const source of SOURCES) {
      const c = explanation.counts[source];
      const m = explanation.cohortMedians?.[source];
      const since = explanation.daysSinceLast[source];
      const share = explanation.knownShare?.[source];
      const cells = [cell(c.d7, m?.d7), cell(c.d14, m?.d14), cell(c.d21, m?.d21)].map((x) => x.padEnd(10)).join(' ');
      const last = since === null ? 'none seen in the data held' : since === 1 ? 'last seen yesterday' : `last seen ${since} days ago`;
      const known = share !== undefined && share < 1 ? `; data complete for ${Math.round(share * 100)}% of the 21 term days` : '';
      lines.push(`  ${SOURCE_LABELS[source].padEnd(width)}  ${cells} ${last}${known}`);
    }
    if (explanation.windowStart && explanation.windowEnd)
      lines.push(`  (21 term days: ${explanation.windowStart} to ${explanation.windowEnd}, vacations left out)`);
  }
  for (const warning of decision.warnings) lines.push('', `Data warning: ${warning.message}`);
  return lines;
}

/** A figure as a person would say it: 52, 7.5, 140; never 51.99999 or 0.333. */
export function roundSensibly(value: number): number {
  if (value >= 100) return Math.round(value / 10) * 10;
  if (value >= 10) return Math.round(value);
  return Math.round(value * 2) / 2;
}

const DAY_NAME = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' });
const spanWords = (days: 7 | 14 | 21) => (days === 7 ? 'a week' : days === 14 ? '2 weeks' : '3 weeks');
const WINDOWS = [
  ['d21', 21],
  ['d14', 14],
  ['d7', 7],
] as const;

/**
 * Why a student is flagged, in plain words a tutor reads in a second, the same on the card and the
 * tab: "No activity on any source for 3 weeks of term, since 22 September." The rules' own
 * sentences (with their thresholds) stay in the case's `reason` for those who want the figures.
 */
export function describeReasons(rules: readonly RuleId[], explanation: Explanation): string {
  const { counts, cohortMedians, daysSinceLast, evaluatedOn } = explanation;
  const known = (w: 'd7' | 'd14' | 'd21') => SOURCES.filter((s) => counts[s][w] !== null);
  const total = (w: 'd7' | 'd14' | 'd21') => known(w).reduce((sum, s) => sum + (counts[s][w] ?? 0), 0);
  const usual = (w: 'd7' | 'd14' | 'd21') => known(w).reduce((sum, s) => sum + (cohortMedians?.[s]?.[w] ?? 0), 0);
  const sentences: string[] = [];

  if (rules.includes('no_engagement')) {
    const silent = WINDOWS.find(([w]) => known(w).length > 0 && total(w) === 0);
    const seen = SOURCES.map((s) => daysSinceLast[s]).filter((d): d is number => d !== null);
    const since =
      evaluatedOn && seen.length > 0
        ? `, since ${DAY_NAME.format(Date.parse(`${evaluatedOn}T00:00:00Z`) - Math.min(...seen) * 86_400_000)}`
        : '';
    sentences.push(
      silent ? `No activity on any source for ${spanWords(silent[1])} of term${since}` : `No activity on any source recently${since}`,
    );
  }
  if (rules.includes('low_engagement') && !rules.includes('no_engagement')) {
    const [w, days] = WINDOWS.find(([w]) => known(w).length > 0) ?? WINDOWS[0];
    const typical = usual(w);
    sentences.push(
      typical > 0
        ? `Far less than others on the course: ${roundSensibly(total(w))} against a usual ${roundSensibly(typical)} over ${spanWords(days)}`
        : `Far less than others on the course over ${spanWords(days)}`,
    );
  }
  if (rules.includes('sharp_drop') && !rules.includes('no_engagement')) {
    const recent = total('d7');
    const before = (total('d21') - recent) / 2;
    sentences.push(
      before > 0
        ? `A sharp drop: ${roundSensibly(recent)} in the last week against about ${roundSensibly(before)} a week before`
        : 'A sharp drop against their own usual level',
    );
  }
  if (rules.includes('silent_source') && !rules.includes('no_engagement')) {
    const quiet = SOURCES.filter((s) => counts[s].d14 === 0 && (cohortMedians?.[s]?.d14 ?? 0) > 0);
    for (const s of quiet)
      sentences.push(
        `No ${SOURCE_LABELS[s].toLowerCase()} for 2 weeks of term, where others on the course usually have ${roundSensibly(cohortMedians?.[s]?.d14 ?? 0)}`,
      );
    if (quiet.length === 0) sentences.push('Silent on one source where most of the course is active');
  }
  return sentences.length > 0 ? `${sentences.join('. ')}.` : 'Flagged by the department’s rules.';
}
