import { useEffect, useMemo, useRef, useState } from 'react';
import {
  Badge,
  Button,
  Field,
  Link,
  MessageBar,
  MessageBarBody,
  SearchBox,
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
import { SEVERITIES, SOURCE_LABELS, SOURCES, type Severity } from '../../shared/domain';
import type { FlagPage, FlagQuery, FlagSort } from '../../shared/api/flags';
import { downloadFlagsCsv, fetchFlagPage, type Authorize } from './api';
import { Sparkline } from './Sparkline';
import { CASE_STATUS_WORDS, lastActivity, relativeDay, SEVERITY_BADGE } from './words';

const useStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  filters: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'end' },
  bar: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'center', justifyContent: 'space-between' },
  table: { backgroundColor: tokens.colorNeutralBackground1, tableLayout: 'auto' },
  muted: { color: tokens.colorNeutralForeground3 },
});

const COLUMNS: Array<{ key: string; label: string; sort?: FlagSort }> = [
  { key: 'student', label: 'Student', sort: 'name' },
  { key: 'programme', label: 'Programme and year', sort: 'programme' },
  { key: 'tutor', label: 'Personal tutor', sort: 'tutor' },
  { key: 'severity', label: 'Severity', sort: 'severity' },
  { key: 'reason', label: 'Why' },
  { key: 'chart', label: 'Last 21 days' },
  { key: 'days', label: 'Last activity', sort: 'days' },
  { key: 'status', label: 'Status', sort: 'status' },
  { key: 'owner', label: 'Owner' },
  { key: 'action', label: 'Last action', sort: 'last_action' },
];

type Filters = Partial<FlagQuery> & Pick<FlagQuery, 'sort' | 'dir' | 'page' | 'pageSize'>;

/** The department's (or a tutor's) open cases: filters, search, sort and pages served by the API. */
export function FlagList({ authorize, onOpenStudent }: { authorize: Authorize; onOpenStudent: (studentId: string) => void }) {
  const styles = useStyles();
  const [filters, setFilters] = useState<Filters>({ sort: 'severity', dir: 'asc', page: 1, pageSize: 50 });
  const [search, setSearch] = useState('');
  const [data, setData] = useState<FlagPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const request = useRef(0);

  // Typing searches after a short pause rather than on every key.
  useEffect(() => {
    const timer = setTimeout(
      () => setFilters((f) => (f.q === (search.trim() || undefined) ? f : { ...f, q: search.trim() || undefined, page: 1 })),
      250,
    );
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    const id = ++request.current;
    setLoading(true);
    fetchFlagPage(authorize, filters)
      .then((page) => {
        if (id !== request.current) return;
        setData(page);
        setError(null);
      })
      .catch((e: unknown) => id === request.current && setError(e instanceof Error ? e.message : 'Something went wrong.'))
      .finally(() => id === request.current && setLoading(false));
  }, [authorize, filters]);

  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, page: 1, ...patch }));
  const sortBy = (sort: FlagSort) => setFilters((f) => ({ ...f, page: 1, sort, dir: f.sort === sort && f.dir === 'asc' ? 'desc' : 'asc' }));
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  const first = data && data.total > 0 ? (data.page - 1) * data.pageSize + 1 : 0;
  const last = data ? Math.min(data.total, data.page * data.pageSize) : 0;
  const summary = useMemo(() => {
    if (!data) return '';
    if (data.total === 0) return 'Nobody matches at the moment.';
    return `Showing ${first.toLocaleString('en-GB')}–${last.toLocaleString('en-GB')} of ${data.total.toLocaleString('en-GB')} ${data.total === 1 ? 'student' : 'students'}${data.scope === 'tutees' ? ' (your tutees)' : ''}.`;
  }, [data, first, last]);

  const exportCsv = () => {
    setExporting(true);
    downloadFlagsCsv(authorize, filters)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : 'The export failed.'))
      .finally(() => setExporting(false));
  };

  const sortDirection = (sort?: FlagSort) =>
    sort && filters.sort === sort ? (filters.dir === 'asc' ? 'ascending' : 'descending') : undefined;

  return (
    <section className={styles.stack} aria-labelledby="flags-title">
      <div>
        <h2 id="flags-title" style={{ margin: 0, fontSize: tokens.fontSizeBase500 }}>
          Students who may need a check-in
        </h2>
        <Text className={styles.muted}>Counts only: nobody can see what a student opened or watched.</Text>
      </div>
      <div className={styles.filters} role="search" aria-label="Filter the list">
        <Field label="Search by name or student ID">
          <SearchBox value={search} onChange={(_, d) => setSearch(d.value)} placeholder="Name or ID" />
        </Field>
        <Field label="Severity">
          <Select value={filters.severity ?? ''} onChange={(_, d) => set({ severity: (d.value || undefined) as Severity | undefined })}>
            <option value="">Any</option>
            {SEVERITIES.map((v) => (
              <option key={v} value={v}>
                {SEVERITY_BADGE[v].label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Status">
          <Select value={filters.status ?? ''} onChange={(_, d) => set({ status: (d.value || undefined) as Filters['status'] })}>
            <option value="">Any</option>
            {(['open', 'acknowledged', 'snoozed'] as const).map((v) => (
              <option key={v} value={v}>
                {CASE_STATUS_WORDS[v]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Programme">
          <Select value={filters.programme ?? ''} onChange={(_, d) => set({ programme: d.value || undefined })}>
            <option value="">Any</option>
            {data?.facets.programmes.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Year">
          <Select
            value={filters.year === undefined ? '' : String(filters.year)}
            onChange={(_, d) => set({ year: d.value ? Number(d.value) : undefined })}
          >
            <option value="">Any</option>
            {data?.facets.years.map((y) => (
              <option key={y} value={y}>{`Year ${y}`}</option>
            ))}
          </Select>
        </Field>
        {data?.scope === 'department' && (
          <Field label="Personal tutor">
            <Select value={filters.tutor ?? ''} onChange={(_, d) => set({ tutor: d.value || undefined })}>
              <option value="">Any</option>
              <option value="none">No tutor assigned</option>
              {data.facets.tutors.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </Select>
          </Field>
        )}
        <Field label="No activity in 21 days on">
          <Select value={filters.source ?? ''} onChange={(_, d) => set({ source: (d.value || undefined) as Filters['source'] })}>
            <option value="">Any source</option>
            {SOURCES.map((s) => (
              <option key={s} value={s}>
                {SOURCE_LABELS[s]}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <div className={styles.bar}>
        <Text role="status" aria-live="polite" data-testid="list-summary">
          {loading ? 'Loading…' : summary}
        </Text>
        <Button onClick={exportCsv} disabled={exporting || !data || data.total === 0}>
          {exporting ? 'Exporting…' : 'Export this view as CSV'}
        </Button>
      </div>
      {error && (
        <MessageBar intent="error">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      {!data && !error && <Spinner label="Loading students…" />}
      {data && data.flags.length > 0 && (
        <Table className={styles.table} aria-label="Students who may need a check-in" sortable size="small">
          <TableHeader>
            <TableRow>
              {COLUMNS.map((c) =>
                c.sort ? (
                  <TableHeaderCell key={c.key} sortDirection={sortDirection(c.sort)} onClick={() => sortBy(c.sort!)}>
                    {c.label}
                  </TableHeaderCell>
                ) : (
                  <TableHeaderCell key={c.key}>{c.label}</TableHeaderCell>
                ),
              )}
            </TableRow>
          </TableHeader>
          <TableBody>
            {data.flags.map((f) => (
              <TableRow key={f.caseId} data-testid="flag-row">
                <TableCell>
                  <Link
                    href={`#/students/${encodeURIComponent(f.studentId)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      onOpenStudent(f.studentId);
                    }}
                  >
                    {f.studentName}
                  </Link>
                  <Text block size={200} className={styles.muted}>
                    {f.studentId}
                  </Text>
                </TableCell>
                <TableCell>{`${f.programme}, year ${f.year}`}</TableCell>
                <TableCell>{f.tutorName ?? 'None assigned'}</TableCell>
                <TableCell>
                  <Badge appearance="filled" color={SEVERITY_BADGE[f.severity].color}>
                    {SEVERITY_BADGE[f.severity].label}
                  </Badge>
                </TableCell>
                <TableCell>{f.reason}</TableCell>
                <TableCell>
                  <Sparkline daily={f.daily} days={data.days.length} />
                </TableCell>
                <TableCell>{lastActivity(f.daysSinceLastActivity)}</TableCell>
                <TableCell>{CASE_STATUS_WORDS[f.status]}</TableCell>
                <TableCell>{f.ownerName ?? 'Nobody yet'}</TableCell>
                <TableCell>
                  {f.lastAction
                    ? `${f.lastAction.label}${f.lastAction.actorName ? ` by ${f.lastAction.actorName}` : ''}, ${relativeDay(f.lastAction.at)}`
                    : '—'}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {data && data.total > 0 && (
        <nav className={styles.bar} aria-label="Pages">
          <Button disabled={data.page <= 1} onClick={() => setFilters((f) => ({ ...f, page: f.page - 1 }))}>
            Previous page
          </Button>
          <Text>{`Page ${data.page} of ${pages}`}</Text>
          <Field label="Rows per page" orientation="horizontal">
            <Select value={String(filters.pageSize)} onChange={(_, d) => set({ pageSize: Number(d.value) })}>
              {[25, 50, 100, 200].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </Select>
          </Field>
          <Button disabled={data.page >= pages} onClick={() => setFilters((f) => ({ ...f, page: f.page + 1 }))}>
            Next page
          </Button>
        </nav>
      )}
    </section>
  );
}
