import { useEffect, useState } from 'react';
import {
  Badge,
  Button,
  MessageBar,
  MessageBarBody,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Title2,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { FlagListResponse, FlaggedStudent } from '../../shared/api/flags';
import type { MeResponse } from '../../shared/api/session';
import { fetchFlags, fetchMe } from './api';

const useStyles = makeStyles({
  header: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  table: { backgroundColor: tokens.colorNeutralBackground1 },
});

const SEVERITY: Record<FlaggedStudent['severity'], { label: string; color: 'danger' | 'warning' | 'informative' }> = {
  high: { label: 'High', color: 'danger' },
  medium: { label: 'Medium', color: 'warning' },
  low: { label: 'Low', color: 'informative' },
};

function lastActivity(days: number | null): string {
  return days === null ? 'None on record' : days === 1 ? 'Yesterday' : `${days} days ago`;
}

/** The department's (or a tutor's) open cases, most urgent first. */
export function FlagList({ authorization, onSignOut }: { authorization: string; onSignOut: () => void }) {
  const styles = useStyles();
  const [me, setMe] = useState<MeResponse | null>(null);
  const [list, setList] = useState<FlagListResponse | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([fetchMe(authorization), fetchFlags(authorization)])
      .then(([m, l]) => {
        setMe(m);
        setList(l);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : 'Something went wrong.'));
  }, [authorization]);

  if (error)
    return (
      <div className={styles.stack}>
        <MessageBar intent="error"><MessageBarBody>{error}</MessageBarBody></MessageBar>
        <Button onClick={onSignOut}>Sign in again</Button>
      </div>
    );
  if (!list || !me) return <Spinner label="Loading students…" />;
  return (
    <div className={styles.stack}>
      <div className={styles.header}>
        <div>
          <Title2 as="h1">Students who may need a check-in</Title2>
          <Text block>{`${list.department.name} · signed in as ${me.staff.displayName}`}</Text>
        </div>
        <Button appearance="subtle" onClick={onSignOut}>Sign out</Button>
      </div>
      {list.department.isDemo && (
        <MessageBar intent="warning">
          <MessageBarBody>Demo data: every student and member of staff here is synthetic.</MessageBarBody>
        </MessageBar>
      )}
      <Text>{list.flags.length === 0 ? 'Nobody needs a check-in at the moment.' : `${list.flags.length} open ${list.flags.length === 1 ? 'case' : 'cases'}. Counts only: nobody can see what a student opened or watched.`}</Text>
      {list.flags.length > 0 && (
        <Table className={styles.table} aria-label="Students who may need a check-in">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Student</TableHeaderCell>
              <TableHeaderCell>Programme and year</TableHeaderCell>
              <TableHeaderCell>Personal tutor</TableHeaderCell>
              <TableHeaderCell>Severity</TableHeaderCell>
              <TableHeaderCell>Why</TableHeaderCell>
              <TableHeaderCell>Last activity</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.flags.map((f) => (
              <TableRow key={f.caseId} data-testid="flag-row">
                <TableCell>{`${f.studentName} (${f.studentId})`}</TableCell>
                <TableCell>{`${f.programme}, year ${f.year}`}</TableCell>
                <TableCell>{f.tutorName ?? 'None assigned'}</TableCell>
                <TableCell><Badge appearance="filled" color={SEVERITY[f.severity].color}>{SEVERITY[f.severity].label}</Badge></TableCell>
                <TableCell>{f.reason}</TableCell>
                <TableCell>{lastActivity(f.daysSinceLastActivity)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
