import type { IsoDay } from '../shared/domain';

/** Today's date in the university's time zone: evaluation days follow the campus calendar, not UTC. */
export function todayIn(timeZone: string, now: Date): IsoDay {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
