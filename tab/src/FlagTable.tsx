import { Fragment, memo, useMemo, useSyncExternalStore } from 'react';
import {
  Badge,
  Button,
  Link,
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
import { SOURCES } from '../../shared/domain';
import type { FlagPage, FlagQuery, FlagRow, FlagSort } from '../../shared/api/flags';
import { Sparkline, describeSource } from './Sparkline';
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
  table: { backgroundColor: tokens.colorNeutralBackground1, tableLayout: 'fixed', width: '100%' },
  /** No vertical padding: the tallest content (the 40px chart, two lines of text) sets a 40px row, so 12 rows fit under an urgent message at 1366x768. */
  cell: {
    padding: `0 ${tokens.spacingHorizontalS}`,
    overflow: 'hidden',
    verticalAlign: 'middle',
  },
  row: {
    height: '40px',
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
});

type Styles = ReturnType<typeof useStyles>;
type ColumnKey = 'student' | 'severity' | 'reason' | 'chart' | 'days' | 'status' | 'owner' | 'action' | 'tutor' | 'more';
export const COLUMNS: Array<{ key: ColumnKey; label: string; width?: string; sort?: FlagSort; fold?: Fold }> = [
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

/** The page's rows as a table, sortable by its headers; an opened row shows its details on a row of its own beneath. */
export function FlagTable({
  data,
  filters,
  loading,
  expanded,
  onSort,
  onToggle,
  onOpenStudent,
}: {
  data: FlagPage;
  filters: FlagQuery;
  loading: boolean;
  expanded: ReadonlySet<string>;
  onSort: (sort: FlagSort) => void;
  onToggle: (caseId: string) => void;
  onOpenStudent: (studentId: string) => void;
}) {
  const styles = useStyles();
  const shown = useShownColumns();
  const columns = COLUMNS.filter((c) => !c.fold || shown.has(c.fold));
  const sortDirection = (sort?: FlagSort) =>
    sort && filters.sort === sort ? (filters.dir === 'asc' ? 'ascending' : 'descending') : undefined;
  return (
    <Table className={styles.table} aria-label="Students who may need a check-in" sortable size="small" aria-busy={loading}>
      <TableHeader>
        <TableRow>
          {columns.map((c) => {
            const style = c.width ? { width: c.width } : undefined;
            return c.sort ? (
              <TableHeaderCell key={c.key} style={style} sortDirection={sortDirection(c.sort)} onClick={() => onSort(c.sort!)}>
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
              onToggle={onToggle}
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
