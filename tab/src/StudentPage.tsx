import { useEffect, useState } from 'react';
import {
  Badge,
  Button,
  Card,
  Field,
  MessageBar,
  MessageBarBody,
  Select,
  Subtitle2,
  Text,
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { CaseSummary } from '../../shared/api/cases';
import { MAX_SNOOZE_DAYS, OUTCOME_LABELS, OUTCOMES, type CaseAction, type Outcome } from '../../shared/api/case-actions';
import type { StudentView } from '../../shared/api/student';
import { fetchStudent, postCaseAction, type Authorize } from './api';
import { StudentCharts } from './StudentCharts';
import { SubjectAccessButton } from './SubjectAccessButton';
import { CASE_STATUS_WORDS, formatDay, formatInstant, SEVERITY_BADGE } from './words';
import { PageTitle, Pending } from './page';

const useStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  grid: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 30rem), 1fr))',
    gap: tokens.spacingHorizontalL,
    alignItems: 'start',
  },
  card: { padding: tokens.spacingHorizontalL },
  row: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'end', flexWrap: 'wrap' },
  muted: { color: tokens.colorNeutralForeground3 },
  timeline: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  event: { borderLeft: `3px solid ${tokens.colorBrandStroke1}`, paddingLeft: tokens.spacingHorizontalM },
  legend: { display: 'flex', gap: tokens.spacingHorizontalL, flexWrap: 'wrap' },
});

/** A student's story: counts across the term beside their cohort, exemptions, the case and what has been done. */
export function StudentPage({ authorize, studentId, onBack }: { authorize: Authorize; studentId: string; onBack: () => void }) {
  const styles = useStyles();
  const [view, setView] = useState<StudentView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setView(null);
    fetchStudent(authorize, studentId)
      .then(setView)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : 'Something went wrong.'));
  }, [authorize, studentId]);

  return (
    <article className={styles.stack} aria-labelledby="student-title">
      <div>
        <Button appearance="subtle" onClick={onBack}>
          ← Back to the list
        </Button>
        <SubjectAccessButton authorize={authorize} studentId={studentId} />
      </div>
      {(error || !view) && <Pending error={error} label="Loading the student…" />}
      {view && (
        <>
          <div>
            <PageTitle id="student-title">{view.student.name}</PageTitle>
            <Text
              block
            >{`${view.student.id} · ${view.student.programme}, year ${view.student.year} · personal tutor: ${view.student.tutorName ?? 'none assigned'}`}</Text>
          </div>
          <div className={styles.grid}>
            <StudentCharts view={view} />
            <div className={styles.stack}>
              <CasePanel authorize={authorize} initial={view.case} />
              <Card className={styles.card}>
                <Subtitle2 as="h3">Exemptions</Subtitle2>
                {view.exemptions.length === 0 ? (
                  <Text>None recorded.</Text>
                ) : (
                  <ul>
                    {view.exemptions.map((e) => (
                      <li
                        key={`${e.from}-${e.reason}`}
                      >{`${e.reason}: from ${formatDay(e.from)}${e.until ? ` until ${formatDay(e.until)}` : ', open-ended'}`}</li>
                    ))}
                  </ul>
                )}
              </Card>
            </div>
          </div>
        </>
      )}
    </article>
  );
}

function CasePanel({ authorize, initial }: { authorize: Authorize; initial: CaseSummary | null }) {
  const styles = useStyles();
  const [c, setCase] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);
  const [outcome, setOutcome] = useState<Outcome | ''>('');
  const [note, setNote] = useState('');
  const [days, setDays] = useState('7');

  if (!c)
    return (
      <Card className={styles.card}>
        <Subtitle2 as="h3">Case</Subtitle2>
        <Text>No case has been opened for this student.</Text>
      </Card>
    );

  const act = (action: CaseAction, done: string) => {
    setBusy(true);
    setMessage(null);
    postCaseAction(authorize, c.caseId, action)
      .then((r) => {
        setCase(r.case);
        setNote('');
        setOutcome('');
        setMessage({ intent: 'success', text: done });
      })
      .catch((e: unknown) => setMessage({ intent: 'error', text: e instanceof Error ? e.message : 'The action failed.' }))
      .finally(() => setBusy(false));
  };

  return (
    <Card className={styles.card}>
      <Subtitle2 as="h3">Case</Subtitle2>
      <div className={styles.row}>
        <Badge appearance="filled" color={SEVERITY_BADGE[c.severity].color}>
          {SEVERITY_BADGE[c.severity].label}
        </Badge>
        <Text weight="semibold" data-testid="case-status">
          {CASE_STATUS_WORDS[c.status]}
        </Text>
        {c.snoozedUntil && <Text>{`until ${formatInstant(c.snoozedUntil)}`}</Text>}
      </div>
      <Text>{c.reason}</Text>
      {c.ruleFigures && (
        <details>
          <summary>The rule’s figures</summary>
          <Text size={200}>{c.ruleFigures}</Text>
        </details>
      )}
      <Text
        size={200}
        className={styles.muted}
      >{`Opened ${formatInstant(c.openedAt)} · owner: ${c.ownerName ?? 'nobody yet'}${c.outcome ? ` · outcome: ${OUTCOME_LABELS[c.outcome]}` : ''}`}</Text>
      {message && (
        <MessageBar intent={message.intent} role={message.intent === 'error' ? 'alert' : 'status'}>
          <MessageBarBody>{message.text}</MessageBarBody>
        </MessageBar>
      )}
      {c.actions.length > 0 && (
        <div className={styles.stack} role="group" aria-label="Actions on this case">
          <div className={styles.row}>
            {c.actions.includes('acknowledge') && (
              <Button
                appearance="primary"
                disabled={busy}
                onClick={() => act({ action: 'acknowledge' }, 'Acknowledged: you are now following up this case.')}
              >
                Acknowledge
              </Button>
            )}
            {c.actions.includes('send_checkin') && (
              <Button
                disabled={busy}
                onClick={() => act({ action: 'send_checkin' }, 'A check-in message is on its way to the student in Teams.')}
              >
                Send a check-in
              </Button>
            )}
            {c.actions.includes('snooze') && (
              <>
                <Field label="Snooze for (days)">
                  <Select value={days} onChange={(_, d) => setDays(d.value)}>
                    {[1, 2, 3, 7, 14, MAX_SNOOZE_DAYS].map((n) => (
                      <option key={n} value={n}>
                        {n === 1 ? '1 day' : `${n} days`}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Button
                  disabled={busy}
                  onClick={() => act({ action: 'snooze', days: Number(days) }, `Snoozed for ${days} ${days === '1' ? 'day' : 'days'}.`)}
                >
                  Snooze
                </Button>
              </>
            )}
          </div>
          {c.actions.includes('record_outcome') && (
            <div className={styles.stack}>
              <Field label="Note with the outcome (optional, kept in the case timeline)">
                <Textarea value={note} onChange={(_, d) => setNote(d.value)} maxLength={2000} resize="vertical" />
              </Field>
              <div className={styles.row}>
                <Field label="Outcome">
                  <Select value={outcome} onChange={(_, d) => setOutcome(d.value as Outcome | '')}>
                    <option value="">Choose an outcome</option>
                    {OUTCOMES.map((o) => (
                      <option key={o} value={o}>
                        {OUTCOME_LABELS[o]}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Button
                  disabled={busy || !outcome}
                  onClick={() => outcome && act({ action: 'record_outcome', outcome, note: note || undefined }, 'Outcome recorded.')}
                >
                  Record outcome
                </Button>
              </div>
            </div>
          )}
        </div>
      )}
      <Subtitle2 as="h4">Timeline</Subtitle2>
      <ol className={styles.timeline} aria-label="Case timeline" data-testid="timeline">
        {c.timeline.map((e) => (
          <li key={e.id} className={styles.event}>
            <Text weight="semibold">{e.label}</Text>
            <Text
              size={200}
              className={styles.muted}
            >{` · ${formatInstant(e.at)}${e.actorName ? ` · ${e.actorName}` : e.actorKind === 'student' ? ' · the student' : ''}`}</Text>
            {e.note && <Text block>{e.note}</Text>}
          </li>
        ))}
      </ol>
    </Card>
  );
}
