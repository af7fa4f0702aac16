import { RulesConfigSchema, type RulesConfig } from '../../shared/rules/config';
import { RULE_FIELDS, keyOf, type RuleField } from '../../shared/rules/labels';

export { RULE_FIELDS, RULE_GROUPS, keyOf, type RuleField, type RuleName } from '../../shared/rules/labels';

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
