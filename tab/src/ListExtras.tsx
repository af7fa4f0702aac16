import { useCallback, useEffect, useState } from 'react';
import { Badge, Link, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { StudentSearchResponse } from '../../shared/api/student-search';
import { fetchStudentSearch, fetchTutees, type Authorize } from './api';
import { Sparkline } from './Sparkline';
import { lastActivity, SEVERITY_BADGE } from './words';
import { useFetched } from './page';

const useStyles = makeStyles({
  matches: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalM}`,
    margin: 0,
    padding: 0,
    listStyleType: 'none',
  },
  match: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  muted: { color: tokens.colorNeutralForeground3 },
  summary: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground1,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  tutees: { borderCollapse: 'collapse', width: '100%' },
  cell: { textAlign: 'left', padding: `2px ${tokens.spacingHorizontalS}`, verticalAlign: 'middle' },
  fold: { '@media (max-width: 899px)': { display: 'none' } },
});

const open = (onOpenStudent: (id: string) => void, studentId: string) => (e: React.MouseEvent) => {
  e.preventDefault();
  onOpenStudent(studentId);
};

/**
 * Everyone in the viewer's scope whose name or ID matches the search, flagged or not, each saying
 * which: the list itself holds only flagged students.
 */
export function SearchMatches({ authorize, q, onOpenStudent }: { authorize: Authorize; q: string; onOpenStudent: (id: string) => void }) {
  const styles = useStyles();
  const [result, setResult] = useState<StudentSearchResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    fetchStudentSearch(authorize, q)
      .then((r) => live && setResult(r))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : 'The search failed.'));
    return () => {
      live = false;
    };
  }, [authorize, q]);
  if (error) return <Text role="alert">{error}</Text>;
  if (!result || result.q !== q) return null;
  const where = result.scope === 'tutees' ? 'your tutees' : 'the department';
  return (
    <div data-testid="search-matches" aria-label="Everyone matching the search">
      <Text weight="semibold">
        {result.total === 0
          ? `Nobody in ${where} matches “${q}”.`
          : `${result.total} ${result.total === 1 ? 'student' : 'students'} in ${where} ${result.total === 1 ? 'matches' : 'match'} “${q}”${result.total > result.students.length ? ` (first ${result.students.length} shown)` : ''}:`}
      </Text>
      <ul className={styles.matches}>
        {result.students.map((s) => (
          <li key={s.studentId} className={styles.match} data-testid="search-match">
            <Link href={`#/students/${encodeURIComponent(s.studentId)}`} onClick={open(onOpenStudent, s.studentId)}>
              {s.studentName}
            </Link>
            <Text size={200} className={styles.muted}>{`${s.studentId} · ${s.programme}, year ${s.year}`}</Text>
            {s.flagged && s.severity ? (
              <Badge appearance="tint" color={SEVERITY_BADGE[s.severity].color}>{`Flagged: ${SEVERITY_BADGE[s.severity].label}`}</Badge>
            ) : (
              <Badge appearance="outline" color="subtle">
                Not flagged
              </Badge>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What a personal tutor with nobody flagged sees: reassurance, and their tutees' last three weeks at a glance. */
export function TuteeSummaryView({ authorize, onOpenStudent }: { authorize: Authorize; onOpenStudent: (id: string) => void }) {
  const styles = useStyles();
  const { data: summary, error } = useFetched(
    useCallback(() => fetchTutees(authorize), [authorize]),
    'Your tutees could not be loaded.',
  );
  if (error) return <Text role="alert">{error}</Text>;
  if (!summary) return <Spinner size="small" label="Loading your tutees…" />;
  const n = summary.tutees.length;
  const quiet = summary.tutees.filter((t) => t.daysSinceLastActivity === null || t.daysSinceLastActivity > 7).length;
  return (
    <section className={styles.summary} data-testid="tutee-summary" aria-labelledby="tutee-summary-title">
      <h3 id="tutee-summary-title" style={{ margin: 0, fontSize: tokens.fontSizeBase400 }}>
        {n === 0
          ? 'You have no tutees in this department at the moment.'
          : `None of your ${n} ${n === 1 ? 'tutee needs' : 'tutees needs'} a check-in today.`}
      </h3>
      {n > 0 && (
        <Text>
          {quiet === 0
            ? 'Every one of them has been active in the last week. Here is how the last three weeks looked:'
            : `${quiet} ${quiet === 1 ? 'has' : 'have'} been quiet for over a week without reaching a rule; a friendly word never hurts. The last three weeks:`}
        </Text>
      )}
      {n > 0 && (
        <table className={styles.tutees}>
          <caption className={styles.muted} style={{ textAlign: 'left' }}>
            Your tutees, by name
          </caption>
          <thead>
            <tr>
              <th className={styles.cell} scope="col">
                Student
              </th>
              <th className={`${styles.cell} ${styles.fold}`} scope="col">
                Programme and year
              </th>
              <th className={styles.cell} scope="col">{`Last ${summary.days.length} days`}</th>
              <th className={styles.cell} scope="col">
                Last activity
              </th>
            </tr>
          </thead>
          <tbody>
            {summary.tutees.map((t) => (
              <tr key={t.studentId} data-testid="tutee-row">
                <td className={styles.cell}>
                  <Link href={`#/students/${encodeURIComponent(t.studentId)}`} onClick={open(onOpenStudent, t.studentId)}>
                    {t.studentName}
                  </Link>
                </td>
                <td className={`${styles.cell} ${styles.fold}`}>{`${t.programme}, year ${t.year}`}</td>
                <td className={styles.cell}>
                  <Sparkline daily={t.daily} days={summary.days.length} />
                </td>
                <td className={styles.cell}>
                  {t.daysSinceLastActivity === null ? `None in ${summary.days.length} days` : lastActivity(t.daysSinceLastActivity)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
