/**
 * Wall-clock time in a named zone without a date library: one cached Intl formatter per zone. Used by the importers
 * (a zone-less export time to an instant) and the send schedule (09:00 local on a given day).
 */
import type { IsoDay } from './domain';

/** A clock reading with no zone, as exports print it: the zone is a setting, never guessed. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
export const wallDay = (w: Pick<WallTime, 'year' | 'month' | 'day'>): IsoDay => `${w.year}-${pad2(w.month)}-${pad2(w.day)}`;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading of an instant in a time zone. */
export function partsAt(timeZone: string, utcMs: number): WallTime {
  const out: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(utcMs))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return {
    year: out.year ?? 0,
    month: out.month ?? 0,
    day: out.day ?? 0,
    hour: out.hour ?? 0,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

/** Minutes the zone is ahead of UTC at an instant (60 for London in summer). */
export function zoneOffsetMinutes(timeZone: string, utcMs: number): number {
  const w = partsAt(timeZone, utcMs);
  return Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/** The UTC instant a wall-clock reading in a zone stands for; in the repeated autumn hour, the earlier one. */
export function wallToUtcMs(w: WallTime, timeZone: string): number {
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  // The offsets a day either side bracket any change; a reading is valid under an offset the zone really had then.
  const offsets = [...new Set([zoneOffsetMinutes(timeZone, guess - 86_400_000), zoneOffsetMinutes(timeZone, guess + 86_400_000)])];
  const valid = offsets
    .map((o) => guess - o * 60_000)
    .filter((t) => offsets.includes(zoneOffsetMinutes(timeZone, t)) && guess - zoneOffsetMinutes(timeZone, t) * 60_000 === t);
  // In the spring gap no reading is valid: read it with the offset from before the change, as clocks do.
  return valid.length > 0 ? Math.min(...valid) : guess - (offsets[0] ?? 0) * 60_000;
}
