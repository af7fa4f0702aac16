import { useCallback, useEffect, useId, useState } from 'react';
import {
  Button,
  Field,
  Link,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Text,
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { UrgentAlertView } from '../../shared/api/urgent';
import { fetchUrgent, postUrgentActed, type Authorize } from './api';
import { formatInstant } from './words';

const useStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, paddingBlock: tokens.spacingVerticalXS },
  quote: { fontStyle: 'italic', whiteSpace: 'pre-wrap' },
  when: { marginInlineStart: tokens.spacingHorizontalS },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, maxWidth: '40rem' },
});

const REFRESH_MS = 60_000;

/** Whether the emergency contacts reached the student, in words: staff must know when they did not. */
const CONTACTS_WORDS: Record<UrgentAlertView['contacts'], string> = {
  shown: 'They were shown emergency and out-of-hours support contacts.',
  waiting:
    'Their emergency and out-of-hours support contacts have not reached them yet: the app is still sending them (Teams may not have taken its reply), and they go as soon as Teams answers.',
  failed: 'Teams did not deliver their emergency and out-of-hours support contacts: please make sure they have them.',
};

const listOf = (names: string[]): string =>
  names.length <= 1 ? (names[0] ?? 'nobody yet') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

function UrgentItem({
  alert,
  authorize,
  onActed,
  onOpenStudent,
}: {
  alert: UrgentAlertView;
  authorize: Authorize;
  onActed: () => void;
  onOpenStudent: (studentId: string) => void;
}) {
  const styles = useStyles();
  const [open, setOpen] = useState(false);
  const [showDetails, setShowDetails] = useState(false);
  const detailsId = useId();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await postUrgentActed(authorize, alert.id, note);
      onActed();
    } catch (e: unknown) {
      setError(e instanceof Error ? e.message : 'Something went wrong; please try again.');
      setBusy(false);
    }
  };

  // Collapsed to one line (who, when, and the two actions), so the list below stays in view; the words,
  // who was told and the student's page are one click away, and the form opens in place.
  const expanded = showDetails || open;
  return (
    <MessageBar intent="error" layout={expanded ? 'multiline' : 'singleline'} role="alert" data-testid="urgent-alert">
      <MessageBarBody className={expanded ? styles.body : undefined}>
        <MessageBarTitle>Urgent: {alert.studentName} may need help now</MessageBarTitle>
        {!expanded && (
          <Text className={styles.when}>
            Wrote to the app {formatInstant(alert.raisedAt)}.
            {alert.contacts === 'shown' ? '' : ' Their support contacts have not reached them.'}
          </Text>
        )}
        {expanded && (
          <div id={detailsId} className={styles.body}>
            <Text>
              Wrote to the app {formatInstant(alert.raisedAt)}. {CONTACTS_WORDS[alert.contacts]}
            </Text>
            {alert.message !== null && <Text className={styles.quote}>“{alert.message}”</Text>}
            {alert.messageWithheld && <Text>Their words are shown only to the staff told and the wellbeing team.</Text>}
            <Text>Told at once: {listOf(alert.told)}.</Text>
            <Link onClick={() => onOpenStudent(alert.studentId)}>Open {alert.studentName}’s page</Link>
          </div>
        )}
        {open && (
          <div className={styles.form}>
            <Field label="What have you done?" hint="For example: phoned them, they are safe and seeing their GP tomorrow." required>
              <Textarea value={note} onChange={(_e, d) => setNote(d.value)} maxLength={2000} />
            </Field>
            {error && <Text role="status">{error}</Text>}
            <div>
              <Button appearance="primary" disabled={busy || note.trim() === ''} onClick={() => void save()}>
                Save
              </Button>{' '}
              <Button appearance="subtle" disabled={busy} onClick={() => setOpen(false)}>
                Cancel
              </Button>
            </div>
          </div>
        )}
      </MessageBarBody>
      {!open && (
        <MessageBarActions>
          <Button aria-expanded={showDetails} aria-controls={showDetails ? detailsId : undefined} onClick={() => setShowDetails((v) => !v)}>
            {showDetails ? 'Hide details' : alert.message !== null ? 'Read their message' : 'Details'}
          </Button>
          <Button appearance="primary" onClick={() => setOpen(true)}>
            I’ve acted
          </Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}

/**
 * Urgent messages pinned above the list until someone records that they have acted, one line each
 * (who and when, with the actions); the message (for those who may read it) and who has been told
 * open beneath. Shows nothing when there are none.
 */
export function UrgentPanel({ authorize, onOpenStudent }: { authorize: Authorize; onOpenStudent: (studentId: string) => void }) {
  const styles = useStyles();
  const [alerts, setAlerts] = useState<UrgentAlertView[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    fetchUrgent(authorize)
      .then((r) => {
        setAlerts(r.alerts);
        setError(null);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : 'Something went wrong.'));
  }, [authorize]);
  useEffect(() => {
    load();
    // A message that comes while the tab is open appears within a minute, without a reload.
    const timer = window.setInterval(load, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  if (error)
    return (
      <MessageBar intent="warning">
        <MessageBarBody>Urgent messages could not be loaded: {error}</MessageBarBody>
      </MessageBar>
    );
  if (alerts.length === 0) return null;
  return (
    <section className={styles.stack} aria-label="Urgent messages">
      {alerts.map((a) => (
        <UrgentItem key={a.id} alert={a} authorize={authorize} onActed={load} onOpenStudent={onOpenStudent} />
      ))}
    </section>
  );
}
