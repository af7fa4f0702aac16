import { makeStyles, tokens } from '@fluentui/react-components';
import { SOURCE_LABELS, SOURCES, type Source } from '../../shared/domain';

/** Short labels drawn beside each lane; the full name is in the lane's tooltip and the accessible name. */
export const SOURCE_INITIALS: Record<Source, string> = {
  moodle_login: 'ML',
  moodle_submission: 'Su',
  panopto_view: 'LV',
  samis_login: 'SL',
  teams_attendance: 'TM',
};

const BAR = 4;
const GAP = 1;
const LANE = 8;
const LABEL = 16;

const useStyles = makeStyles({
  svg: {
    display: 'block',
    overflow: 'visible',
    // The lanes choose system colours themselves in forced-colours mode (below), so nothing is lost or blotted out.
    forcedColorAdjust: 'none',
  },
  label: {
    fill: tokens.colorNeutralForeground2,
    fontSize: '8px',
    fontWeight: tokens.fontWeightSemibold,
    fontFamily: tokens.fontFamilyBase,
    '@media (forced-colors: active)': { fill: 'CanvasText' },
  },
  active: { fill: tokens.colorBrandForeground1, '@media (forced-colors: active)': { fill: 'Highlight' } },
  zero: { fill: tokens.colorNeutralForeground3, '@media (forced-colors: active)': { fill: 'CanvasText' } },
  unknown: {
    fill: 'none',
    stroke: tokens.colorNeutralForeground3,
    strokeWidth: '0.75px',
    strokeDasharray: '1 1',
    '@media (forced-colors: active)': { stroke: 'GrayText' },
  },
  lane: { fill: 'transparent' },
});

/** Words for one source: its total over the window, and how many days were unknown. */
export function describeSource(values: ReadonlyArray<number | null>, source: Source, days: number): string {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return `${SOURCE_LABELS[source]}: unknown for all ${days} days`;
  const total = known.reduce((a, b) => a + b, 0);
  const active = known.filter((v) => v > 0).length;
  const unknown = values.length - known.length;
  return `${SOURCE_LABELS[source]}: ${total} on ${active} ${active === 1 ? 'day' : 'days'}${unknown > 0 ? `, ${unknown} ${unknown === 1 ? 'day' : 'days'} unknown` : ''}`;
}

/** Words for a screen reader: totals per source over the window, and how many days were unknown. */
export function describeDaily(daily: Partial<Record<Source, ReadonlyArray<number | null>>>, days: number): string {
  return `Last ${days} days: ${SOURCES.map((s) => describeSource(daily[s] ?? [], s, days)).join('; ')}`;
}

/**
 * One lane per source labelled with its initials, one bar per day, oldest on the left: a bar's height
 * is the day's count against the lane's busiest day, a short tick a day with none, and a dashed empty
 * box a day whose data is unknown. Each lane carries its own tooltip; paths, not one element per bar,
 * keep a long page light.
 */
export function Sparkline({ daily, days }: { daily: Partial<Record<Source, ReadonlyArray<number | null>>>; days: number }) {
  const styles = useStyles();
  const width = LABEL + days * (BAR + GAP);
  const height = SOURCES.length * LANE;
  return (
    <svg
      role="img"
      aria-label={describeDaily(daily, days)}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      className={styles.svg}
      data-testid="sparkline"
    >
      {SOURCES.map((source, row) => {
        const values = daily[source] ?? Array<null>(days).fill(null);
        const max = Math.max(1, ...values.map((v) => v ?? 0));
        const top = row * LANE;
        const base = top + LANE - 1;
        let active = '';
        let zero = '';
        let unknown = '';
        values.forEach((v, i) => {
          const x = LABEL + i * (BAR + GAP);
          if (v === null) unknown += `M${x + 0.5} ${top + 1}h${BAR - 1}v${LANE - 2.5}h-${BAR - 1}z`;
          else if (v === 0) zero += `M${x} ${base - 1}h${BAR}v1h-${BAR}z`;
          else {
            const h = 2 + (LANE - 3) * (v / max);
            active += `M${x} ${base - h}h${BAR}v${h}h-${BAR}z`;
          }
        });
        return (
          <g key={source} data-source={source}>
            <title>{describeSource(values, source, days)}</title>
            <rect className={styles.lane} x={0} y={top} width={width} height={LANE} />
            <text className={styles.label} x={0} y={base}>
              {SOURCE_INITIALS[source]}
            </text>
            {zero && <path className={styles.zero} d={zero} />}
            {unknown && <path className={styles.unknown} d={unknown} />}
            {active && <path className={styles.active} d={active} />}
          </g>
        );
      })}
    </svg>
  );
}
