import { SOURCES, type IsoDay } from '../domain';
import type { ActivitySummary, DailyCounts, SummarisedActivity } from './types';

const SOURCE_COUNT = SOURCES.length;

/** A summary with no activity at all, shaped for `windows`. */
export function emptySummary(windows: readonly number[]): ActivitySummary {
  return { sums: new Float64Array(SOURCE_COUNT * windows.length), lastActive: SOURCES.map(() => null) };
}

/**
 * Sums daily counts into the windows the rules read: `termDays` are the last term days before today,
 * oldest first (vacation days are not in it, so their counts never enter a window). `lastActive`
 * looks at every day held from `since` to the day before today, term time or not.
 */
export function summariseDailyCounts(
  counts: ReadonlyMap<string, DailyCounts>,
  termDays: readonly IsoDay[],
  windows: readonly number[],
  today: IsoDay,
  since: IsoDay = '0000-01-01',
): SummarisedActivity {
  const age = new Map<IsoDay, number>();
  for (let i = 0; i < termDays.length; i++) age.set(termDays[i] as IsoDay, termDays.length - 1 - i);
  const windowCount = windows.length;
  const students = new Map<string, ActivitySummary>();
  for (const [studentId, byDay] of counts) {
    const sums = new Float64Array(SOURCE_COUNT * windowCount);
    const lastActive: Array<IsoDay | null> = SOURCES.map(() => null);
    for (const [day, bySource] of byDay) {
      if (day >= today || day < since) continue;
      const dayAge = age.get(day);
      for (let s = 0; s < SOURCE_COUNT; s++) {
        const n = bySource[SOURCES[s]!];
        if (n === undefined || n <= 0) continue;
        const latest = lastActive[s];
        if (latest === null || latest === undefined || day > latest) lastActive[s] = day;
        if (dayAge === undefined) continue;
        for (let w = 0; w < windowCount; w++) if (dayAge < windows[w]!) sums[s * windowCount + w]! += n;
      }
    }
    students.set(studentId, { sums, lastActive });
  }
  return { windows, since, students };
}
