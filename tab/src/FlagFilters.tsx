import { Button, Field, SearchBox, Select, makeStyles, tokens } from '@fluentui/react-components';
import { SEVERITIES, SOURCE_LABELS, SOURCES, type Severity } from '../../shared/domain';
import type { FlagPage, FlagQuery, FlagSort } from '../../shared/api/flags';
import { COLUMNS } from './FlagTable';
import { isFiltered } from './flag-list-query';
import { CASE_STATUS_WORDS, SEVERITY_BADGE } from './words';

const useStyles = makeStyles({
  filters: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS, rowGap: tokens.spacingVerticalXS, alignItems: 'end' },
  search: { width: '190px' },
  narrow: { width: '112px' },
  wide: { width: '170px' },
});

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

/** The search box, filters and sort above the list; the choices of programme, year and tutor come from the page shown. */
export function FlagFilters({
  filters,
  search,
  data,
  onSearch,
  onChange,
  onClear,
}: {
  filters: FlagQuery;
  search: string;
  data: FlagPage | null;
  onSearch: (text: string) => void;
  onChange: (patch: Partial<FlagQuery>) => void;
  onClear: () => void;
}) {
  const styles = useStyles();
  const sortValue = `${filters.sort}:${filters.dir}`;
  return (
    <div className={styles.filters} role="search" aria-label="Filter the list">
      <Field label="Search by name or student ID" size="small">
        <SearchBox size="small" className={styles.search} value={search} onChange={(_, d) => onSearch(d.value)} placeholder="Name or ID" />
      </Field>
      <Field label="Severity" size="small">
        <Select
          size="small"
          className={styles.narrow}
          value={filters.severity ?? ''}
          onChange={(_, d) => onChange({ severity: (d.value || undefined) as Severity | undefined })}
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
          onChange={(_, d) => onChange({ status: (d.value || undefined) as FlagQuery['status'] })}
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
          onChange={(_, d) => onChange({ programme: d.value || undefined })}
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
          onChange={(_, d) => onChange({ year: d.value ? Number(d.value) : undefined })}
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
            onChange={(_, d) => onChange({ tutor: d.value || undefined })}
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
          onChange={(_, d) => onChange({ source: (d.value || undefined) as FlagQuery['source'] })}
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
            onChange({ sort, dir });
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
      {isFiltered(filters) && (
        <Button size="small" appearance="subtle" onClick={onClear}>
          Clear filters
        </Button>
      )}
    </div>
  );
}
