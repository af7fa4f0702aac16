import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  Button,
  Field,
  Input,
  Link,
  Select,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { AuditPage as AuditPageData } from '../../shared/api/audit';
import { auditQueryString, downloadAuditCsv, fetchAuditPage, type AuditFilters, type Authorize } from './api';
import { ErrorBar } from './page';

/**
 * Audit entries are kept for years, so the year is always shown; times are in the institution's zone
 * (TIME_ZONE), not the browser's, with the zone's short name (GMT, BST) on each.
 */
const auditTimeIn = (timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  });

const useStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  filters: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'end', flexWrap: 'wrap' },
  table: { backgroundColor: tokens.colorNeutralBackground1 },
  when: { whiteSpace: 'nowrap', width: '12.5rem' },
  muted: { color: tokens.colorNeutralForeground3 },
  pager: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', flexWrap: 'wrap' },
});

const FILTER_KEYS = ['person', 'student', 'from', 'to', 'page'] as const;

/** The filters live in the URL after "#/audit?", so a reload, Back, or a shared link keeps them. */
function readFilters(): AuditFilters {
  const query = window.location.hash.split('?')[1] ?? '';
  const params = new URLSearchParams(query);
  const f: AuditFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (!value) continue;
    if (key === 'page') {
      const n = Number(value);
      if (Number.isInteger(n) && n > 1) f.page = n;
    } else f[key] = value;
  }
  return f;
}

/**
 * For institution administrators (every department) and department administrators (their own):
 * who viewed or exported which student, changed which setting, uploaded which file.
 */
export function AuditPage({ authorize }: { authorize: Authorize }) {
  const styles = useStyles();
  const [filters, setFilters] = useState<AuditFilters>(readFilters);
  const [data, setData] = useState<AuditPageData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);

  useEffect(() => {
    // Only a real change refetches: the hash also changes when the tab itself is chosen.
    const onHash = () => setFilters((was) => (auditQueryString(was) === auditQueryString(readFilters()) ? was : readFilters()));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    let current = true;
    setError(null);
    fetchAuditPage(authorize, filters)
      .then((page) => current && setData(page))
      .catch((e: unknown) => current && setError(e instanceof Error ? e.message : 'The audit log could not be loaded.'));
    return () => {
      current = false;
    };
  }, [authorize, filters]);

  /** Changes the filters through the URL; any change other than the page goes back to page 1. */
  const update = useCallback(
    (change: AuditFilters) => {
      const next: AuditFilters = { ...filters, ...change };
      if (!('page' in change)) delete next.page;
      if (next.page === 1) delete next.page;
      window.location.hash = `#/audit${auditQueryString(next)}`;
    },
    [filters],
  );

  const exportCsv = () => {
    setExporting(true);
    setExportError(null);
    downloadAuditCsv(authorize, filters)
      .catch((e: unknown) => setExportError(e instanceof Error ? e.message : 'The export failed.'))
      .finally(() => setExporting(false));
  };

  const page = filters.page ?? 1;
  const firstShown = data && data.total > 0 ? (data.page - 1) * data.pageSize + 1 : 0;
  const lastShown = data ? Math.min(data.total, data.page * data.pageSize) : 0;
  const filtered = Boolean(filters.person || filters.student || filters.from || filters.to);
  const auditTime = useMemo(() => auditTimeIn(data?.timeZone ?? 'UTC'), [data?.timeZone]);
  const studentName = filters.student ? data?.entries.flatMap((e) => e.students).find((s) => s.id === filters.student)?.name : undefined;

  return (
    <section className={styles.stack} aria-labelledby="audit-title">
      <h2 id="audit-title" style={{ margin: 0, fontSize: tokens.fontSizeBase500 }}>
        Audit log
      </h2>
      <Text className={styles.muted}>
        {data?.scope === 'department'
          ? 'Who viewed or exported which student, changed which setting and uploaded which file, in your department.'
          : 'Who viewed or exported which student, changed which setting and uploaded which file, in every department.'}{' '}
        Reading and exporting this log are recorded here too.
      </Text>
      <div className={styles.filters} role="search" aria-label="Filter the audit log">
        <Field label="Person">
          <Select value={filters.person ?? ''} onChange={(_, d) => update({ person: d.value || undefined })}>
            <option value="">Everyone</option>
            {data?.people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Student ID">
          <Input
            key={filters.student ?? ''}
            defaultValue={filters.student ?? ''}
            placeholder="Any student"
            onBlur={(e) => update({ student: e.target.value.trim() || undefined })}
            onKeyDown={(e) => {
              if (e.key === 'Enter') update({ student: (e.target as HTMLInputElement).value.trim() || undefined });
            }}
          />
        </Field>
        <Field label="From">
          <Input type="date" value={filters.from ?? ''} onChange={(_, d) => update({ from: d.value || undefined })} />
        </Field>
        <Field label="To">
          <Input type="date" value={filters.to ?? ''} onChange={(_, d) => update({ to: d.value || undefined })} />
        </Field>
        {filtered && (
          <Button appearance="subtle" onClick={() => (window.location.hash = '#/audit')}>
            Clear filters
          </Button>
        )}
        <Button onClick={exportCsv} disabled={exporting || !data}>
          {exporting ? 'Exporting…' : 'Export these entries as CSV'}
        </Button>
      </div>
      {exportError && <ErrorBar message={exportError} />}
      {error && <ErrorBar message={error} />}
      {!data && !error && <Spinner label="Loading the audit log…" />}
      {data && (
        <>
          <Text role="status" data-testid="audit-summary">
            {data.total === 0
              ? 'No entries match.'
              : `Entries ${firstShown} to ${lastShown} of ${data.total}${studentName ? ` about ${studentName}` : ''}, newest first.`}
          </Text>
          {data.entries.length > 0 && (
            <Table className={styles.table} aria-label="Audit entries" size="small">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell className={styles.when}>{`When (${data.timeZone.replace(/_/g, ' ')} time)`}</TableHeaderCell>
                  <TableHeaderCell>What happened</TableHeaderCell>
                  <TableHeaderCell>Students</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {data.entries.map((e, i) => (
                  <TableRow key={`${e.at}-${i}`} data-testid="audit-row">
                    <TableCell className={styles.when}>
                      <time dateTime={e.at}>{auditTime.format(new Date(e.at))}</time>
                    </TableCell>
                    <TableCell>{e.sentence}</TableCell>
                    <TableCell>
                      {e.students.slice(0, 3).map((s, j) => (
                        <span key={s.id}>
                          {j > 0 && ', '}
                          <Link as="button" onClick={() => update({ student: s.id })} title={`Only entries about ${s.name}`}>
                            {s.name}
                          </Link>
                        </span>
                      ))}
                      {e.students.length > 3 && ` and ${e.students.length - 3} more`}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          {data.total > data.pageSize && (
            <nav className={styles.pager} aria-label="Pages of the audit log">
              <Button disabled={page <= 1} onClick={() => update({ page: page - 1 })}>
                Newer entries
              </Button>
              <Text>{`Page ${page} of ${Math.ceil(data.total / data.pageSize)}`}</Text>
              <Button disabled={lastShown >= data.total} onClick={() => update({ page: page + 1 })}>
                Older entries
              </Button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}
