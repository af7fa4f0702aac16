import { SOURCES, SOURCE_LABELS, type IsoDay, type Source } from '../domain';
import { lastTermDays } from '../calendar';
import { requiredWindows, type RulesConfig } from './config';
import { summariseDailyCounts, summariseMatrix } from './summarise';
import type { RuleId, RuleStudent, RulesInput, SummarisedActivity } from './types';

// The evaluation context every rule and warning reads: built once per evaluation from the input.

export const SOURCE_COUNT = SOURCES.length;
export const EXPLAINED_WINDOWS = [7, 14, 21] as const;
export const RULE_LABELS: Record<RuleId, string> = {
  no_engagement: 'no engagement',
  low_engagement: 'low engagement',
  sharp_drop: 'sharp drop',
  silent_source: 'silent source',
};

/** What every rule reads: the term days, the window sums' layout and which sources are known per window. */
export interface Context {
  config: RulesConfig;
  today: IsoDay;
  /** The last term days before today, oldest first, as many as the longest window needs (fewer early in term). */
  days: readonly IsoDay[];
  activity: SummarisedActivity;
  /** Offset of each window length inside a summary's per-source block. */
  offset: ReadonlyMap<number, number>;
  stride: number;
  /** Per window length, per source: share (0..1) of the window's term days with complete data. */
  share: ReadonlyMap<number, readonly number[]>;
  /** Per window length, per source: whether the source counts as known for that window. */
  usable: ReadonlyMap<number, readonly boolean[]>;
  usableCount: ReadonlyMap<number, number>;
  plans: Plans;
}

/** One window's layout, looked up once per evaluation so the per-student loop does no map lookups. */
export interface WindowPlan {
  n: number;
  offset: number;
  ready: boolean;
  usable: readonly boolean[];
  usableCount: number;
}

export interface Plans {
  noEngagement: WindowPlan;
  low: WindowPlan;
  dropRecent: WindowPlan;
  dropWhole: WindowPlan;
  silent: WindowPlan;
}

export interface CohortStats {
  programme: string;
  year: number;
  size: number;
  /** Per window length, per source: median over the cohort, NaN when the source is unknown for that window. */
  medians: Map<number, Float64Array>;
  lowPercentile: number;
  lowMedian: number;
}

export interface Member {
  student: RuleStudent;
  /** The student's row in the activity summary, or -1 when they had no activity at all. */
  row: number;
}

export function buildContext(input: RulesInput): Context {
  const { config, today } = input;
  const windows = requiredWindows(config);
  const longest = windows[windows.length - 1] ?? 21;
  const days = lastTermDays(today, longest, input.terms);
  const activity =
    input.activity ??
    (input.matrix ? summariseMatrix(input.matrix, days, windows, today) : summariseDailyCounts(input.counts, days, windows, today));
  const offset = new Map<number, number>();
  for (const n of windows) {
    const at = activity.windows.indexOf(n);
    if (at < 0) throw new Error(`the activity summary has no ${n}-term-day window; summarise with requiredWindows(config)`);
    offset.set(n, at);
  }
  const share = new Map<number, number[]>();
  const usable = new Map<number, boolean[]>();
  const usableCount = new Map<number, number>();
  for (const n of windows) {
    const span = days.slice(-n);
    const shares = SOURCES.map((source) => {
      const known = input.coverage.get(source);
      if (span.length === 0 || !known) return 0;
      let hits = 0;
      for (const day of span) if (known.has(day)) hits++;
      return hits / span.length;
    });
    const ok = shares.map((s) => span.length >= n && s >= config.coverage.minSourceShare);
    share.set(n, shares);
    usable.set(n, ok);
    usableCount.set(n, ok.filter(Boolean).length);
  }
  const plan = (n: number): WindowPlan => ({
    n,
    offset: offset.get(n) ?? 0,
    ready: days.length >= n,
    usable: usable.get(n) ?? [],
    usableCount: usableCount.get(n) ?? 0,
  });
  const plans: Plans = {
    noEngagement: plan(config.noEngagement.days),
    low: plan(config.lowEngagement.days),
    dropRecent: plan(config.sharpDrop.recentDays),
    dropWhole: plan(config.sharpDrop.recentDays + config.sharpDrop.baselineDays),
    silent: plan(config.silentSource.days),
  };
  return { config, today, days, activity, offset, stride: activity.windows.length, share, usable, usableCount, plans };
}

export const sumAt = (ctx: Context, row: number, s: number, plan: WindowPlan): number =>
  row < 0 ? 0 : (ctx.activity.sums[(row * SOURCE_COUNT + s) * ctx.stride + plan.offset] as number);

export const sumOf = (ctx: Context, row: number, s: number, n: number): number =>
  row < 0 ? 0 : (ctx.activity.sums[(row * SOURCE_COUNT + s) * ctx.stride + (ctx.offset.get(n) ?? 0)] ?? 0);
export const isReady = (ctx: Context, n: number): boolean => ctx.days.length >= n;
export const isUsable = (ctx: Context, s: number, n: number): boolean => ctx.usable.get(n)?.[s] ?? false;
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
export const labelOf = (s: number): string => SOURCE_LABELS[SOURCES[s] as Source];
export const cohortName = (c: { programme: string; year: number }): string => `${c.programme} year ${c.year}`;

/** A student's total over a window, from the sources usable in it. */
export function knownTotal(ctx: Context, row: number, plan: WindowPlan): number {
  let total = 0;
  for (let s = 0; s < SOURCE_COUNT; s++) if (plan.usable[s]) total += sumAt(ctx, row, s, plan);
  return total;
}
