import { useEffect, useState } from 'react';
import {
  Button,
  Dropdown,
  Field,
  MessageBar,
  MessageBarBody,
  Option,
  Spinner,
  Subtitle1,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ApiFailure, fetchLocalStaff } from './api';
import type { StaffSummary } from '../../shared/api/session';

const useStyles = makeStyles({
  card: { maxWidth: '32rem', display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

const ROLE_WORDS: Record<string, string> = {
  personal_tutor: 'Personal tutor',
  director_of_studies: 'Director of Studies',
  student_experience_officer: 'Student Experience Officer',
  department_admin: 'Department administrator',
  wellbeing: 'Wellbeing',
  institution_admin: 'Institution administrator',
};

/** Local mode only: an explicit choice of which demo staff member to be. Production shows "open in Teams". */
export function LocalSignIn({ onSignIn }: { onSignIn: (staffId: string) => void }) {
  const styles = useStyles();
  const [staff, setStaff] = useState<StaffSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);

  useEffect(() => {
    fetchLocalStaff()
      .then((r) => setStaff(r.staff))
      .catch((e: unknown) =>
        setError(
          e instanceof ApiFailure && e.status === 404
            ? 'Please open Engagement Monitor from Microsoft Teams.'
            : 'The server could not be reached. Please try again.',
        ),
      );
  }, []);

  if (error)
    return (
      <MessageBar intent="warning">
        <MessageBarBody>{error}</MessageBarBody>
      </MessageBar>
    );
  if (!staff) return <Spinner label="Loading staff…" />;
  return (
    <section className={styles.card} aria-labelledby="signin-title">
      <Subtitle1 id="signin-title" as="h1">
        Sign in (local mode)
      </Subtitle1>
      <Text>This server runs in local mode. Choose which member of staff to be; inside Teams you are signed in automatically.</Text>
      <Field label="Member of staff">
        <Dropdown placeholder="Choose a person" onOptionSelect={(_, data) => setChosen(data.optionValue ?? null)}>
          {staff.map((s) => (
            <Option key={s.id} value={s.id} text={s.displayName}>
              {`${s.displayName} (${s.roles.map((r) => ROLE_WORDS[r] ?? r).join(', ')})`}
            </Option>
          ))}
        </Dropdown>
      </Field>
      <Button appearance="primary" disabled={!chosen} onClick={() => chosen && onSignIn(chosen)}>
        Sign in
      </Button>
    </section>
  );
}
