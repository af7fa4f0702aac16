import { useEffect, useState } from 'react';
import { Badge, MessageBar, MessageBarBody, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { SOURCE_LABELS } from '../../shared/domain';
import type { DataStatus } from '../../shared/api/data';
import { fetchDataStatus, type Authorize } from './api';
import { formatDay, formatInstant } from './words';

const useStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  table: { backgroundColor: tokens.colorNeutralBackground1 },
  muted: { color: tokens.colorNeutralForeground3 },
});

const STATE = { fresh: { label: 'Up to date', color: 'success' }, stale: { label: 'Behind', color: 'warning' }, missing: { label: 'No data yet', color: 'danger' } } as const;

/** Whether the data behind the flags can be trusted: freshness per source and the import history. */
export function DataPage({ authorize }: { authorize: Authorize }) {
  const styles = useStyles();
  const [data, setData] = useState<DataStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    fetchDataStatus(authorize)
      .then(setData)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : 'Something went wrong.'));
  }, [authorize]);
  if (error) return <MessageBar intent="error"><MessageBarBody>{error}</MessageBarBody></MessageBar>;
  if (!data) return <Spinner label="Loading data status…" />;
  return (
    <section className={styles.stack} aria-labelledby="data-title">
      <h2 id="data-title" style={{ margin: 0, fontSize: tokens.fontSizeBase500 }}>Where the counts come from</h2>
      <Text className={styles.muted}>{`A source that is behind by more than ${data.staleAfterDays} days is treated as unknown for the missing days: it never causes a flag on its own.`}</Text>
      <Table className={styles.table} aria-label="Freshness per source" size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Source</TableHeaderCell>
            <TableHeaderCell>State</TableHeaderCell>
            <TableHeaderCell>Data up to</TableHeaderCell>
            <TableHeaderCell>Last successful import</TableHeaderCell>
            <TableHeaderCell>Term days covered</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {data.sources.map((s) => (
            <TableRow key={s.source} data-testid="source-row">
              <TableCell>{s.label}</TableCell>
              <TableCell><Badge appearance="tint" color={STATE[s.state].color}>{STATE[s.state].label}</Badge></TableCell>
              <TableCell>{s.coveredUntil ? formatDay(s.coveredUntil) : '—'}</TableCell>
              <TableCell>{s.lastSuccessAt ? formatInstant(s.lastSuccessAt) : 'Never'}</TableCell>
              <TableCell>{`${s.termDaysCovered} of ${s.termDaysSoFar}`}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <h3 style={{ margin: 0 }}>Import history</h3>
      {data.imports.length === 0 ? (
        <Text>No imports yet.</Text>
      ) : (
        <Table className={styles.table} aria-label="Import history" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Started</TableHeaderCell>
              <TableHeaderCell>Source</TableHeaderCell>
              <TableHeaderCell>File</TableHeaderCell>
              <TableHeaderCell>Period</TableHeaderCell>
              <TableHeaderCell>Result</TableHeaderCell>
              <TableHeaderCell>Rows read / counted / ignored / rejected</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {data.imports.map((i) => (
              <TableRow key={i.id}>
                <TableCell>{formatInstant(i.startedAt)}</TableCell>
                <TableCell>{SOURCE_LABELS[i.source]}</TableCell>
                <TableCell>{i.fileName}</TableCell>
                <TableCell>{i.periodStart && i.periodEnd ? `${formatDay(i.periodStart)} – ${formatDay(i.periodEnd)}` : '—'}</TableCell>
                <TableCell>{i.status === 'succeeded' ? 'Succeeded' : i.status === 'failed' ? 'Failed' : 'Running'}</TableCell>
                <TableCell>
                  {`${i.rowsRead} / ${i.rowsCounted} / ${i.rowsIgnored} / ${i.rowsRejected}`}
                  {i.errors.length > 0 && (
                    <details>
                      <summary>Why rows were rejected</summary>
                      <ul>{i.errors.map((e, n) => <li key={n}>{e}</li>)}</ul>
                    </details>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
