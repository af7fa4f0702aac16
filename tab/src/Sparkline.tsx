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

/** One row of tiny bars per source, one bar per day; a dot marks a day whose data is unknown. */
export function Sparkline({ daily, days }: { daily: Partial<Record<Source, Array<number | null>>>; days: number }) {
  const width = days * (BAR + GAP);
  const height = SOURCES.length * ROW;
  return (
    <svg role="img" aria-label={describeDaily(daily, days)} width={width} height={height} viewBox={`0 0 ${width} ${height}`} style={{ display: 'block' }}>
      {SOURCES.map((source, row) => {
        const values = daily[source] ?? [];
        const max = Math.max(1, ...values.map((v) => v ?? 0));
        return values.map((v, i) => {
          const x = i * (BAR + GAP);
          const base = (row + 1) * ROW - 1;
          if (v === null) return <rect key={`${source}-${i}`} x={x + 1} y={base - 1} width={1} height={1} fill={tokens.colorNeutralForeground4} />;
          const h = v === 0 ? 0.75 : 1.5 + (ROW - 3) * (v / max);
          return <rect key={`${source}-${i}`} x={x} y={base - h} width={BAR} height={h} fill={v === 0 ? tokens.colorNeutralStroke1 : tokens.colorBrandForeground1} />;
        });
      })}
    </svg>
  );
}
