import { useEffect, useMemo, useState } from 'react';
import {
  Button,
  Card,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Select,
  Subtitle2,
  Switch,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { RulesPreview, Settings } from '../../shared/api/settings';
import { fetchRulesPreview, postRules, type Authorize } from './api';
import { RULE_GROUPS, checkForm, formOf, keyOf, type FormValues, type RuleField } from './rule-fields';

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL },
  groups: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(18rem, 1fr))',
    gap: tokens.spacingHorizontalL,
    alignItems: 'start',
  },
  group: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalM,
    margin: 0,
  },
  legend: { fontWeight: tokens.fontWeightSemibold, padding: `0 ${tokens.spacingHorizontalXS}` },
  muted: { color: tokens.colorNeutralForeground3 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', flexWrap: 'wrap' },
  names: { margin: `${tokens.spacingVerticalXS} 0`, paddingLeft: tokens.spacingHorizontalXL },
});

function FieldInput({ f, value, onChange }: { f: RuleField; value: string; onChange: (v: string) => void }) {
  if (f.kind === 'boolean')
    return <Switch checked={value === 'true'} onChange={(_, d) => onChange(String(d.checked))} label={value === 'true' ? 'On' : 'Off'} />;
  if (f.kind === 'severity')
    return (
      <Select value={value} onChange={(_, d) => onChange(d.value)}>
        <option value="high">High</option>
        <option value="medium">Medium</option>
        <option value="low">Low</option>
      </Select>
    );
  return <Input type="number" step={f.step ?? 1} value={value} onChange={(_, d) => onChange(d.value)} />;
}

function NameList({ label, people, testId }: { label: string; people: RulesPreview['newlyFlagged']; testId: string }) {
  const styles = useStyles();
  if (people.length === 0) return null;
  return (
    <details data-testid={testId}>
      <summary>{label}</summary>
      <ul className={styles.names}>
        {people.map((p) => (
          <li key={p.studentId}>{`${p.name} (${p.studentId})`}</li>
        ))}
      </ul>
    </details>
  );
}

/**
 * Every rule setting a department can store, each checked on its own with the same schema the CLI and
 * the API use; the preview compares the change with today; Save waits until everything is valid.
 */
export function RuleSettings({
  authorize,
  settings,
  onSaved,
}: {
  authorize: Authorize;
  settings: Settings;
  onSaved: (s: Settings) => void;
}) {
  const styles = useStyles();
  const [form, setForm] = useState<FormValues>(() => formOf(settings.rules));
  const [preview, setPreview] = useState<RulesPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);
  const { errors, changes, changed } = useMemo(() => checkForm(settings.rules, form), [settings.rules, form]);
  const invalid = Object.keys(errors).length;
  const changesKey = JSON.stringify(changes);
  const department = settings.department.id;

  useEffect(() => {
    setPreview(null);
    setPreviewError(null);
    if (invalid > 0 || changed === 0) return;
    let current = true;
    const timer = setTimeout(() => {
      fetchRulesPreview(authorize, JSON.parse(changesKey) as typeof changes, department)
        .then((p) => current && setPreview(p))
        .catch((e: unknown) => current && setPreviewError(e instanceof Error ? e.message : 'The preview failed.'));
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // changesKey stands for `changes`, which is a new object on every render.
  }, [authorize, changesKey, invalid, changed, department]);

  const save = () => {
    setSaving(true);
    setResult(null);
    postRules(authorize, changes, department)
      .then((s) => {
        onSaved(s);
        setForm(formOf(s.rules));
        setResult({ intent: 'success', text: 'Settings saved. The next evaluation uses them.' });
      })
      .catch((e: unknown) => setResult({ intent: 'error', text: e instanceof Error ? e.message : 'The settings could not be saved.' }))
      .finally(() => setSaving(false));
  };

  const set = (key: string) => (value: string) => {
    setResult(null);
    setForm((was) => ({ ...was, [key]: value }));
  };

  return (
    <Card className={styles.card}>
      <Subtitle2 as="h3">Rules</Subtitle2>
      <Text className={styles.muted}>
        {`For ${settings.department.name}. Change a setting to see who today's data would flag instead. Nothing changes until you save.`}
      </Text>
      <div className={styles.groups}>
        {RULE_GROUPS.map((g) => (
          <fieldset key={g.rule} className={styles.group}>
            <legend className={styles.legend}>{g.title}</legend>
            <Text size={200} className={styles.muted}>
              {g.description}
            </Text>
            {g.fields.map((f) => {
              const key = keyOf(f);
              const error = errors[key];
              return (
                <Field
                  key={key}
                  label={f.kind === 'boolean' ? `${g.title}: ${f.label.toLowerCase()}` : f.label}
                  validationState={error ? 'error' : 'none'}
                  validationMessage={error}
                  data-setting={key}
                >
                  <FieldInput f={f} value={form[key] ?? ''} onChange={set(key)} />
                </Field>
              );
            })}
          </fieldset>
        ))}
      </div>
      <div role="status" aria-live="polite" data-testid="rules-preview">
        {invalid > 0 && (
          <Text block>{`${invalid === 1 ? 'One setting needs' : `${invalid} settings need`} correcting before saving.`}</Text>
        )}
        {invalid === 0 && changed === 0 && <Text block>These are the settings in force.</Text>}
        {invalid === 0 && changed > 0 && !preview && !previewError && <Text block>Working out who would be flagged…</Text>}
        {preview && (
          <>
            <Text block weight="semibold">
              {preview.newlyFlagged.length === 0 && preview.noLongerFlagged.length === 0
                ? `No change against today: ${preview.current.flagged} students flagged either way.`
                : `Against today: +${preview.newlyFlagged.length} newly flagged, −${preview.noLongerFlagged.length} no longer flagged (${preview.current.flagged} now, ${preview.proposed.flagged} with these settings).`}
            </Text>
            <NameList
              label={`Show the ${preview.newlyFlagged.length} newly flagged`}
              people={preview.newlyFlagged}
              testId="newly-flagged"
            />
            <NameList
              label={`Show the ${preview.noLongerFlagged.length} no longer flagged`}
              people={preview.noLongerFlagged}
              testId="no-longer-flagged"
            />
            {preview.warnings.map((w) => (
              <Text block key={w} className={styles.muted}>
                {w}
              </Text>
            ))}
          </>
        )}
      </div>
      {previewError && (
        <MessageBar intent="warning">
          <MessageBarBody>{previewError}</MessageBarBody>
        </MessageBar>
      )}
      <div className={styles.actions}>
        <Button appearance="primary" disabled={invalid > 0 || changed === 0 || saving} onClick={save}>
          {saving ? 'Saving…' : changed > 1 ? `Save ${changed} changes` : 'Save'}
        </Button>
        {changed > 0 && (
          <Button appearance="subtle" onClick={() => setForm(formOf(settings.rules))}>
            Undo changes
          </Button>
        )}
      </div>
      {result && (
        <MessageBar intent={result.intent}>
          <MessageBarBody>{result.text}</MessageBarBody>
        </MessageBar>
      )}
    </Card>
  );
}
