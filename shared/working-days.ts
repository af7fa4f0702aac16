import { addDays, dayToUtcMs } from './calendar';
import type { IsoDay } from './domain';

const NO_CLOSURES: ReadonlySet<IsoDay> = new Set();

/** True for Monday to Friday, unless the day is a bank holiday or closure day in `closures`. */
export function isWorkingDay(day: IsoDay, closures: ReadonlySet<IsoDay> = NO_CLOSURES): boolean {
  const weekday = new Date(dayToUtcMs(day)).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !closures.has(day);
}

/** Working days that have passed after `from` up to and including `to` (0 when `to` is not later). */
export function workingDaysBetween(from: IsoDay, to: IsoDay, closures: ReadonlySet<IsoDay> = NO_CLOSURES): number {
  let n = 0;
  for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) if (isWorkingDay(day, closures)) n++;
  return n;
}
