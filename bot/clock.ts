import type { IsoDay } from '../shared/domain';

// Building an Intl formatter costs far more than using one, and the tab API asks for today on every request.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) formatters.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f;
}

/** Today's date in the university's time zone: evaluation days follow the campus calendar, not UTC. */
export function todayIn(timeZone: string, now: Date): IsoDay {
  const parts = formatterFor(timeZone).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
