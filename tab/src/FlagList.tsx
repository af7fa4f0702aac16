import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Button, Field, Select, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { FlagPage, FlagQuery, FlagSort } from '../../shared/api/flags';
import { fetchFlagPage, type Authorize } from './api';
import { SearchMatches, TuteeSummaryView } from './ListExtras';
import { FlagCsvExport } from './FlagCsvExport';
import { FlagFilters } from './FlagFilters';
import { FlagTable } from './FlagTable';
import { DEFAULTS, isFiltered, useListQuery } from './flag-list-query';
import { Pending } from './page';

const useStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  headline: { display: 'flex', flexWrap: 'wrap', alignItems: 'baseline', columnGap: tokens.spacingHorizontalM, rowGap: '2px' },
  title: { margin: 0, fontSize: tokens.fontSizeBase400, lineHeight: tokens.lineHeightBase400 },
  grow: { flexGrow: 1 },
  bar: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'center', justifyContent: 'space-between' },
  muted: { color: tokens.colorNeutralForeground3 },
  empty: { padding: tokens.spacingHorizontalM, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusMedium },
});

/**
 * The department's (or a tutor's) open cases as a worklist: one compact row per student, served a
 * page at a time by the API, with filters, sort, search and page kept in the URL.
 */
export function FlagList({
  authorize,
  query,
  onQueryChange,
  onOpenStudent,
  focusStudentId,
}: {
  authorize: Authorize;
  query: string;
  onQueryChange: (query: string) => void;
  onOpenStudent: (studentId: string) => void;
  focusStudentId: string | null;
}) {
  const styles = useStyles();
  const { filters, setFilters, search, setSearch } = useListQuery(query, onQueryChange);
  const [data, setData] = useState<FlagPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const request = useRef(0);
  const focused = useRef<string | null>(null);

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

  // Back from a student: focus returns to that student's link, so a keyboard user carries on where they were.
  useEffect(() => {
    if (!data || !focusStudentId || focused.current === focusStudentId) return;
    const link = document.querySelector<HTMLElement>(`[data-testid="flag-row"] a[data-student="${CSS.escape(focusStudentId)}"]`);
    if (link) {
      focused.current = focusStudentId;
      link.focus();
    }
  }, [data, focusStudentId]);

  const set = (patch: Partial<FlagQuery>) => setFilters((f) => ({ ...f, page: 1, ...patch }));
  const sortBy = (sort: FlagSort) => setFilters((f) => ({ ...f, page: 1, sort, dir: f.sort === sort && f.dir === 'asc' ? 'desc' : 'asc' }));
  const filtered = isFiltered(filters);
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  const first = data && data.total > 0 ? (data.page - 1) * data.pageSize + 1 : 0;
  const last = data ? Math.min(data.total, data.page * data.pageSize) : 0;
  const summary = useMemo(() => {
    if (!data) return '';
    if (data.total === 0) {
      if (filtered) return 'Nobody flagged matches these filters.';
      return data.scope === 'tutees'
        ? 'None of your tutees is flagged at the moment.'
        : 'Nobody in the department is flagged at the moment.';
    }
    return `Showing ${first.toLocaleString('en-GB')}–${last.toLocaleString('en-GB')} of ${data.total.toLocaleString('en-GB')} ${data.total === 1 ? 'student' : 'students'}${data.scope === 'tutees' ? ' (your tutees)' : ''}.`;
  }, [data, first, last, filtered]);

  const toggle = useCallback(
    (caseId: string) =>
      setExpanded((open) => {
        const next = new Set(open);
        if (!next.delete(caseId)) next.add(caseId);
        return next;
      }),
    [],
  );
  const q = filters.q && filters.q.length >= 2 ? filters.q : null;

  return (
    <section className={styles.stack} aria-labelledby="flags-title">
      <div className={styles.headline}>
        <h2 id="flags-title" className={styles.title}>
          Students who may need a check-in
        </h2>
        <Text role="status" aria-live="polite" data-testid="list-summary" className={styles.grow}>
          {loading && !data ? 'Loading…' : summary}
        </Text>
        <FlagCsvExport authorize={authorize} filters={filters} disabled={!data || data.total === 0} onError={setError} />
      </div>
      <FlagFilters
        filters={filters}
        search={search}
        data={data}
        onSearch={setSearch}
        onChange={set}
        onClear={() => {
          setSearch('');
          setFilters((f) => ({ ...DEFAULTS, sort: f.sort, dir: f.dir, pageSize: f.pageSize }));
        }}
      />
      {q && <SearchMatches authorize={authorize} q={q} onOpenStudent={onOpenStudent} />}
      {(error || !data) && <Pending error={error} label="Loading students…" />}
      {data && data.total === 0 && !filtered && data.scope === 'tutees' && (
        <TuteeSummaryView authorize={authorize} onOpenStudent={onOpenStudent} />
      )}
      {data && data.total === 0 && (filtered || data.scope === 'department') && (
        <Text block className={styles.empty}>
          {filtered
            ? 'Nobody flagged matches these filters. Clear a filter to see more, or look at the search results above.'
            : 'Nobody in the department needs a check-in at the moment: every monitored student is within the rules.'}
        </Text>
      )}
      {data && data.flags.length > 0 && (
        <FlagTable
          data={data}
          filters={filters}
          loading={loading}
          expanded={expanded}
          onSort={sortBy}
          onToggle={toggle}
          onOpenStudent={onOpenStudent}
        />
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
      <Text size={200} className={styles.muted}>
        Counts only: nobody can see what a student opened or watched. In each picture, ML is Moodle logins, Su submissions, LV lecture
        viewings, SL Samis logins and TM Teams meetings; a dashed box is a day whose data is unknown.
      </Text>
    </section>
  );
}
