import { Fragment, memo, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
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
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import { SEVERITIES, SOURCE_LABELS, SOURCES, type Severity } from '../../shared/domain';
import { FlagQuerySchema, type FlagPage, type FlagQuery, type FlagRow, type FlagSort } from '../../shared/api/flags';
import { downloadFlagsCsv, fetchFlagPage, type Authorize } from './api';
import { Sparkline, describeSource } from './Sparkline';
import { SearchMatches, TuteeSummaryView } from './ListExtras';
import { CASE_STATUS_WORDS, lastActivity, relativeDay, SEVERITY_BADGE } from './words';

/**
 * Columns fold away as the window narrows, least needed first: tutor, last action, owner, last activity
 * (each is still in the row's details). Folded columns are not rendered at all, so a details row spans
 * exactly the columns shown.
 */
const FOLD = {
  tutor: '(min-width: 1440px)',
  action: '(min-width: 1200px)',
  owner: '(min-width: 1100px)',
  days: '(min-width: 900px)',
} as const;
type Fold = keyof typeof FOLD;

function subscribeToWidth(onChange: () => void): () => void {
  window.addEventListener('resize', onChange);
  return () => window.removeEventListener('resize', onChange);
}
const shownFolds = (): string => (Object.keys(FOLD) as Fold[]).filter((k) => window.matchMedia(FOLD[k]).matches).join(',');

/** Which foldable columns the window has room for. */
function useShownColumns(): ReadonlySet<string> {
  const text = useSyncExternalStore(subscribeToWidth, shownFolds);
  return useMemo(() => new Set(text.split(',')), [text]);
}

const useStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  headline: { display: 'flex', flexWrap: 'wrap', alignItems: 'baseline', columnGap: tokens.spacingHorizontalM, rowGap: '2px' },
  title: { margin: 0, fontSize: tokens.fontSizeBase400, lineHeight: tokens.lineHeightBase400 },
  grow: { flexGrow: 1 },
  filters: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS, rowGap: tokens.spacingVerticalXS, alignItems: 'end' },
  search: { width: '190px' },
  narrow: { width: '112px' },
  wide: { width: '170px' },
  bar: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'center', justifyContent: 'space-between' },
  table: { backgroundColor: tokens.colorNeutralBackground1, tableLayout: 'fixed', width: '100%' },
  cell: {
    padding: `1px ${tokens.spacingHorizontalS}`,
    overflow: 'hidden',
    verticalAlign: 'middle',
  },
  row: {
    height: '42px',
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    color: tokens.colorNeutralForeground1,
    ':hover': { backgroundColor: tokens.colorSubtleBackgroundHover },
  },
  oneLine: { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', display: 'block' },
  twoLines: {
    display: '-webkit-box',
    WebkitLineClamp: 2,
    WebkitBoxOrient: 'vertical',
    overflow: 'hidden',
    fontSize: tokens.fontSizeBase200,
    lineHeight: tokens.lineHeightBase200,
  },
  muted: { color: tokens.colorNeutralForeground3 },
  /** The name in the text colour, not the brand's: it keeps its contrast on a hovered row in the dark theme too. */
  name: { color: tokens.colorNeutralForeground1, fontWeight: tokens.fontWeightSemibold },
  details: { backgroundColor: tokens.colorNeutralBackground3 },
  detailGrid: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: tokens.spacingHorizontalM,
    rowGap: '2px',
    padding: `${tokens.spacingVerticalXS} 0`,
    margin: 0,
  },
  dt: { fontWeight: tokens.fontWeightSemibold },
  dd: { margin: 0 },
  empty: { padding: tokens.spacingHorizontalM, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusMedium },
});

type Styles = ReturnType<typeof useStyles>;
type ColumnKey = 'student' | 'severity' | 'reason' | 'chart' | 'days' | 'status' | 'owner' | 'action' | 'tutor' | 'more';
const COLUMNS: Array<{ key: ColumnKey; label: string; width?: string; sort?: FlagSort; fold?: Fold }> = [
  { key: 'student', label: 'Student', width: '176px', sort: 'name' },
  { key: 'severity', label: 'Severity', width: '88px', sort: 'severity' },
  { key: 'reason', label: 'Why' },
  { key: 'chart', label: 'Last 21 days', width: '132px' },
  { key: 'days', label: 'Last activity', width: '104px', sort: 'days', fold: 'days' },
  { key: 'status', label: 'Status', width: '104px', sort: 'status' },
  { key: 'owner', label: 'Owner', width: '120px', fold: 'owner' },
  { key: 'action', label: 'Last action', width: '160px', sort: 'last_action', fold: 'action' },
  { key: 'tutor', label: 'Personal tutor', width: '130px', sort: 'tutor', fold: 'tutor' },
  { key: 'more', label: 'Details', width: '44px' },
];

const SORT_CHOICES: Array<{ sort: FlagSort; dir: 'asc' | 'desc'; label: string }> = [
  { sort: 'severity', dir: 'asc', label: 'Most urgent first' },
  { sort: 'name', dir: 'asc', label: 'Name' },
  { sort: 'programme', dir: 'asc', label: 'Programme and year' },
  { sort: 'tutor', dir: 'asc', label: 'Personal tutor' },
  { sort: 'days', dir: 'desc', label: 'Longest without activity' },
  { sort: 'status', dir: 'asc', label: 'Status' },
  { sort: 'opened', dir: 'desc', label: 'Most recently flagged' },
  { sort: 'last_action', dir: 'asc', label: 'Longest since last action' },
];

const DEFAULTS: FlagQuery = FlagQuerySchema.parse({});

/** Reads the list's state from the URL's query; a parameter that does not parse is dropped, the rest kept. */
export function parseListQuery(text: string): FlagQuery {
  const raw: Record<string, string> = Object.fromEntries(new URLSearchParams(text));
  for (let attempt = 0; attempt < 12; attempt++) {
    const parsed = FlagQuerySchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) delete raw[String(issue.path[0])];
  }
  return DEFAULTS;
}

/** The list's state as a URL query, leaving out defaults so a plain list keeps a plain address. */
export function listQueryString(query: FlagQuery): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === '' || DEFAULTS[k as keyof FlagQuery] === v) continue;
    params.set(k, String(v));
  }
  return params.toString();
}

const ownSearch = (f: FlagQuery) => f.q ?? '';

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
  const [filters, setFilters] = useState<FlagQuery>(() => parseListQuery(query));
  const [search, setSearch] = useState(() => ownSearch(filters));
  const [data, setData] = useState<FlagPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const shown = useShownColumns();
  const columns = COLUMNS.filter((c) => !c.fold || shown.has(c.fold));
  const request = useRef(0);
  const focused = useRef<string | null>(null);

  // The address follows the list (replaced, not pushed: a filter is not a page of its own), and the list follows
  // the address when the browser goes back or forward to another one.
  useEffect(() => {
    const text = listQueryString(filters);
    const hash = text ? `#/?${text}` : '#/';
    if (window.location.hash !== hash && !(hash === '#/' && ['', '#', '#/'].includes(window.location.hash)))
      window.history.replaceState(window.history.state, '', hash);
    onQueryChange(text);
  }, [filters, onQueryChange]);
  useEffect(() => {
    const next = parseListQuery(query);
    setFilters((current) => (listQueryString(current) === listQueryString(next) ? current : next));
    setSearch((current) => (current.trim() === ownSearch(next) ? current : ownSearch(next)));
  }, [query]);

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
  const filtered = Boolean(
    filters.severity || filters.status || filters.programme || filters.year || filters.tutor || filters.source || filters.q,
  );
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

  const exportCsv = () => {
    setExporting(true);
    downloadFlagsCsv(authorize, filters)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : 'The export failed.'))
      .finally(() => setExporting(false));
  };
  const toggle = useCallback(
    (caseId: string) =>
      setExpanded((open) => {
        const next = new Set(open);
        if (!next.delete(caseId)) next.add(caseId);
        return next;
      }),
    [],
  );
  const sortDirection = (sort?: FlagSort) =>
    sort && filters.sort === sort ? (filters.dir === 'asc' ? 'ascending' : 'descending') : undefined;
  const sortValue = `${filters.sort}:${filters.dir}`;
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
        <Button size="small" onClick={exportCsv} disabled={exporting || !data || data.total === 0}>
          {exporting ? 'Exporting…' : 'Export this view as CSV'}
        </Button>
      </div>
      <div className={styles.filters} role="search" aria-label="Filter the list">
        <Field label="Search by name or student ID" size="small">
          <SearchBox
            size="small"
            className={styles.search}
            value={search}
            onChange={(_, d) => setSearch(d.value)}
            placeholder="Name or ID"
          />
        </Field>
        <Field label="Severity" size="small">
          <Select
            size="small"
            className={styles.narrow}
            value={filters.severity ?? ''}
            onChange={(_, d) => set({ severity: (d.value || undefined) as Severity | undefined })}
          >
            <option value="">Any</option>
            {SEVERITIES.map((v) => (
              <option key={v} value={v}>
                {SEVERITY_BADGE[v].label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Status" size="small">
          <Select
            size="small"
            className={styles.narrow}
            value={filters.status ?? ''}
            onChange={(_, d) => set({ status: (d.value || undefined) as FlagQuery['status'] })}
          >
            <option value="">Any</option>
            {(['open', 'acknowledged', 'snoozed'] as const).map((v) => (
              <option key={v} value={v}>
                {CASE_STATUS_WORDS[v]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Programme" size="small">
          <Select
            size="small"
            className={styles.wide}
            value={filters.programme ?? ''}
            onChange={(_, d) => set({ programme: d.value || undefined })}
          >
            <option value="">Any</option>
            {data?.facets.programmes.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Year" size="small">
          <Select
            size="small"
            className={styles.narrow}
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
          <Field label="Personal tutor" size="small">
            <Select
              size="small"
              className={styles.wide}
              value={filters.tutor ?? ''}
              onChange={(_, d) => set({ tutor: d.value || undefined })}
            >
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
        <Field label="No activity in 21 days on" size="small">
          <Select
            size="small"
            className={styles.wide}
            value={filters.source ?? ''}
            onChange={(_, d) => set({ source: (d.value || undefined) as FlagQuery['source'] })}
          >
            <option value="">Any source</option>
            {SOURCES.map((s) => (
              <option key={s} value={s}>
                {SOURCE_LABELS[s]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Sort by" size="small">
          <Select
            size="small"
            className={styles.wide}
            value={sortValue}
            onChange={(_, d) => {
              const [sort, dir] = d.value.split(':') as [FlagSort, 'asc' | 'desc'];
              set({ sort, dir });
            }}
          >
            {!SORT_CHOICES.some((c) => `${c.sort}:${c.dir}` === sortValue) && (
              <option
                value={sortValue}
              >{`${COLUMNS.find((c) => c.sort === filters.sort)?.label ?? filters.sort}, ${filters.dir === 'asc' ? 'ascending' : 'descending'}`}</option>
            )}
            {SORT_CHOICES.map((c) => (
              <option key={`${c.sort}:${c.dir}`} value={`${c.sort}:${c.dir}`}>
                {c.label}
              </option>
            ))}
          </Select>
        </Field>
        {filtered && (
          <Button
            size="small"
            appearance="subtle"
            onClick={() => {
              setSearch('');
              setFilters((f) => ({ ...DEFAULTS, sort: f.sort, dir: f.dir, pageSize: f.pageSize }));
            }}
          >
            Clear filters
          </Button>
        )}
      </div>
      {q && <SearchMatches authorize={authorize} q={q} onOpenStudent={onOpenStudent} />}
      {error && (
        <MessageBar intent="error">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      {!data && !error && <Spinner label="Loading students…" />}
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
        <Table className={styles.table} aria-label="Students who may need a check-in" sortable size="small" aria-busy={loading}>
          <TableHeader>
            <TableRow>
              {columns.map((c) => {
                const style = c.width ? { width: c.width } : undefined;
                return c.sort ? (
                  <TableHeaderCell key={c.key} style={style} sortDirection={sortDirection(c.sort)} onClick={() => sortBy(c.sort!)}>
                    {c.label}
                  </TableHeaderCell>
                ) : (
                  <TableHeaderCell key={c.key} style={style}>
                    {c.key === 'more' ? <span style={{ position: 'absolute', left: '-9999px' }}>{c.label}</span> : c.label}
                  </TableHeaderCell>
                );
              })}
            </TableRow>
          </TableHeader>
          <TableBody>
            {data.flags.map((f) => (
              <Fragment key={f.caseId}>
                <FlagTableRow
                  row={f}
                  days={data.days.length}
                  styles={styles}
                  shown={shown}
                  expanded={expanded.has(f.caseId)}
                  onToggle={toggle}
                  onOpenStudent={onOpenStudent}
                />
                {expanded.has(f.caseId) && (
                  <TableRow className={styles.details}>
                    <TableCell colSpan={columns.length} id={`details-${f.caseId}`}>
                      <RowDetails row={f} styles={styles} onOpenStudent={onOpenStudent} />
                    </TableCell>
                  </TableRow>
                )}
              </Fragment>
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
      <Text size={200} className={styles.muted}>
        Counts only: nobody can see what a student opened or watched. In each picture, ML is Moodle logins, Su submissions, LV lecture
        viewings, SL Samis logins and TM Teams meetings; a dashed box is a day whose data is unknown.
      </Text>
    </section>
  );
}

function lastActionWords(row: FlagRow): string {
  const a = row.lastAction;
  return a ? `${a.label}${a.actorName ? ` by ${a.actorName}` : ''}, ${relativeDay(a.at)}` : '—';
}

/** One student's row: plain table cells (no per-cell components), memoised so opening one row redraws only it. */
const FlagTableRow = memo(function FlagTableRow({
  row: f,
  days,
  styles,
  shown,
  expanded,
  onToggle,
  onOpenStudent,
}: {
  row: FlagRow;
  days: number;
  styles: Styles;
  shown: ReadonlySet<string>;
  expanded: boolean;
  onToggle: (caseId: string) => void;
  onOpenStudent: (studentId: string) => void;
}) {
  const cell = styles.cell;
  return (
    <tr data-testid="flag-row" className={styles.row}>
      <td className={cell}>
        <Link
          className={mergeClasses(styles.oneLine, styles.name)}
          data-student={f.studentId}
          href={`#/students/${encodeURIComponent(f.studentId)}`}
          onClick={(e) => {
            e.preventDefault();
            onOpenStudent(f.studentId);
          }}
        >
          {f.studentName}
        </Link>
        <Text size={200} className={mergeClasses(styles.muted, styles.oneLine)}>{`${f.studentId} · ${f.programme}, Y${f.year}`}</Text>
      </td>
      <td className={cell}>
        <Badge appearance="filled" color={SEVERITY_BADGE[f.severity].color}>
          {SEVERITY_BADGE[f.severity].label}
        </Badge>
      </td>
      <td className={cell} title={f.reason}>
        <span className={styles.twoLines}>{f.reason}</span>
      </td>
      <td className={cell}>
        <Sparkline daily={f.daily} days={days} />
      </td>
      {shown.has('days') && <td className={cell}>{lastActivity(f.daysSinceLastActivity)}</td>}
      <td className={cell}>{CASE_STATUS_WORDS[f.status]}</td>
      {shown.has('owner') && (
        <td className={cell}>
          <span className={styles.oneLine}>{f.ownerName ?? 'Nobody yet'}</span>
        </td>
      )}
      {shown.has('action') && (
        <td className={cell}>
          <span className={styles.oneLine} title={lastActionWords(f)}>
            {lastActionWords(f)}
          </span>
        </td>
      )}
      {shown.has('tutor') && (
        <td className={cell}>
          <span className={styles.oneLine}>{f.tutorName ?? 'None assigned'}</span>
        </td>
      )}
      <td className={cell}>
        <Button
          size="small"
          appearance="subtle"
          icon={<span aria-hidden="true">{expanded ? '▲' : '▼'}</span>}
          aria-expanded={expanded}
          aria-controls={expanded ? `details-${f.caseId}` : undefined}
          aria-label={`${expanded ? 'Hide' : 'Show'} details for ${f.studentName}`}
          onClick={() => onToggle(f.caseId)}
        />
      </td>
    </tr>
  );
});

/** Everything a folded row leaves out, in place: the full reason, the rules' figures and the folded columns. */
function RowDetails({ row: f, styles, onOpenStudent }: { row: FlagRow; styles: Styles; onOpenStudent: (studentId: string) => void }) {
  const items: Array<[string, string]> = [
    ['Why', f.reason],
    ...(f.ruleFigures ? ([['The rules’ figures', f.ruleFigures]] as Array<[string, string]>) : []),
    ['Programme', `${f.programme}, year ${f.year}`],
    ['Personal tutor', f.tutorName ?? 'None assigned'],
    ['Last activity', lastActivity(f.daysSinceLastActivity)],
    ['Owner', f.ownerName ?? 'Nobody yet'],
    ['Last action', lastActionWords(f)],
    ['Flagged', relativeDay(f.openedAt)],
    ['Last 21 days', SOURCES.map((s) => describeSource(f.daily[s] ?? [], s, 21)).join('; ')],
  ];
  return (
    <div>
      <dl className={styles.detailGrid}>
        {items.map(([k, v]) => (
          <Fragment key={k}>
            <dt className={styles.dt}>{k}</dt>
            <dd className={styles.dd}>{v}</dd>
          </Fragment>
        ))}
      </dl>
      <Link
        href={`#/students/${encodeURIComponent(f.studentId)}`}
        onClick={(e) => {
          e.preventDefault();
          onOpenStudent(f.studentId);
        }}
      >{`Open ${f.studentName}’s page`}</Link>
    </div>
  );
}
