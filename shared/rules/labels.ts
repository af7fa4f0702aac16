import type { RulesConfig } from './config';

export type RuleName = keyof RulesConfig;
type Kind = 'boolean' | 'severity' | 'whole' | 'number' | 'share' | 'nullableWhole';

export interface RuleField {
  rule: RuleName;
  field: string;
  label: string;
  kind: Kind;
  /** A short name used when another field's message mentions this one. */
  short: string;
  step?: number;
}

/** A field's words; the group it sits in names its rule. */
type FieldWords = Omit<RuleField, 'rule'>;

/** The first two settings of every flagging rule. */
const ON_OFF_AND_SEVERITY: FieldWords[] = [
  { field: 'enabled', label: 'Use this rule', kind: 'boolean', short: 'on/off' },
  { field: 'severity', label: 'Severity', kind: 'severity', short: 'severity' },
];

const group = (rule: RuleName, title: string, description: string, fields: FieldWords[]) => ({
  rule,
  title,
  description,
  fields: fields.map((f): RuleField => ({ rule, ...f })),
});

/** Every rule setting a department can store (the same ones `engagement rules-config --set` takes), in words. */
export const RULE_GROUPS: Array<{ rule: RuleName; title: string; description: string; fields: RuleField[] }> = [
  group('noEngagement', 'No engagement at all', 'Nothing on any known source for a run of term days.', [
    ...ON_OFF_AND_SEVERITY,
    { field: 'days', label: 'Term days of silence before flagging', kind: 'whole', short: 'days of silence' },
  ]),
  group('lowEngagement', 'Low against the cohort', 'Well below others on the same programme and year, and below a floor.', [
    ...ON_OFF_AND_SEVERITY,
    { field: 'days', label: 'Term days looked at', kind: 'whole', short: 'term days looked at' },
    { field: 'cohortPercentile', label: 'Below this percentile of the cohort', kind: 'number', short: 'cohort percentile' },
    { field: 'absoluteFloor', label: 'And fewer than this many in total', kind: 'number', short: 'floor' },
    { field: 'minCohortSize', label: 'Smallest cohort to compare with', kind: 'whole', short: 'cohort size' },
  ]),
  group('sharpDrop', 'A sharp drop', "Recent activity far below the student's own earlier rate.", [
    ...ON_OFF_AND_SEVERITY,
    { field: 'recentDays', label: 'Recent term days', kind: 'whole', short: 'recent term days' },
    { field: 'baselineDays', label: 'Term days before them to compare with', kind: 'whole', short: 'comparison term days' },
    { field: 'ratio', label: 'Recent rate at or below this share of the earlier one (0 to 1)', kind: 'share', short: 'share', step: 0.05 },
    { field: 'minBaselinePerWeek', label: 'Earlier rate at least this many a week', kind: 'number', short: 'earlier weekly rate' },
  ]),
  group('silentSource', 'One source gone quiet', 'One source at zero while the cohort is active there.', [
    ...ON_OFF_AND_SEVERITY,
    { field: 'days', label: 'Term days at zero', kind: 'whole', short: 'days at zero' },
    { field: 'minCohortMedian', label: 'While the cohort median there is at least', kind: 'number', short: 'cohort median' },
  ]),
  group('coverage', 'Data needed before anyone is flagged', 'Unknown is not zero: too little data flags no one.', [
    { field: 'minSourceShare', label: 'Share of data that must be known (0 to 1)', kind: 'share', short: 'known share', step: 0.05 },
    { field: 'minKnownSources', label: 'Sources that must be known (1 to 5)', kind: 'whole', short: 'known sources' },
  ]),
  group('cases', 'Cases', 'How cases close and reopen.', [
    { field: 'coolDownDays', label: 'Days after closing before a similar flag reopens', kind: 'whole', short: 'cool-down days' },
    {
      field: 'closeAfterRecoveryDays',
      label: 'Close an untouched case this many days after recovery (empty: never)',
      kind: 'nullableWhole',
      short: 'days after recovery',
    },
  ]),
];

export const RULE_FIELDS = RULE_GROUPS.flatMap((g) => g.fields);
export const keyOf = (f: Pick<RuleField, 'rule' | 'field'>) => `${f.rule}.${f.field}`;

const FIELD_BY_KEY = new Map(RULE_FIELDS.map((f) => [keyOf(f), f]));
const TITLE_BY_RULE = new Map(RULE_GROUPS.map((g) => [g.rule, g.title]));

/**
 * A stored setting's key (`noEngagement.days`) in the Settings page's words: "No engagement at all,
 * term days of silence before flagging". A key it does not know is returned as it is.
 */
export function ruleSettingLabel(key: string): string {
  const f = FIELD_BY_KEY.get(key);
  if (!f) return key;
  return `${TITLE_BY_RULE.get(f.rule) ?? f.rule}, ${f.label.charAt(0).toLowerCase()}${f.label.slice(1)}`;
}
