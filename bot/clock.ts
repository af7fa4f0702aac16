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

/** Waits `ms`. Delivery and retry code take it as a dependency, so tests can record the waits instead of sitting through them. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What code that waits and retries needs from the world: a monotonic-enough clock in ms, a way to wait,
 * and randomness for jitter. Production uses the real ones; tests pass a virtual time.
 */
export interface Timers {
  clockMs: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const REAL_TIMERS: Timers = { clockMs: () => Date.now(), sleep, random: Math.random };
