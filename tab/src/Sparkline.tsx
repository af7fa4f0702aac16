import { tokens } from '@fluentui/react-components';
import { SOURCE_LABELS, SOURCES, type Source } from '../../shared/domain';

const BAR = 3;
const GAP = 1;
const ROW = 7;

/** Words for a screen reader: totals per source over the window, and how many days were unknown. */
export function describeDaily(daily: Partial<Record<Source, Array<number | null>>>, days: number): string {
  const parts = SOURCES.map((s) => {
    const values = daily[s] ?? [];
    const known = values.filter((v): v is number => v !== null);
    if (known.length === 0) return `${SOURCE_LABELS[s]} unknown`;
    const total = known.reduce((a, b) => a + b, 0);
    return `${SOURCE_LABELS[s]} ${total}${known.length < values.length ? ` (${values.length - known.length} days unknown)` : ''}`;
  });
  return `Last ${days} days: ${parts.join(', ')}`;
}

/**
 * One row of tiny bars per source, one bar per day; a flat tick is a day with none, a dot a day whose
 * data is unknown. Drawn as three paths, not one element per bar, so a long page stays light.
 */
export function Sparkline({ daily, days }: { daily: Partial<Record<Source, Array<number | null>>>; days: number }) {
  const width = days * (BAR + GAP);
  const height = SOURCES.length * ROW;
  let active = '';
  let zero = '';
  let unknown = '';
  SOURCES.forEach((source, row) => {
    const values = daily[source] ?? [];
    const max = Math.max(1, ...values.map((v) => v ?? 0));
    const base = (row + 1) * ROW - 1;
    values.forEach((v, i) => {
      const x = i * (BAR + GAP);
      if (v === null) unknown += `M${x + 1} ${base - 1}h1v1h-1z`;
      else if (v === 0) zero += `M${x} ${base - 0.75}h${BAR}v0.75h-${BAR}z`;
      else {
        const h = 1.5 + (ROW - 3) * (v / max);
        active += `M${x} ${base - h}h${BAR}v${h}h-${BAR}z`;
      }
    });
  });
  return (
    <svg
      role="img"
      aria-label={describeDaily(daily, days)}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      style={{ display: 'block' }}
    >
      {zero && <path d={zero} fill={tokens.colorNeutralStroke1} />}
      {unknown && <path d={unknown} fill={tokens.colorNeutralForeground4} />}
      {active && <path d={active} fill={tokens.colorBrandForeground1} />}
    </svg>
  );
}
