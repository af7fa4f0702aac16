import type { Series, StudentView } from '../../shared/api/student';
import { useChartStyles } from './charts/chartStyles';
import { ChartSvg } from './charts/parts';
import { UnknownPattern } from './charts/patterns';
import { niceScale, shortDay, usePatternId } from './charts/scale';

const LEFT = 34;
const RIGHT = 8;
const TOP = 16;
const PLOT = 64;
const BOTTOM = 30;
const MIN_LABEL_GAP = 46;

const DAY_MS = 86_400_000;
const dayIndex = (from: string, day: string) => Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** Runs of consecutive non-null values, so a line or band breaks over unknown days instead of bridging them. */
function runs(values: ReadonlyArray<number | null>): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (current.length) out.push(current);
      current = [];
    } else current.push(i);
  });
  if (current.length) out.push(current);
  return out;
}

export type Window = StudentView['windows'][number];

/** Sum of the known values between two days (inclusive), and whether any day was unknown. */
export function windowTotal(values: ReadonlyArray<number | null>, days: readonly string[], w: Window): { total: number; unknown: number } {
  let total = 0;
  let unknown = 0;
  days.forEach((d, i) => {
    if (d < w.start || d > w.end) return;
    const v = values[i];
    if (v === null || v === undefined) unknown++;
    else total += v;
  });
  return { total: Math.round(total * 10) / 10, unknown };
}

/** Words a screen reader speaks for one source's chart. */
export function describeTermChart(
  label: string,
  series: Series,
  days: readonly string[],
  windows: readonly Window[],
  flaggedOn: string | null,
): string {
  const known = series.counts.filter((v): v is number => v !== null);
  const total = known.reduce((a, b) => a + b, 0);
  const unknown = series.counts.length - known.length;
  const span = days.length ? ` from ${shortDay(days[0]!)} to ${shortDay(days.at(-1)!)}` : '';
  const perWindow = windows.map((w) => {
    const own = windowTotal(series.counts, days, w);
    const cohort = windowTotal(series.median, days, w);
    return `last ${w.days} days ${own.total}${own.unknown ? ` (${own.unknown} days unknown)` : ''} against a cohort median of ${cohort.total}`;
  });
  return (
    `${label}: ${total} over ${known.length} days with data${unknown ? `, ${unknown} days unknown` : ''}${span}` +
    `${perWindow.length ? `; ${perWindow.join('; ')}` : ''}${flaggedOn ? `; flagged on ${shortDay(flaggedOn)}` : ''}.`
  );
}

/**
 * One source across the term: the student's daily bars over the cohort's middle half (band) and median
 * (dashed line), with a date axis and term weeks, a value scale, the rules' 7, 14 and 21-day windows
 * shaded, the day the student was flagged marked, and unknown days hatched (never drawn as zero).
 */
export function TermChart({
  label,
  series,
  days,
  nonTermDays,
  windows,
  termStart,
  flaggedOn,
  width,
}: {
  label: string;
  series: Series;
  days: readonly string[];
  nonTermDays: ReadonlySet<string>;
  windows: readonly Window[];
  termStart: string | null;
  flaggedOn: string | null;
  width: number;
}) {
  const s = useChartStyles();
  const hatchId = usePatternId('unknown');
  if (days.length === 0) return null;
  const plotW = Math.max(100, width - LEFT - RIGHT);
  const dayW = plotW / days.length;
  const x = (i: number) => LEFT + i * dayW;
  const first = days[0]!;
  const last = days.at(-1)!;
  const peak = Math.max(0, ...series.counts.map((v) => v ?? 0), ...series.high.map((v) => v ?? 0), ...series.median.map((v) => v ?? 0));
  const scale = niceScale(peak, 2);
  const y = (v: number) => TOP + PLOT - (v / scale.max) * PLOT;
  const height = TOP + PLOT + BOTTOM;

  // Week ticks: each term week's first day (Mondays when no term is set), thinned to stay legible.
  const weekStarts = days
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => (termStart ? ((dayIndex(termStart, d) % 7) + 7) % 7 === 0 : new Date(`${d}T00:00:00Z`).getUTCDay() === 1));
  const every = Math.max(1, Math.ceil(MIN_LABEL_GAP / (7 * dayW)));
  const flagIndex = flaggedOn && flaggedOn >= first && flaggedOn <= last ? dayIndex(first, flaggedOn) : null;

  return (
    <ChartSvg
      summary={describeTermChart(label, series, days, windows, flagIndex === null ? null : flaggedOn)}
      width={width}
      height={height}
      testId="term-chart"
    >
      <defs>
        <UnknownPattern id={hatchId} />
      </defs>
      {days.map((d, i) =>
        nonTermDays.has(d) ? (
          <g key={`v${d}`} data-part="non-term">
            <rect className={s.nonTerm} x={x(i)} y={TOP} width={dayW} height={PLOT} />
            <circle className={s.nonTermDot} cx={x(i) + dayW / 2} cy={TOP + 3} r={1.25} />
          </g>
        ) : null,
      )}
      {windows.map((w) => {
        const from = Math.max(0, dayIndex(first, w.start));
        const to = Math.min(days.length - 1, dayIndex(first, w.end));
        if (to < from) return null;
        return (
          <g key={`w${w.days}`} data-testid="window" data-days={w.days}>
            <rect className={s.windowShade} x={x(from)} y={TOP} width={x(to + 1) - x(from)} height={PLOT} />
            <line className={s.windowEdge} x1={x(from)} x2={x(from)} y1={TOP - 12} y2={TOP + PLOT} />
            <text className={s.text} x={x(from) + 2} y={TOP - 4}>{`${w.days} d`}</text>
          </g>
        );
      })}
      {scale.ticks.map((t) => (
        <g key={`t${t}`}>
          {t > 0 && <line className={s.grid} x1={LEFT} x2={LEFT + plotW} y1={y(t)} y2={y(t)} />}
          <text className={s.text} x={LEFT - 4} y={y(t) + 3.5} textAnchor="end">
            {t}
          </text>
        </g>
      ))}
      {runs(series.high.map((h, i) => (h === null || series.low[i] === null ? null : h))).map((run) => (
        <polygon
          key={`b${run[0]}`}
          className={s.band}
          points={[
            ...run.map((i) => `${x(i)},${y(series.high[i]!)} ${x(i + 1)},${y(series.high[i]!)}`),
            ...[...run].reverse().map((i) => `${x(i + 1)},${y(series.low[i]!)} ${x(i)},${y(series.low[i]!)}`),
          ].join(' ')}
        />
      ))}
      {series.counts.map((v, i) =>
        v === null ? (
          <rect key={`u${i}`} data-part="unknown" x={x(i)} y={TOP} width={dayW} height={PLOT} fill={`url(#${hatchId})`} />
        ) : v > 0 ? (
          <rect
            key={`c${i}`}
            data-part="bar"
            className={s.bar}
            x={x(i) + (dayW > 3 ? 0.5 : 0)}
            y={y(v)}
            width={Math.max(1, dayW - (dayW > 3 ? 1 : 0))}
            height={TOP + PLOT - y(v)}
          />
        ) : null,
      )}
      {runs(series.median).map((run) => (
        <polyline
          key={`m${run[0]}`}
          data-part="median"
          className={s.median}
          points={run.map((i) => `${x(i)},${y(series.median[i]!)} ${x(i + 1)},${y(series.median[i]!)}`).join(' ')}
        />
      ))}
      <line className={s.axis} x1={LEFT} x2={LEFT + plotW} y1={TOP + PLOT} y2={TOP + PLOT} />
      <line className={s.axis} x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + PLOT} />
      {weekStarts.map(({ d, i }, k) => (
        <g key={`d${d}`} data-testid="date-tick">
          <line className={s.axis} x1={x(i)} x2={x(i)} y1={TOP + PLOT} y2={TOP + PLOT + 4} />
          {k % every === 0 && x(i) + 30 <= width && (
            <>
              <text className={s.text} x={x(i)} y={TOP + PLOT + 15}>
                {shortDay(d)}
              </text>
              {termStart && (
                <text className={s.text} x={x(i)} y={TOP + PLOT + 27}>{`Wk ${Math.floor(dayIndex(termStart, d) / 7) + 1}`}</text>
              )}
            </>
          )}
        </g>
      ))}
      {flagIndex !== null && (
        <g data-testid="flag-marker">
          <line className={s.marker} x1={x(flagIndex)} x2={x(flagIndex)} y1={TOP - 12} y2={TOP + PLOT + 4} />
          <text
            className={s.markerText}
            x={x(flagIndex) + (x(flagIndex) > width - 60 ? -3 : 3)}
            y={TOP + 9}
            textAnchor={x(flagIndex) > width - 60 ? 'end' : 'start'}
          >
            Flagged
          </text>
        </g>
      )}
    </ChartSvg>
  );
}
