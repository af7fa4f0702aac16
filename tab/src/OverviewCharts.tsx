import { Text } from '@fluentui/react-components';
import { FIRST_CONTACT_BANDS, type Overview } from '../../shared/api/overview';
import { CASE_OUTCOME_LABELS } from '../../shared/cases';
import { useChartStyles } from './charts/chartStyles';
import { CATEGORY_COUNT, CategoryPatterns, Swatch, UnknownPattern } from './charts/patterns';
import { ChartSvg, FiguresTable, TexturedRect } from './charts/parts';
import { niceScale, shortDay, usePatternId, useWidth } from './charts/scale';
import { formatDay } from './words';

const LEFT = 34;
const RIGHT = 10;
const TOP = 10;
const PLOT = 120;
const BOTTOM = 22;
const MIN_LABEL_GAP = 56;
const TICK_STEPS = [1, 2, 7, 14, 28, 56, 91];

const ruleName = (rule: string) => rule.replace(/_/g, ' ');

/** Students with an open case at the end of each day (line and points) and cases opened that day (bars). */
export function FlaggedOverTimeChart({ points }: { points: Overview['flaggedOverTime'] }) {
  const s = useChartStyles();
  const openedPattern = usePatternId('opened');
  const [ref, width] = useWidth<HTMLDivElement>(320);
  if (points.length === 0) return <Text>No student has been flagged yet; the chart starts with the first case.</Text>;
  const plotW = Math.max(100, width - LEFT - RIGHT);
  const step = plotW / points.length;
  const x = (i: number) => LEFT + i * step + step / 2;
  const scale = niceScale(Math.max(...points.map((p) => Math.max(p.flagged, p.opened))), 4);
  const y = (v: number) => TOP + PLOT - (v / scale.max) * PLOT;
  const every = TICK_STEPS.find((n) => n * step >= MIN_LABEL_GAP) ?? Math.ceil(MIN_LABEL_GAP / step);
  const height = TOP + PLOT + BOTTOM;
  const first = points[0]!;
  const last = points.at(-1)!;
  const peak = points.reduce((a, b) => (b.flagged > a.flagged ? b : a), first);
  const summary =
    `Students flagged over time, ${formatDay(first.day)} to ${formatDay(last.day)}: ${first.flagged} with an open case at the start, ` +
    `${last.flagged} now, at most ${peak.flagged} (on ${formatDay(peak.day)}); ${points.reduce((a, p) => a + p.opened, 0)} cases opened and ` +
    `${points.reduce((a, p) => a + p.closed, 0)} closed over the period.`;
  return (
    <div ref={ref} style={{ minWidth: 0 }}>
      <ul className={s.legend} aria-label="Chart legend">
        <li className={s.legendItem}>
          <Swatch>
            <line className={s.line} x1={0} x2={16} y1={6} y2={6} />
            <circle className={s.point} cx={8} cy={6} r={3} />
          </Swatch>
          Students with an open case (end of day)
        </li>
        <li className={s.legendItem}>
          <Swatch>
            <CategoryPatterns id={`${openedPattern}-legend`} />
            <TexturedRect x={3} y={2} width={10} height={10} fill={`url(#${openedPattern}-legend-1)`} />
          </Swatch>
          Cases opened that day
        </li>
      </ul>
      <ChartSvg summary={summary} width={width} height={height} testId="flagged-chart">
        <CategoryPatterns id={openedPattern} />
        {scale.ticks.map((t) => (
          <g key={t}>
            {t > 0 && <line className={s.grid} x1={LEFT} x2={LEFT + plotW} y1={y(t)} y2={y(t)} />}
            <text className={s.text} x={LEFT - 4} y={y(t) + 3.5} textAnchor="end">
              {t}
            </text>
          </g>
        ))}
        {points.map((p, i) =>
          p.opened > 0 ? (
            <g key={`o${p.day}`}>
              <TexturedRect
                x={x(i) - Math.max(1, step * 0.35)}
                y={y(p.opened)}
                width={Math.max(2, step * 0.7)}
                height={TOP + PLOT - y(p.opened)}
                fill={`url(#${openedPattern}-1)`}
              />
            </g>
          ) : null,
        )}
        {points.length > 1 && <polyline className={s.line} points={points.map((p, i) => `${x(i)},${y(p.flagged)}`).join(' ')} />}
        {points.map((p, i) => (
          <circle
            key={`p${p.day}`}
            className={s.point}
            cx={x(i)}
            cy={y(p.flagged)}
            r={step > 6 ? 3 : 2}
            data-testid="flagged-point"
            data-day={p.day}
            data-value={p.flagged}
          >
            <title>{`${formatDay(p.day)}: ${p.flagged} open, ${p.opened} opened, ${p.closed} closed`}</title>
          </circle>
        ))}
        <line className={s.axis} x1={LEFT} x2={LEFT + plotW} y1={TOP + PLOT} y2={TOP + PLOT} />
        <line className={s.axis} x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + PLOT} />
        {points.map((p, i) =>
          i % every === 0 ? (
            <g key={`d${p.day}`} data-testid="date-tick">
              <line className={s.axis} x1={x(i)} x2={x(i)} y1={TOP + PLOT} y2={TOP + PLOT + 4} />
              <text className={s.text} x={x(i)} y={TOP + PLOT + 16} textAnchor={i === 0 ? 'start' : 'middle'}>
                {shortDay(p.day)}
              </text>
            </g>
          ) : null,
        )}
      </ChartSvg>
      <FiguresTable>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Open at end of day</th>
            <th scope="col">Opened</th>
            <th scope="col">Closed</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.day}>
              <th scope="row">{formatDay(p.day)}</th>
              <td>{p.flagged}</td>
              <td>{p.opened}</td>
              <td>{p.closed}</td>
            </tr>
          ))}
        </tbody>
      </FiguresTable>
    </div>
  );
}

const hoursWords = (h: number | null) => (h === null ? 'none yet' : h < 48 ? `${h} hours` : `${Math.round((h / 24) * 10) / 10} days`);

/** How long cases waited for a first staff action, in bands, with the cases still waiting hatched. */
export function FirstContactChart({ firstContact }: { firstContact: Overview['firstContact'] }) {
  const s = useChartStyles();
  const hatchId = usePatternId('waiting');
  const [ref, width] = useWidth<HTMLDivElement>(320);
  const rows = [
    ...FIRST_CONTACT_BANDS.map((b, i) => ({ label: b.label, cases: firstContact.bands[i] ?? 0, waiting: false })),
    { label: 'No action yet', cases: firstContact.waiting, waiting: true },
  ];
  const labelW = 104;
  const rowH = 20;
  const barMax = Math.max(40, width - labelW - 36);
  const max = Math.max(1, ...rows.map((r) => r.cases));
  const height = rows.length * rowH + 4;
  const summary = `Time to first contact: ${rows.map((r) => `${r.label.toLowerCase()} ${r.cases}`).join(', ')}.`;
  return (
    <div ref={ref} style={{ minWidth: 0 }}>
      <Text block>
        {firstContact.medianHours === null
          ? 'No case has been acted on yet.'
          : `Median ${hoursWords(firstContact.medianHours)}; the middle half between ${hoursWords(firstContact.p25Hours)} and ${hoursWords(firstContact.p75Hours)}; 90% within ${hoursWords(firstContact.p90Hours)} (${firstContact.cases} cases).`}
      </Text>
      <ChartSvg summary={summary} width={width} height={height} testId="first-contact-chart">
        <defs>
          <UnknownPattern id={hatchId} />
        </defs>
        {rows.map((r, i) => {
          const w = (r.cases / max) * barMax;
          const top = i * rowH + 3;
          return (
            <g key={r.label}>
              <text className={r.waiting ? s.strongText : s.text} x={labelW - 6} y={top + 11} textAnchor="end">
                {r.label}
              </text>
              {r.cases > 0 &&
                (r.waiting ? (
                  <TexturedRect x={labelW} y={top} width={w} height={14} fill={`url(#${hatchId})`} />
                ) : (
                  <rect className={s.bar} x={labelW} y={top} width={w} height={14} />
                ))}
              <text className={s.text} x={labelW + w + 4} y={top + 11}>
                {r.cases}
              </text>
            </g>
          );
        })}
        <line className={s.axis} x1={labelW} x2={labelW} y1={0} y2={height} />
      </ChartSvg>
    </div>
  );
}

/** Per rule, how its cases ended: one stacked bar per rule, each outcome a colour and a texture. */
export function OutcomesByRuleChart({ rows }: { rows: Overview['outcomesByRule'] }) {
  const s = useChartStyles();
  const patterns = usePatternId('outcome');
  const [ref, width] = useWidth<HTMLDivElement>(320);
  if (rows.length === 0) return <Text>No cases yet.</Text>;
  const categories = [
    ...(rows[0]?.outcomes.map((o) => ({ key: o.outcome, label: CASE_OUTCOME_LABELS[o.outcome] })) ?? []),
    { key: 'none', label: 'No outcome yet' },
  ];
  const values = (r: Overview['outcomesByRule'][number]) => [...r.outcomes.map((o) => o.cases), r.noOutcomeYet];
  const max = Math.max(1, ...rows.map((r) => values(r).reduce((a, b) => a + b, 0)));
  const barMax = Math.max(60, width - 40);
  const rowH = 40;
  const height = rows.length * rowH;
  const pattern = (k: number) => `url(#${patterns}-${k % CATEGORY_COUNT})`;
  const summary = `Outcomes per rule: ${rows
    .map(
      (r) =>
        `${ruleName(r.rule)}: ${
          values(r)
            .map((v, k) => `${categories[k]!.label.toLowerCase()} ${v}`)
            .filter((_, k) => values(r)[k]! > 0)
            .join(', ') || 'no cases'
        }`,
    )
    .join('; ')}.`;
  return (
    <div ref={ref} style={{ minWidth: 0 }}>
      <ul className={s.legend} aria-label="Chart legend">
        {categories.map((c, k) => (
          <li key={c.key} className={s.legendItem}>
            <Swatch>
              <CategoryPatterns id={`${patterns}-l${k}`} />
              <TexturedRect x={1} y={1} width={14} height={10} fill={`url(#${patterns}-l${k}-${k % CATEGORY_COUNT})`} />
            </Swatch>
            {c.label}
          </li>
        ))}
      </ul>
      <ChartSvg summary={summary} width={width} height={height} testId="outcomes-chart">
        <CategoryPatterns id={patterns} />
        {rows.map((r, i) => {
          const top = i * rowH;
          const vs = values(r);
          const total = vs.reduce((a, b) => a + b, 0);
          let at = 0;
          return (
            <g key={r.rule}>
              <text className={s.strongText} x={0} y={top + 12}>{`${ruleName(r.rule)} (${total})`}</text>
              {vs.map((v, k) => {
                if (v === 0) return null;
                const w = (v / max) * barMax;
                const x0 = at;
                at += w;
                return (
                  <g key={k}>
                    <TexturedRect x={x0} y={top + 17} width={w} height={16} fill={pattern(k)}>
                      <title>{`${categories[k]!.label}: ${v}`}</title>
                    </TexturedRect>
                  </g>
                );
              })}
            </g>
          );
        })}
      </ChartSvg>
      <FiguresTable>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            {categories.map((c) => (
              <th key={c.key} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.rule}>
              <th scope="row">{ruleName(r.rule)}</th>
              {values(r).map((v, k) => (
                <td key={k}>{v}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </FiguresTable>
    </div>
  );
}
