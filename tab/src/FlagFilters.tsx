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
      <FilterChoice
        label="Severity"
        className={styles.narrow}
        value={filters.severity ?? ''}
        options={SEVERITIES.map((v) => [v, SEVERITY_BADGE[v].label])}
        onChange={(v) => onChange({ severity: (v || undefined) as Severity | undefined })}
      />
      <FilterChoice
        label="Status"
        className={styles.narrow}
        value={filters.status ?? ''}
        options={(['open', 'acknowledged', 'snoozed'] as const).map((v) => [v, CASE_STATUS_WORDS[v]])}
        onChange={(v) => onChange({ status: (v || undefined) as FlagQuery['status'] })}
      />
      <FilterChoice
        label="Programme"
        className={styles.wide}
        value={filters.programme ?? ''}
        options={data?.facets.programmes.map((p) => [p, p]) ?? []}
        onChange={(v) => onChange({ programme: v || undefined })}
      />
      <FilterChoice
        label="Year"
        className={styles.narrow}
        value={filters.year === undefined ? '' : String(filters.year)}
        options={data?.facets.years.map((y) => [String(y), `Year ${y}`]) ?? []}
        onChange={(v) => onChange({ year: v ? Number(v) : undefined })}
      />
      {data?.scope === 'department' && (
        <FilterChoice
          label="Personal tutor"
          className={styles.wide}
          value={filters.tutor ?? ''}
          options={[['none', 'No tutor assigned'], ...data.facets.tutors.map((t): Option => [t.id, t.name])]}
          onChange={(v) => onChange({ tutor: v || undefined })}
        />
      )}
      <FilterChoice
        label="No activity in 21 days on"
        anyLabel="Any source"
        className={styles.wide}
        value={filters.source ?? ''}
        options={SOURCES.map((v) => [v, SOURCE_LABELS[v]])}
        onChange={(v) => onChange({ source: (v || undefined) as FlagQuery['source'] })}
      />
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

type Option = readonly [value: string, text: string];

/** One filter: a small labelled choice whose empty value means any. */
function FilterChoice({
  label,
  anyLabel = 'Any',
  className,
  value,
  options,
  onChange,
}: {
  label: string;
  anyLabel?: string;
  className: string;
  value: string;
  options: readonly Option[];
  onChange: (value: string) => void;
}) {
  return (
    <Field label={label} size="small">
      <Select size="small" className={className} value={value} onChange={(_, d) => onChange(d.value)}>
        <option value="">{anyLabel}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </Select>
    </Field>
  );
}
