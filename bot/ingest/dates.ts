import type { IsoDay } from '../../shared/domain';
import { wallDay, wallToUtcMs, zoneOffsetMinutes, type WallTime } from '../../shared/zoned-time';

export { wallDay, wallToUtcMs, zoneOffsetMinutes, type WallTime } from '../../shared/zoned-time';

export type DateLocale = 'en-GB' | 'en-US';
export const DATE_LOCALES: readonly DateLocale[] = ['en-GB', 'en-US'];

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isRealTime(hour: number, minute: number, second: number): boolean {
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
}

function build(year: number, month: number, day: number, hour: number, minute: number, second: number): WallTime | null {
  const fullYear = year < 100 ? 2000 + year : year;
  if (!isRealDate(fullYear, month, day) || !isRealTime(hour, minute, second)) return null;
  return { year: fullYear, month, day, hour, minute, second };
}

function to24(hour: number, meridiem: string | undefined): number {
  if (!meridiem) return hour;
  if (hour < 1 || hour > 12) return -1;
  const pm = meridiem.toUpperCase() === 'PM';
  return (hour % 12) + (pm ? 12 : 0);
}

const MOODLE_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4}), (\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** Moodle 4.x English `4/11/23, 11:18:42` (day first, no zone) and 3.x `2/03/21, 14:21`; a pack that prints the month first says so (MOODLE_LOG_STRINGS). */
export function parseMoodleTime(text: string, monthFirst = false): WallTime | null {
  const m = MOODLE_TIME.exec(text);
  if (!m) return null;
  const [day, month] = monthFirst ? [m[2], m[1]] : [m[1], m[2]];
  return build(Number(m[3]), Number(month), Number(day), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
}

const US_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AaPp][Mm])$/;

/** Panopto `10/9/2023 7:49:05 AM`: month first, twelve-hour clock. */
export function parsePanoptoTime(text: string): WallTime | null {
  const m = US_TIME.exec(text.trim());
  if (!m) return null;
  return build(Number(m[3]), Number(m[1]), Number(m[2]), to24(Number(m[4]), m[7]), Number(m[5]), Number(m[6] ?? 0));
}

const SLASH_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AaPp][Mm]))?$/;

export type LocaleTimeResult = { ok: true; time: WallTime } | { ok: false; reason: string };

/**
 * A date in the downloader's locale (Teams: UK `15/11/22, 09:30:17`, US `9/22/26, 2:48:05 PM`).
 * With no locale, a date that reads two ways (11/10/23) is refused rather than guessed.
 */
export function parseLocaleTime(text: string, locale: DateLocale | null): LocaleTimeResult {
  const m = SLASH_TIME.exec(text.trim());
  if (!m) return { ok: false, reason: `"${text}" is not a date and time such as 15/11/22, 09:30:17 or 9/22/26, 2:48:05 PM` };
  const a = Number(m[1]);
  const b = Number(m[2]);
  const hour = to24(Number(m[4]), m[7]);
  let effective = locale;
  if (!effective) {
    if (a === b || (a > 12 && b <= 12)) effective = 'en-GB';
    else if (b > 12 && a <= 12) effective = 'en-US';
    else
      return {
        ok: false,
        reason: `the date "${text}" could be read day-first or month-first; set TEAMS_LOCALE or pass --locale en-GB or en-US`,
      };
  }
  const time =
    effective === 'en-GB'
      ? build(Number(m[3]), b, a, hour, Number(m[5]), Number(m[6] ?? 0))
      : build(Number(m[3]), a, b, hour, Number(m[5]), Number(m[6] ?? 0));
  if (time) return { ok: true, time };
  // A locale given (or configured) that the file does not follow: say which one it does follow, when the other order reads.
  const other: DateLocale = effective === 'en-GB' ? 'en-US' : 'en-GB';
  const otherTime =
    other === 'en-GB'
      ? build(Number(m[3]), b, a, hour, Number(m[5]), Number(m[6] ?? 0))
      : build(Number(m[3]), a, b, hour, Number(m[5]), Number(m[6] ?? 0));
  if (locale && otherTime) return { ok: false, reason: wrongLocaleReason(text, locale) };
  return { ok: false, reason: `"${text}" is not a real date and time in ${effective} order` };
}

const ORDER: Record<DateLocale, string> = { 'en-GB': 'day first', 'en-US': 'month first' };

/** The reason given for a date that only reads in the other order; explainNoDate (import.command.ts) looks for "the file was downloaded with". */
export const wrongLocaleReason = (text: string, locale: DateLocale): string => {
  const other: DateLocale = locale === 'en-GB' ? 'en-US' : 'en-GB';
  return `"${text}" is not a date in ${locale} order (${ORDER[locale]}) but reads ${ORDER[other]}: the file was downloaded with ${other} dates; pass --locale ${other} (or set TEAMS_LOCALE=${other})`;
};

const ISO_OR_UK = /^(?:(\d{4})-(\d{2})-(\d{2})|(\d{1,2})\/(\d{1,2})\/(\d{4}))[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** Samis login times: `2026-11-20 09:15:02` or UK `20/11/2026 09:15[:02]`. */
export function parseSamisTime(text: string): WallTime | null {
  const m = ISO_OR_UK.exec(text.trim());
  if (!m) return null;
  const [year, month, day] = m[1] ? [Number(m[1]), Number(m[2]), Number(m[3])] : [Number(m[6]), Number(m[5]), Number(m[4])];
  return build(year, month, day, Number(m[7]), Number(m[8]), Number(m[9] ?? 0));
}

const QUARTER_HOUR_MS = 900_000;

/**
 * Turns instants into campus days. Every zone's offset is a whole number of quarter hours, so one
 * Intl call per quarter hour (cached) serves every row inside it: the hot path stays a map lookup.
 */
export function createDayOfInstant(campusTimeZone: string): (utcMs: number) => IsoDay {
  const cache = new Map<number, number>();
  return (utcMs) => {
    const bucket = Math.floor(utcMs / QUARTER_HOUR_MS);
    let offset = cache.get(bucket);
    if (offset === undefined) {
      offset = zoneOffsetMinutes(campusTimeZone, bucket * QUARTER_HOUR_MS);
      cache.set(bucket, offset);
    }
    return new Date(utcMs + offset * 60_000).toISOString().slice(0, 10);
  };
}

/**
 * Turns a wall-clock reading in the export's zone into the campus day it fell on. When both zones
 * are the same the printed date already is the campus day.
 */
export function createDayOfWallTime(sourceTimeZone: string, campusTimeZone: string): (w: WallTime) => IsoDay {
  if (sourceTimeZone === campusTimeZone) return wallDay;
  const dayOfInstant = createDayOfInstant(campusTimeZone);
  const toUtc = createWallToUtcMs(sourceTimeZone);
  return (w) => dayOfInstant(toUtc(w));
}

const DAY_MS = 86_400_000;

/**
 * `wallToUtcMs` for one zone, with the zone's offset cached per wall-clock date: on a date whose
 * offset is the same a day before it starts and a day after it ends (no clock change near it; zones
 * never change twice within three days) every reading is simply the reading minus that offset, with
 * no Intl call. Dates near a change take the full path.
 */
export function createWallToUtcMs(timeZone: string): (w: WallTime) => number {
  const steadyOffset = new Map<number, number | null>();
  return (w) => {
    const date = Date.UTC(w.year, w.month - 1, w.day);
    let offset = steadyOffset.get(date);
    if (offset === undefined) {
      const before = zoneOffsetMinutes(timeZone, date - 2 * DAY_MS);
      const after = zoneOffsetMinutes(timeZone, date + 2 * DAY_MS);
      const middle = zoneOffsetMinutes(timeZone, date);
      offset = before === after && after === middle ? after : null;
      steadyOffset.set(date, offset);
    }
    if (offset === null) return wallToUtcMs(w, timeZone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - offset * 60_000;
  };
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}
