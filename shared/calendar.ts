import type { IsoDay } from './domain';

export interface Term {
  name: string;
  start: IsoDay;
  end: IsoDay;
  /** Inclusive day ranges inside the term that pause monitoring (reading weeks, short vacations). */
  excluded: ReadonlyArray<{ start: IsoDay; end: IsoDay; label: string }>;
}

const DAY_MS = 86_400_000;

/** Parses `YYYY-MM-DD` as a UTC midnight timestamp; calendar arithmetic never touches local time. */
export function dayToUtcMs(day: IsoDay): number {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not a calendar day: ${day}`);
  return ms;
}

/** Formats a UTC timestamp as `YYYY-MM-DD`. */
export function utcMsToDay(ms: number): IsoDay {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Adds (or with a negative n, subtracts) whole days. */
export function addDays(day: IsoDay, n: number): IsoDay {
  return utcMsToDay(dayToUtcMs(day) + n * DAY_MS);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: IsoDay, to: IsoDay): number {
  return Math.round((dayToUtcMs(to) - dayToUtcMs(from)) / DAY_MS);
}

/** True when the day falls inside a term and outside its excluded weeks. */
export function isTermDay(day: IsoDay, terms: readonly Term[]): boolean {
  return terms.some((t) => day >= t.start && day <= t.end && !t.excluded.some((x) => day >= x.start && day <= x.end));
}

/**
 * The last `n` term days strictly before `today`, oldest first. Vacations pause the window, so the
 * result may reach back across a reading week; it holds fewer than `n` days early in a term.
 */
export function lastTermDays(today: IsoDay, n: number, terms: readonly Term[]): IsoDay[] {
  const days: IsoDay[] = [];
  const earliest = terms.reduce<IsoDay | null>((min, t) => (min === null || t.start < min ? t.start : min), null);
  if (earliest === null) return days;
  for (let day = addDays(today, -1); days.length < n && day >= earliest; day = addDays(day, -1)) {
    if (isTermDay(day, terms)) days.push(day);
  }
  return days.reverse();
}
