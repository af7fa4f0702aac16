import { useCallback } from 'react';
import {
  Card,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import { OUTCOME_LABELS } from '../../shared/api/case-actions';
import { fetchOverview, type Authorize } from './api';
import { Pending, useFetched } from './page';
import { FirstContactChart, FlaggedOverTimeChart, OutcomesByRuleChart } from './OverviewCharts';

const useStyles = makeStyles({
  grid: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 24rem), 1fr))',
    gap: tokens.spacingHorizontalL,
    alignItems: 'start',
  },
  card: { padding: tokens.spacingHorizontalL, minWidth: 0 },
  wide: { gridColumn: '1 / -1' },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** Department figures: flagged over time, open cases by cohort, outcomes, time to first contact, rule quality. */
export function OverviewPage({ authorize }: { authorize: Authorize }) {
  const styles = useStyles();
  const { data, error } = useFetched(useCallback(() => fetchOverview(authorize), [authorize]));
  if (error || !data) return <Pending error={error} label="Loading the overview…" />;
  return (
    <section aria-labelledby="overview-title">
      <h2 id="overview-title" style={{ marginTop: 0, fontSize: tokens.fontSizeBase500 }}>
        Overview
      </h2>
      <div className={styles.grid}>
        <Card className={mergeClasses(styles.card, styles.wide)}>
          <Subtitle2 as="h3">Students flagged over time</Subtitle2>
          <FlaggedOverTimeChart points={data.flaggedOverTime} />
        </Card>
        <Card className={styles.card}>
          <Subtitle2 as="h3">Time to first contact</Subtitle2>
          <FirstContactChart firstContact={data.firstContact} />
          <Text>{`${data.firstContact.waiting} open ${data.firstContact.waiting === 1 ? 'case has' : 'cases have'} no action yet.`}</Text>
        </Card>
        <Card className={styles.card}>
          <Subtitle2 as="h3">Outcomes per rule</Subtitle2>
          <OutcomesByRuleChart rows={data.outcomesByRule} />
        </Card>
        <Card className={styles.card}>
          <Subtitle2 as="h3">Open cases by programme and year</Subtitle2>
          <Table size="small" aria-label="Open cases by programme and year">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Programme</TableHeaderCell>
                <TableHeaderCell>Year</TableHeaderCell>
                <TableHeaderCell>Open</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.openByCohort.map((c) => (
                <TableRow key={`${c.programme}-${c.year}`}>
                  <TableCell>{c.programme}</TableCell>
                  <TableCell>{c.year}</TableCell>
                  <TableCell>{c.open}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Card>
        <Card className={styles.card}>
          <Subtitle2 as="h3">Outcomes</Subtitle2>
          <Table size="small" aria-label="Outcomes of closed cases">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Outcome</TableHeaderCell>
                <TableHeaderCell>Cases</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.outcomes.map((o) => (
                <TableRow key={o.outcome}>
                  <TableCell>{OUTCOME_LABELS[o.outcome]}</TableCell>
                  <TableCell>{o.cases}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Card>
        <Card className={styles.card}>
          <Subtitle2 as="h3">How often each rule was marked “incorrectly flagged”</Subtitle2>
          {data.ruleQuality.length === 0 ? (
            <Text>No closed cases yet.</Text>
          ) : (
            <Table size="small" aria-label="Incorrectly flagged by rule">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Rule</TableHeaderCell>
                  <TableHeaderCell>Closed cases</TableHeaderCell>
                  <TableHeaderCell>Incorrectly flagged</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {data.ruleQuality.map((r) => (
                  <TableRow key={r.rule}>
                    <TableCell>{r.rule.replace(/_/g, ' ')}</TableCell>
                    <TableCell>{r.closed}</TableCell>
                    <TableCell>{`${r.incorrectlyFlagged} (${Math.round((100 * r.incorrectlyFlagged) / Math.max(1, r.closed))}%)`}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          <Text size={200} className={styles.muted}>
            Counts only; no student is named here.
          </Text>
        </Card>
      </div>
    </section>
  );
}
