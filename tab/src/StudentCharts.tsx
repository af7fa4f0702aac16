import { useMemo } from 'react';
import { Card, Subtitle2, Text, makeStyles, tokens } from '@fluentui/react-components';
import { SOURCE_LABELS, SOURCES } from '../../shared/domain';
import type { StudentView } from '../../shared/api/student';
import { TermChart } from './TermChart';
import { useChartStyles } from './charts/chartStyles';
import { FiguresTable } from './charts/parts';
import { Swatch, UnknownPattern } from './charts/patterns';
import { shortDay, usePatternId, useWidth } from './charts/scale';
import { formatDay } from './words';

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL, minWidth: 0 },
  muted: { color: tokens.colorNeutralForeground3 },
  charts: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
});

/** The chart legend: every mark the charts draw, drawn the same way. */
function Legend() {
  const s = useChartStyles();
  const hatch = usePatternId('legend-unknown');
  return (
    <ul className={s.legend} aria-label="Chart legend">
      <li className={s.legendItem}>
        <Swatch>
          <rect className={s.bar} x={4} y={2} width={8} height={10} />
        </Swatch>
        This student
      </li>
      <li className={s.legendItem}>
        <Swatch>
          <rect className={s.band} x={1} y={3} width={14} height={7} />
        </Swatch>
        Middle half of the cohort
      </li>
      <li className={s.legendItem}>
        <Swatch>
          <line className={s.median} x1={0} x2={16} y1={6} y2={6} />
        </Swatch>
        Cohort median
      </li>
      <li className={s.legendItem}>
        <Swatch>
          <defs>
            <UnknownPattern id={hatch} />
          </defs>
          <rect x={2} y={0} width={12} height={12} fill={`url(#${hatch})`} />
        </Swatch>
        No data (unknown, not zero)
      </li>
      <li className={s.legendItem}>
        <Swatch>
          <rect className={s.nonTerm} x={2} y={0} width={12} height={12} />
          <circle className={s.nonTermDot} cx={8} cy={3} r={1.25} />
        </Swatch>
        Outside teaching
      </li>
      <li className={s.legendItem}>
        <Swatch width={24}>
          <rect className={s.windowShade} x={0} y={0} width={24} height={12} />
          <line className={s.windowEdge} x1={0.5} x2={0.5} y1={0} y2={12} />
        </Swatch>
        Last 21, 14 and 7 term days (shading deepens)
      </li>
      <li className={s.legendItem}>
        <Swatch>
          <line className={s.marker} x1={8} x2={8} y1={0} y2={12} />
        </Swatch>
        Day flagged
      </li>
    </ul>
  );
}

/** The same figures as the charts, week by week, for anyone who prefers or needs numbers. */
function WeeklyTable({ view }: { view: StudentView }) {
  const weeks = useMemo(() => {
    const out: Array<{ start: string; from: number; to: number }> = [];
    view.days.forEach((d, i) => {
      if (i % 7 === 0) out.push({ start: d, from: i, to: i });
      out.at(-1)!.to = i;
    });
    return out;
  }, [view.days]);
  const sum = (values: ReadonlyArray<number | null>, from: number, to: number) => {
    let total = 0;
    let unknown = 0;
    for (let i = from; i <= to; i++) {
      const v = values[i];
      if (v === null || v === undefined) unknown++;
      else total += v;
    }
    return unknown === to - from + 1 ? 'unknown' : `${Math.round(total * 10) / 10}${unknown ? '*' : ''}`;
  };
  const sources = SOURCES.filter((src) => view.series[src]);
  return (
    <FiguresTable>
      <caption style={{ textAlign: 'left' }}>
        Week by week: this student’s total, and the cohort median in brackets. * means some days are unknown.
      </caption>
      <thead>
        <tr>
          <th scope="col">Week from</th>
          {sources.map((src) => (
            <th key={src} scope="col">
              {SOURCE_LABELS[src]}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {weeks.map((w) => (
          <tr key={w.start}>
            <th scope="row">{shortDay(w.start)}</th>
            {sources.map((src) => (
              <td key={src}>{`${sum(view.series[src]!.counts, w.from, w.to)} (${sum(view.series[src]!.median, w.from, w.to)})`}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </FiguresTable>
  );
}

/** The student page's engagement card: one chart per source across the term, with a legend and a table alternative. */
export function StudentCharts({ view }: { view: StudentView }) {
  const styles = useStyles();
  const [ref, width] = useWidth<HTMLDivElement>(600);
  const nonTerm = useMemo(() => new Set(view.nonTermDays), [view]);
  const flaggedOn = view.case ? view.case.openedAt.slice(0, 10) : null;
  return (
    <Card className={styles.card}>
      <Subtitle2 as="h3">{view.term ? `Engagement this term (${view.term.name})` : 'Engagement over the last ten weeks'}</Subtitle2>
      <Text size={200} className={styles.muted}>
        {`Daily counts only. Bars are this student; the band is the middle half of their cohort (${view.cohortSize} students on the same programme and year) and the dashed line its median. ${view.term ? 'Weeks are term weeks.' : ''}`}
      </Text>
      <Legend />
      <div ref={ref} className={styles.charts}>
        {SOURCES.map((src) => {
          const series = view.series[src];
          if (!series) return null;
          return (
            <div key={src}>
              <Text weight="semibold">{SOURCE_LABELS[src]}</Text>
              <TermChart
                label={SOURCE_LABELS[src]}
                series={series}
                days={view.days}
                nonTermDays={nonTerm}
                windows={view.windows}
                termStart={view.term?.start ?? null}
                flaggedOn={flaggedOn}
                width={width}
              />
            </div>
          );
        })}
      </div>
      <Text size={200} className={styles.muted}>
        {view.days.length > 0 ? `${formatDay(view.days[0]!)} to ${formatDay(view.days.at(-1)!)}` : 'No days to show yet.'}
      </Text>
      {view.days.length > 0 && <WeeklyTable view={view} />}
    </Card>
  );
}
