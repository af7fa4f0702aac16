import { useCallback, useState } from 'react';
import {
  Button,
  Card,
  Field,
  Input,
  MessageBar,
  Select,
  MessageBarBody,
  Subtitle2,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { fetchSettings, postExemption, type Authorize } from './api';
import { RuleSettings } from './RuleSettings';
import { formatDay } from './words';
import { PageTitle, Pending, usePageStyles, useFetched } from './page';

const useStyles = makeStyles({
  grid: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(22rem, 1fr))',
    gap: tokens.spacingHorizontalL,
    alignItems: 'start',
  },
});

/** Administrators: every rule setting with a preview against today, the term dates, and exemptions. */
export function SettingsPage({ authorize }: { authorize: Authorize }) {
  const page = usePageStyles();
  const styles = useStyles();
  /** An institution administrator may choose the department; empty is their own. */
  const [department, setDepartment] = useState('');
  const {
    data: settings,
    error,
    setData: setSettings,
  } = useFetched(useCallback(() => fetchSettings(authorize, department || undefined), [authorize, department]));
  const [draft, setDraft] = useState({ studentId: '', reason: '', from: '', until: '' });
  const [saved, setSaved] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);

  if (error || !settings) return <Pending error={error} label="Loading settings…" />;

  const addExemption = () => {
    setSaved(null);
    postExemption(
      authorize,
      { studentId: draft.studentId, reason: draft.reason, from: draft.from, until: draft.until || null },
      settings.department.id,
    )
      .then((s) => {
        setSettings(s);
        setDraft({ studentId: '', reason: '', from: '', until: '' });
        setSaved({ intent: 'success', text: 'Exemption recorded. It applies from the next evaluation.' });
      })
      .catch((e: unknown) => setSaved({ intent: 'error', text: e instanceof Error ? e.message : 'The exemption could not be saved.' }));
  };

  return (
    <section className={page.stack} aria-labelledby="settings-title">
      <PageTitle id="settings-title">Settings</PageTitle>
      {settings.departments.length > 1 && (
        <Field label="Department">
          <Select value={settings.department.id} onChange={(_, d) => setDepartment(d.value)}>
            {settings.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </Select>
        </Field>
      )}
      <RuleSettings key={settings.department.id} authorize={authorize} settings={settings} onSaved={setSettings} />
      <div className={styles.grid}>
        <Card className={page.card}>
          <Subtitle2 as="h3">Term dates</Subtitle2>
          {settings.terms.length === 0 ? (
            <Text>No terms are set, so nobody is flagged.</Text>
          ) : (
            <ul>
              {settings.terms.map((t) => (
                <li key={t.name}>
                  {`${t.name}: ${formatDay(t.start)} to ${formatDay(t.end)}`}
                  {t.excluded.length > 0 &&
                    `; not counted: ${t.excluded.map((x) => `${x.label} (${formatDay(x.start)} to ${formatDay(x.end)})`).join(', ')}`}
                </li>
              ))}
            </ul>
          )}
          <Text size={200} className={page.muted}>
            Term dates are shared by every department and are loaded with the command-line tool.
          </Text>
        </Card>
        <Card className={page.card}>
          <Subtitle2 as="h3">Exemptions</Subtitle2>
          {settings.exemptions.length === 0 ? (
            <Text>None recorded.</Text>
          ) : (
            <ul data-testid="exemptions">
              {settings.exemptions.map((e) => (
                <li
                  key={`${e.studentId}-${e.from}-${e.reason}`}
                >{`${e.studentName} (${e.studentId}): ${e.reason}, from ${formatDay(e.from)}${e.until ? ` until ${formatDay(e.until)}` : ', open-ended'}`}</li>
              ))}
            </ul>
          )}
          <Subtitle2 as="h4">Add an exemption</Subtitle2>
          <div className={page.row}>
            <Field label="Student ID">
              <Input value={draft.studentId} onChange={(_, d) => setDraft({ ...draft, studentId: d.value })} />
            </Field>
            <Field label="Reason">
              <Input value={draft.reason} onChange={(_, d) => setDraft({ ...draft, reason: d.value })} />
            </Field>
            <Field label="From">
              <Input type="date" value={draft.from} onChange={(_, d) => setDraft({ ...draft, from: d.value })} />
            </Field>
            <Field label="Until (optional)">
              <Input type="date" value={draft.until} onChange={(_, d) => setDraft({ ...draft, until: d.value })} />
            </Field>
            <Button appearance="primary" disabled={!draft.studentId || !draft.reason || !draft.from} onClick={addExemption}>
              Add exemption
            </Button>
          </div>
          {saved && (
            <MessageBar intent={saved.intent}>
              <MessageBarBody>{saved.text}</MessageBarBody>
            </MessageBar>
          )}
        </Card>
      </div>
    </section>
  );
}
