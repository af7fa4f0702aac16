import { SOURCES, SOURCE_LABELS } from '../domain';
import type { Decision, RuleId } from './types';

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
