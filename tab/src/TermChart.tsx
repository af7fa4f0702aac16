import { tokens } from '@fluentui/react-components';
import type { Series } from '../../shared/api/student';

const DAY = 6;
const HEIGHT = 64;

/** One source across the term: the student's daily bars over the cohort's middle half (band) and median (line). */
export function TermChart({
  label,
  series,
  days,
  nonTermDays,
}: {
  label: string;
  series: Series;
  days: string[];
  nonTermDays: ReadonlySet<string>;
}) {
  const max = Math.max(1, ...series.counts.map((v) => v ?? 0), ...series.high.map((v) => v ?? 0));
  const y = (v: number) => HEIGHT - (v / max) * (HEIGHT - 4);
  const width = days.length * DAY;
  const band: string[] = [];
  const lower: string[] = [];
  const median: string[] = [];
  days.forEach((_, i) => {
    const x = i * DAY + DAY / 2;
    const hi = series.high[i];
    const lo = series.low[i];
    const md = series.median[i];
    if (hi != null && lo != null) {
      band.push(`${x},${y(hi)}`);
      lower.unshift(`${x},${y(lo)}`);
    }
    if (md != null) median.push(`${x},${y(md)}`);
  });
  const known = series.counts.filter((v): v is number => v !== null);
  const total = known.reduce((a, b) => a + b, 0);
  const cohortTotal = series.median.reduce<number>((a, b) => a + (b ?? 0), 0);
  const unknown = series.counts.length - known.length;
  const description = `${label}: ${total} over ${known.length} days with data${unknown ? `, ${unknown} days unknown` : ''}; the cohort's median adds up to ${Math.round(cohortTotal)} over the same days.`;
  return (
    <svg
      role="img"
      aria-label={description}
      width={width}
      height={HEIGHT}
      viewBox={`0 0 ${width} ${HEIGHT}`}
      style={{ display: 'block', maxWidth: '100%' }}
    >
      {days.map((d, i) =>
        nonTermDays.has(d) ? (
          <rect key={`v${d}`} x={i * DAY} y={0} width={DAY} height={HEIGHT} fill={tokens.colorNeutralBackground3} />
        ) : null,
      )}
      {band.length > 1 && <polygon points={[...band, ...lower].join(' ')} fill={tokens.colorPaletteLightGreenBackground2} stroke="none" />}
      {series.counts.map((v, i) =>
        v === null ? (
          <rect key={`u${i}`} x={i * DAY + 2} y={HEIGHT - 3} width={2} height={2} fill={tokens.colorNeutralForeground4} />
        ) : (
          <rect key={`c${i}`} x={i * DAY + 1} y={y(v)} width={DAY - 2} height={HEIGHT - y(v)} fill={tokens.colorBrandForeground1} />
        ),
      )}
      {median.length > 1 && (
        <polyline
          points={median.join(' ')}
          fill="none"
          stroke={tokens.colorPaletteGreenForeground1}
          strokeWidth={1.5}
          strokeDasharray="3 2"
        />
      )}
    </svg>
  );
}
