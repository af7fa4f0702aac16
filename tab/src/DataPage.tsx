import { useCallback, useState } from 'react';
import {
  Badge,
  Button,
  Field,
  MessageBar,
  MessageBarBody,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { MAX_UPLOAD_BYTES, UPLOAD_SOURCES, type DataStatus, type UploadResult, type UploadSource } from '../../shared/api/data';
import { fetchDataStatus, uploadExport, type Authorize } from './api';
import { formatDay, formatInstant } from './words';
import { PageTitle, Pending, usePageStyles, useFetched } from './page';

const IMPORT_STATUS_LABELS: Record<DataStatus['imports'][number]['status'], string> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  running: 'Running',
  interrupted: 'Interrupted',
};

const STATE = {
  fresh: { label: 'Up to date', color: 'success' },
  stale: { label: 'Behind', color: 'warning' },
  missing: { label: 'No data yet', color: 'danger' },
} as const;

/** Whether the data behind the flags can be trusted: freshness per source and the import history. */
export function DataPage({ authorize, canUpload }: { authorize: Authorize; canUpload: boolean }) {
  const styles = usePageStyles();
  const { data, error, reload } = useFetched(useCallback(() => fetchDataStatus(authorize), [authorize]));
  if (error || !data) return <Pending error={error} label="Loading data status…" />;
  return (
    <section className={styles.stack} aria-labelledby="data-title">
      <PageTitle id="data-title">Where the counts come from</PageTitle>
      <Text
        className={styles.muted}
      >{`A source that is behind by more than ${data.staleAfterDays} days is treated as unknown for the missing days: it never causes a flag on its own.`}</Text>
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
              <TableCell>
                <Badge appearance="tint" color={STATE[s.state].color}>
                  {STATE[s.state].label}
                </Badge>
              </TableCell>
              <TableCell>{s.coveredUntil ? formatDay(s.coveredUntil) : '—'}</TableCell>
              <TableCell>{s.lastSuccessAt ? formatInstant(s.lastSuccessAt) : 'Never'}</TableCell>
              <TableCell>{`${s.termDaysCovered} of ${s.termDaysSoFar}`}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {data.unmatchedPeople.length > 0 && (
        <MessageBar intent="warning">
          <MessageBarBody>
            {`Not matched to Microsoft Entra yet, so they cannot sign in or be messaged: ${data.unmatchedPeople
              .slice(0, 20)
              .map((p) => `${p.name} (${p.note ?? 'not looked up yet'})`)
              .join(
                '; ',
              )}${data.unmatchedPeople.length > 20 ? `; and ${data.unmatchedPeople.length - 20} more (see "engagement people unmatched")` : ''}.`}
          </MessageBarBody>
        </MessageBar>
      )}
      {data.deliveryProblems.length > 0 && (
        <>
          <h3 style={{ margin: 0 }}>Messages that could not be delivered</h3>
          <Text className={styles.muted}>The bot stopped trying after these. Please follow up another way, for example by e-mail.</Text>
          <Table className={styles.table} aria-label="Messages that could not be delivered" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Who</TableHeaderCell>
                <TableHeaderCell>What</TableHeaderCell>
                <TableHeaderCell>Since</TableHeaderCell>
                <TableHeaderCell>Why</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.deliveryProblems.map((p, n) => (
                <TableRow key={n} data-testid="delivery-problem">
                  <TableCell>{p.recipientName}</TableCell>
                  <TableCell>
                    {p.problem === 'unreachable'
                      ? 'Cannot be reached in Teams'
                      : p.problem === 'maybe_repeated'
                        ? `${p.what ?? 'Message'} (may have arrived twice)`
                        : `${p.what ?? 'Message'} (${p.attempts} attempts)`}
                  </TableCell>
                  <TableCell>{formatInstant(p.at)}</TableCell>
                  <TableCell>{p.reason}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      )}
      {canUpload && <UploadForm authorize={authorize} onImported={reload} />}
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
                <TableCell>{i.label}</TableCell>
                <TableCell>{i.fileName}</TableCell>
                <TableCell>{i.periodStart && i.periodEnd ? `${formatDay(i.periodStart)} – ${formatDay(i.periodEnd)}` : '—'}</TableCell>
                <TableCell>
                  {IMPORT_STATUS_LABELS[i.status]}
                  {i.status === 'interrupted' && i.errors[0] && <Text block>{i.errors[0]}</Text>}
                </TableCell>
                <TableCell>
                  {`${i.rowsRead} / ${i.rowsCounted} / ${i.rowsIgnored} / ${i.rowsRejected}`}
                  {i.status !== 'interrupted' && i.errors.length > 0 && (
                    <details>
                      <summary>Why rows were rejected</summary>
                      <ul>
                        {i.errors.map((e, n) => (
                          <li key={n}>{e}</li>
                        ))}
                      </ul>
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

const SOURCE_WORDS: Record<UploadSource, string> = {
  moodle: 'Moodle log',
  panopto: 'Panopto viewing report',
  teams: 'Teams attendance download',
  'samis-logins': 'Samis login export',
};

function UploadForm({ authorize, onImported }: { authorize: Authorize; onImported: () => void }) {
  const [source, setSource] = useState<UploadSource>('moodle');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ intent: 'success' | 'warning' | 'error'; text: string; lines: string[] } | null>(null);
  const upload = () => {
    if (!file) return;
    if (file.size > MAX_UPLOAD_BYTES) {
      setResult({
        intent: 'error',
        text: `This file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB. Please import it with "engagement import" or put it in the drop folder.`,
        lines: [],
      });
      return;
    }
    setBusy(true);
    setResult(null);
    uploadExport(authorize, source, file)
      .then((r: UploadResult) => {
        const words =
          r.status === 'already_imported' || r.status === 'skipped'
            ? (r.warnings[0] ?? 'This file was imported before; nothing changed.')
            : `Imported: ${r.rowsCounted} of ${r.rowsRead} rows counted, ${r.rowsRejected} rejected, ${r.unresolved} not matched to a student.`;
        setResult({
          intent: r.rowsRejected > 0 || r.unresolved > 0 ? 'warning' : 'success',
          text: words,
          lines: [...r.rejections.map((x) => `Line ${x.line}: ${x.reason}`), ...r.warnings],
        });
        onImported();
      })
      .catch((e: unknown) => setResult({ intent: 'error', text: e instanceof Error ? e.message : 'The upload failed.', lines: [] }))
      .finally(() => setBusy(false));
  };
  return (
    <section aria-labelledby="upload-title">
      <h3 id="upload-title" style={{ margin: 0 }}>
        Upload an export
      </h3>
      <Text block>Counts are taken from the file and the file itself is not kept. Importing the same file twice changes nothing.</Text>
      <div style={{ display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'end', flexWrap: 'wrap' }}>
        <Field label="Kind of export">
          <Select value={source} onChange={(_, d) => setSource(d.value as UploadSource)}>
            {UPLOAD_SOURCES.map((s) => (
              <option key={s} value={s}>
                {SOURCE_WORDS[s]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Export file">
          {(fieldProps) => (
            <input {...fieldProps} type="file" accept=".csv,.txt,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          )}
        </Field>
        <Button appearance="primary" disabled={!file || busy} onClick={upload}>
          {busy ? 'Importing…' : 'Upload and import'}
        </Button>
      </div>
      {result && (
        <MessageBar intent={result.intent} role={result.intent === 'error' ? 'alert' : 'status'}>
          <MessageBarBody>
            {result.text}
            {result.lines.length > 0 && (
              <ul>
                {result.lines.map((l) => (
                  <li key={l}>{l}</li>
                ))}
              </ul>
            )}
          </MessageBarBody>
        </MessageBar>
      )}
    </section>
  );
}
