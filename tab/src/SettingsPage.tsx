import { useEffect, useState } from 'react';
import {
  Button,
  Card,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Spinner,
  Subtitle2,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { RulesPreview, Settings } from '../../shared/api/settings';
import { fetchRulesPreview, fetchSettings, postExemption, postThresholds, type Authorize } from './api';
import { formatDay } from './words';

const useStyles = makeStyles({
  grid: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(22rem, 1fr))',
    gap: tokens.spacingHorizontalL,
    alignItems: 'start',
  },
  card: { padding: tokens.spacingHorizontalL },
  row: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'end', flexWrap: 'wrap' },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** Administrators: a live preview of rule thresholds, the term dates, and exemptions. */
export function SettingsPage({ authorize }: { authorize: Authorize }) {
  const styles = useStyles();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [days, setDays] = useState('');
  const [coverage, setCoverage] = useState('');
  const [preview, setPreview] = useState<RulesPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [draft, setDraft] = useState({ studentId: '', reason: '', from: '', until: '' });
  const [saved, setSaved] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);
  const [rulesSaved, setRulesSaved] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);

  useEffect(() => {
    fetchSettings(authorize)
      .then((s) => {
        setSettings(s);
        setDays(String(s.rules.noEngagementDays));
        setCoverage(String(s.rules.minKnownCoverage));
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : 'Something went wrong.'));
  }, [authorize]);

  useEffect(() => {
    if (!days || !coverage) return;
    const timer = setTimeout(() => {
      fetchRulesPreview(authorize, { noEngagementDays: Number(days), minKnownCoverage: Number(coverage) })
        .then((p) => {
          setPreview(p);
          setPreviewError(null);
        })
        .catch((e: unknown) => setPreviewError(e instanceof Error ? e.message : 'The preview failed.'));
    }, 300);
    return () => clearTimeout(timer);
  }, [authorize, days, coverage]);

  if (error)
    return (
      <MessageBar intent="error">
        <MessageBarBody>{error}</MessageBarBody>
      </MessageBar>
    );
  if (!settings) return <Spinner label="Loading settings…" />;

  const saveThresholds = () => {
    setRulesSaved(null);
    postThresholds(authorize, { noEngagementDays: Number(days), minKnownCoverage: Number(coverage) })
      .then((s) => {
        setSettings(s);
        setRulesSaved({ intent: 'success', text: 'Thresholds saved. The next evaluation uses them.' });
        setDays(`${s.rules.noEngagementDays}`);
      })
      .catch((e: unknown) =>
        setRulesSaved({ intent: 'error', text: e instanceof Error ? e.message : 'The thresholds could not be saved.' }),
      );
  };

  const addExemption = () => {
    setSaved(null);
    postExemption(authorize, { studentId: draft.studentId, reason: draft.reason, from: draft.from, until: draft.until || null })
      .then((s) => {
        setSettings(s);
        setDraft({ studentId: '', reason: '', from: '', until: '' });
        setSaved({ intent: 'success', text: 'Exemption recorded. It applies from the next evaluation.' });
      })
      .catch((e: unknown) => setSaved({ intent: 'error', text: e instanceof Error ? e.message : 'The exemption could not be saved.' }));
  };

  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title" style={{ marginTop: 0, fontSize: tokens.fontSizeBase500 }}>
        Settings
      </h2>
      <div className={styles.grid}>
        <Card className={styles.card}>
          <Subtitle2 as="h3">Rule thresholds</Subtitle2>
          <Text className={styles.muted}>
            Try other thresholds to see how many students today's data would flag. Nothing changes until you save.
          </Text>
          <div className={styles.row}>
            <Field label="Term days of silence before flagging">
              <Input type="number" min={5} max={30} value={days} onChange={(_, d) => setDays(d.value)} />
            </Field>
            <Field label="Share of data that must be known (0.5 to 1)">
              <Input type="number" min={0.5} max={1} step={0.05} value={coverage} onChange={(_, d) => setCoverage(d.value)} />
            </Field>
          </div>
          {previewError && (
            <MessageBar intent="warning">
              <MessageBarBody>{previewError}</MessageBarBody>
            </MessageBar>
          )}
          {preview && (
            <div role="status" aria-live="polite" data-testid="rules-preview">
              <Text
                block
              >{`Now: ${preview.current.flagged} students flagged (${preview.current.noEngagementDays} days, ${preview.current.minKnownCoverage}).`}</Text>
              <Text
                block
                weight="semibold"
              >{`With ${preview.proposed.noEngagementDays} days and ${preview.proposed.minKnownCoverage}: ${preview.proposed.flagged} students flagged (${preview.newlyFlagged} more, ${preview.noLongerFlagged} fewer).`}</Text>
              {preview.warnings.map((w) => (
                <Text block key={w} className={styles.muted}>
                  {w}
                </Text>
              ))}
            </div>
          )}
          <Button
            disabled={
              !preview ||
              (preview.proposed.noEngagementDays === settings.rules.noEngagementDays &&
                preview.proposed.minKnownCoverage === settings.rules.minKnownCoverage)
            }
            onClick={saveThresholds}
          >
            Save these thresholds
          </Button>
          {rulesSaved && (
            <MessageBar intent={rulesSaved.intent}>
              <MessageBarBody>{rulesSaved.text}</MessageBarBody>
            </MessageBar>
          )}
        </Card>
        <Card className={styles.card}>
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
          <Text size={200} className={styles.muted}>
            Term dates are shared by every department and are loaded with the command-line tool.
          </Text>
        </Card>
        <Card className={styles.card}>
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
          <div className={styles.row}>
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
