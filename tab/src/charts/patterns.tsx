import { useCategoryStyles, useChartStyles } from './chartStyles';

export const CATEGORY_COUNT = 7;

/** Ink marks for category k on an 8x8 tile: none, diagonal, dots, horizontal, cross-hatch, other diagonal, vertical. */
function ink(k: number, inkClass: string, inkFillClass: string) {
  switch (k % CATEGORY_COUNT) {
    case 1:
      return <path className={inkClass} d="M-2 2l4-4M0 8l8-8M6 10l4-4" />;
    case 2:
      return <circle className={inkFillClass} cx={4} cy={4} r={1.4} />;
    case 3:
      return <path className={inkClass} d="M0 4h8" />;
    case 4:
      return <path className={inkClass} d="M0 0l8 8M8 0l-8 8" />;
    case 5:
      return <path className={inkClass} d="M-2 6l4 4M0 0l8 8M6 -2l4 4" />;
    case 6:
      return <path className={inkClass} d="M4 0v8" />;
    default:
      return null;
  }
}

/** One <pattern> per category: a colour and a texture, so a category reads in greyscale and in forced colours. */
export function CategoryPatterns({ id }: { id: string }) {
  const c = useCategoryStyles();
  const classes = [c.c0, c.c1, c.c2, c.c3, c.c4, c.c5, c.c6];
  return (
    <defs>
      {classes.map((cls, k) => (
        <pattern key={k} id={`${id}-${k}`} width={8} height={8} patternUnits="userSpaceOnUse">
          <rect className={cls} width={8} height={8} />
          {ink(k, c.ink, c.inkFill)}
        </pattern>
      ))}
    </defs>
  );
}

/** Diagonal hatching for days whose data is unknown. */
export function UnknownPattern({ id }: { id: string }) {
  const s = useChartStyles();
  return (
    <pattern id={id} width={6} height={6} patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
      <rect className={s.hatchBack} width={6} height={6} />
      <path className={s.hatch} d="M0 0v6" />
    </pattern>
  );
}

/** A small legend swatch drawing the same marks as the chart. */
export function Swatch({ children, width = 16 }: { children: React.ReactNode; width?: number }) {
  const s = useChartStyles();
  return (
    <svg className={s.svg} width={width} height={12} viewBox={`0 0 ${width} 12`} aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}
