import { percentile } from './stats';
import { EXPLAINED_WINDOWS, SOURCE_COUNT, isReady, isUsable, knownTotal, type CohortStats, type Context, type Member } from './context';

// A cohort's medians per window and source, and its low-engagement percentile: computed once per cohort,
// not per student, so plain imports serve here (see evaluate.ts on the per-student loop).
function median(values: Float64Array): number {
  return percentile(values, 50);
}

export function buildCohortStats(ctx: Context, members: readonly Member[], programme: string, year: number): CohortStats {
  const { config } = ctx;
  const size = members.length;
  const values = new Float64Array(size);
  const medians = new Map<number, Float64Array>();
  for (const n of new Set([...EXPLAINED_WINDOWS, config.silentSource.days])) {
    const row = new Float64Array(SOURCE_COUNT).fill(Number.NaN);
    if (isReady(ctx, n) && size > 0) {
      for (let s = 0; s < SOURCE_COUNT; s++) {
        if (!isUsable(ctx, s, n)) continue;
        const at = s * ctx.stride + (ctx.offset.get(n) ?? 0);
        const rowStride = SOURCE_COUNT * ctx.stride;
        const sums = ctx.activity.sums;
        for (let i = 0; i < size; i++) {
          const row = (members[i] as Member).row;
          values[i] = row < 0 ? 0 : (sums[row * rowStride + at] as number);
        }
        row[s] = median(values);
      }
    }
    medians.set(n, row);
  }
  let lowPercentile = Number.NaN;
  let lowMedian = Number.NaN;
  const low = config.lowEngagement;
  if (isReady(ctx, low.days) && size > 0) {
    for (let i = 0; i < size; i++) values[i] = knownTotal(ctx, (members[i] as Member).row, ctx.plans.low);
    lowPercentile = percentile(values, low.cohortPercentile);
    lowMedian = percentile(values, 50);
  }
  return { programme, year, size, medians, lowPercentile, lowMedian };
}
