/** Rearranges `a` so that a[k] holds the k-th smallest value, smaller ones before it and larger ones after (quickselect). */
function selectInPlace(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot keeps sorted and constant inputs linear.
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * The p-th percentile (0..100) of the values, interpolating between neighbours (as spreadsheets do);
 * NaN when there are none. Reorders `values`; linear time, since it runs for every cohort and source.
 */
export function percentile(values: Float64Array, p: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  selectInPlace(values, lo);
  const a = values[lo] as number;
  if (h === lo || lo + 1 >= n) return a;
  let b = Number.POSITIVE_INFINITY;
  for (let i = lo + 1; i < n; i++) if ((values[i] as number) < b) b = values[i] as number;
  return a + (b - a) * (h - lo);
}

/** Rounds for display: whole numbers stay whole, others keep one decimal. */
export function roundForDisplay(value: number): number {
  return Math.round(value * 10) / 10;
}
