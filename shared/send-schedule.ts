import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from './bank-holidays';
import { addDays } from './calendar';
import type { IsoDay } from './domain';
import { isWorkingDay } from './working-days';
import { partsAt, wallDay, wallToUtcMs } from './zoned-time';

/** A local time of day, as minutes after midnight. */
export type DayMinute = number;

/** Hours in which no routine message goes to staff; `start` after `end` wraps past midnight (19:00-08:00). */
export interface QuietHours {
  start: DayMinute;
  end: DayMinute;
}

/**
 * When routine messages to staff may go: the daily digest at one local time on working days, and
 * nothing routine in quiet hours. Urgent messages (a risk message, the missing-student procedure)
 * and escalations ignore it.
 */
export interface SendSchedule {
  timeZone: string;
  digestAt: DayMinute;
  quietHours: QuietHours | null;
  /** Bank holidays and closure days: no digest goes on them. */
  closures: ReadonlySet<IsoDay>;
}

/** "09:00" as minutes after midnight, or null when it is not a time of day. */
export function parseDayMinute(text: string): DayMinute | null {
  const m = /^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** "19:00-08:00" as quiet hours; "off" (or empty) for none; undefined when it cannot be read. */
export function parseQuietHours(text: string): QuietHours | null | undefined {
  if (/^\s*(off|none)?\s*$/i.test(text)) return null;
  const [from, to, ...rest] = text.split('-');
  if (from === undefined || to === undefined || rest.length > 0) return undefined;
  const start = parseDayMinute(from);
  const end = parseDayMinute(to);
  if (start === null || end === null || start === end) return undefined;
  return { start, end };
}

export const formatDayMinute = (minute: DayMinute): string =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

export function isQuiet(minute: DayMinute, quiet: QuietHours | null): boolean {
  if (!quiet) return false;
  return quiet.start < quiet.end ? minute >= quiet.start && minute < quiet.end : minute >= quiet.start || minute < quiet.end;
}

/** The local day and minute of an instant in a time zone. */
export function localTime(timeZone: string, at: Date): { day: IsoDay; minute: DayMinute } {
  const w = partsAt(timeZone, at.getTime());
  return { day: wallDay(w), minute: w.hour * 60 + w.minute };
}

/** The instant a local day and time happen in a time zone (summer time and winter time alike). */
export function zonedInstant(timeZone: string, day: IsoDay, minute: DayMinute): Date {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(
    wallToUtcMs({ year: year!, month: month!, day: date!, hour: Math.floor(minute / 60), minute: minute % 60, second: 0 }, timeZone),
  );
}

/** When the next daily digest goes: the first working day's digest time that is later than `now`. */
export function nextDigestTime(now: Date, schedule: SendSchedule): { day: IsoDay; at: Date } {
  let day = localTime(schedule.timeZone, now).day;
  // A year of closures back to back is not a calendar anyone keeps; the bound only guards a mistake.
  for (let i = 0; i < 400; i++, day = addDays(day, 1)) {
    if (!isWorkingDay(day, schedule.closures)) continue;
    const at = zonedInstant(schedule.timeZone, day, schedule.digestAt);
    if (at.getTime() > now.getTime()) return { day, at };
  }
  throw new Error('No working day in the next 400 days: check CLOSURE_DAYS.');
}

/** When a routine message to staff written at `now` may go: now, or the end of the quiet hours it falls in. */
export function routineSendTime(now: Date, schedule: Pick<SendSchedule, 'timeZone' | 'quietHours'>): Date {
  const quiet = schedule.quietHours;
  const { day, minute } = localTime(schedule.timeZone, now);
  if (!quiet || !isQuiet(minute, quiet)) return now;
  // In the evening part of hours that wrap past midnight, the quiet ends tomorrow morning.
  const endDay = quiet.start > quiet.end && minute >= quiet.start ? addDays(day, 1) : day;
  return zonedInstant(schedule.timeZone, endDay, quiet.end);
}

/** The schedule with every setting at its default (DIGEST_TIME, QUIET_HOURS, TIME_ZONE, CLOSURE_DAYS). */
export const DEFAULT_SEND_SCHEDULE: SendSchedule = Object.freeze({
  timeZone: 'Europe/London',
  digestAt: 9 * 60,
  quietHours: Object.freeze({ start: 19 * 60, end: 8 * 60 }),
  closures: new Set(ENGLAND_AND_WALES_BANK_HOLIDAYS),
});

/** The time a routine staff message written now carries as `notBefore`: undefined when it may go at once. */
export function routineNotBefore(now: Date, schedule: Pick<SendSchedule, 'timeZone' | 'quietHours'> | undefined): string | undefined {
  if (!schedule) return undefined;
  const at = routineSendTime(now, schedule);
  return at.getTime() > now.getTime() ? at.toISOString() : undefined;
}
