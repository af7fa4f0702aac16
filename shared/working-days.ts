import { addDays, dayToUtcMs } from './calendar';
import type { IsoDay } from './domain';

/** True for Monday to Friday. */
export function isWorkingDay(day: IsoDay): boolean {
  const weekday = new Date(dayToUtcMs(day)).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** Working days that have passed after `from` up to and including `to` (0 when `to` is not later). */
export function workingDaysBetween(from: IsoDay, to: IsoDay): number {
  let n = 0;
  for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) if (isWorkingDay(day)) n++;
  return n;
}
