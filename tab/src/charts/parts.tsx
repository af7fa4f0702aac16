import type { ReactNode } from 'react';
import { useChartStyles } from './chartStyles';

/** A chart's drawing: one image to a screen reader, named by its summary in words. */
export function ChartSvg({
  summary,
  width,
  height,
  testId,
  children,
}: {
  summary: string;
  width: number;
  height: number;
  testId: string;
  children: ReactNode;
}) {
  const s = useChartStyles();
  return (
    <svg
      className={s.svg}
      role="img"
      aria-label={summary}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      data-testid={testId}
    >
      {children}
    </svg>
  );
}

/** A box filled with a texture and outlined, so it reads by its pattern and edge as well as its colour. */
export function TexturedRect({
  x,
  y,
  width,
  height,
  fill,
  children,
}: {
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  children?: ReactNode;
}) {
  const s = useChartStyles();
  return (
    <>
      <rect x={x} y={y} width={width} height={height} fill={fill}>
        {children}
      </rect>
      <rect className={s.outline} x={x} y={y} width={width} height={height} />
    </>
  );
}

/** A chart's figures as a table, folded away beneath it. */
export function FiguresTable({ children }: { children: ReactNode }) {
  const s = useChartStyles();
  return (
    <details>
      <summary>Show the figures as a table</summary>
      <div className={s.tableWrap}>
        <table className={s.table}>{children}</table>
      </div>
    </details>
  );
}
