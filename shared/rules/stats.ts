/** The p-th percentile (0..100) of already sorted values, interpolating between neighbours; NaN when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (h - lo);
}

/** The p-th percentile (0..100) of the values, which are sorted in place. */
export function percentile(values: Float64Array, p: number): number {
  values.sort();
  return percentileOfSorted(values, p);
}

/** Rounds for display: whole numbers stay whole, others keep one decimal. */
export function roundForDisplay(value: number): number {
  return Math.round(value * 10) / 10;
}
