import { RulesConfigSchema, type RulesConfig } from '../../shared/rules/config';

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

/** The form's text for a stored value. */
export function textOf(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

/** The value a field's text stands for; text that is not a number stays NaN so the schema names the problem. */
function valueOf(f: RuleField, text: string): unknown {
  if (f.kind === 'boolean') return text === 'true';
  if (f.kind === 'severity') return text;
  if (text.trim() === '') return f.kind === 'nullableWhole' ? null : Number.NaN;
  return Number(text);
}

export type FormValues = Record<string, string>;

export const formOf = (rules: RulesConfig): FormValues =>
  Object.fromEntries(RULE_FIELDS.map((f) => [keyOf(f), textOf((rules[f.rule] as Record<string, unknown>)[f.field])]));

function readable(message: string, own: RuleField): string {
  let text = message.startsWith(`${keyOf(own)} `) ? message.slice(keyOf(own).length + 1) : message;
  for (const f of RULE_FIELDS) text = text.split(keyOf(f)).join(`"${f.short}"`);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Validates the form with the same RulesConfigSchema the CLI and the API use, and gives each field its
 * own message; a problem that spans fields (the sharp drop's two windows) is shown on the second.
 * Returns the changed settings, grouped by rule, as the API takes them.
 */
export function checkForm(
  rules: RulesConfig,
  form: FormValues,
): { errors: Record<string, string>; changes: Record<string, Record<string, unknown>>; changed: number } {
  const candidate: Record<string, Record<string, unknown>> = {};
  const changes: Record<string, Record<string, unknown>> = {};
  let changed = 0;
  for (const f of RULE_FIELDS) {
    const value = valueOf(f, form[keyOf(f)] ?? '');
    candidate[f.rule] = { ...(candidate[f.rule] ?? {}), [f.field]: value };
    const before = (rules[f.rule] as Record<string, unknown>)[f.field];
    if (JSON.stringify(before) !== JSON.stringify(value) || Number.isNaN(value)) {
      changes[f.rule] = { ...(changes[f.rule] ?? {}), [f.field]: value };
      changed += 1;
    }
  }
  const errors: Record<string, string> = {};
  const parsed = RulesConfigSchema.safeParse(candidate);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String);
      const field =
        RULE_FIELDS.find((f) => f.rule === path[0] && f.field === path[1]) ??
        (path[0] === 'sharpDrop' ? RULE_FIELDS.find((f) => keyOf(f) === 'sharpDrop.baselineDays') : undefined);
      if (field && !errors[keyOf(field)])
        errors[keyOf(field)] = issue.message.startsWith('Invalid input') ? 'Enter a number' : readable(issue.message, field);
    }
  return { errors, changes, changed };
}
