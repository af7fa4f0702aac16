import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from './bank-holidays';
import { addDays } from './calendar';
import type { IsoDay } from './domain';
import { isWorkingDay } from './working-days';

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

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(timeZone: string, ms: number): { day: IsoDay; minute: DayMinute; utcOfWall: number } {
  let f = formatters.get(timeZone);
  if (!f)
    formatters.set(
      timeZone,
      (f = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })),
    );
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const [y, mo, d, h, mi, s] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map((k) => Number(parts[k]));
  return {
    day: `${parts.year}-${parts.month}-${parts.day}`,
    minute: h! * 60 + mi!,
    utcOfWall: Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + (ms % 1000),
  };
}

/** The local day and minute of an instant in a time zone. */
export function localTime(timeZone: string, at: Date): { day: IsoDay; minute: DayMinute } {
  const { day, minute } = wallClock(timeZone, at.getTime());
  return { day, minute };
}

/** The instant a local day and time happen in a time zone (summer time and winter time alike). */
export function zonedInstant(timeZone: string, day: IsoDay, minute: DayMinute): Date {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y!, m! - 1, d!, Math.floor(minute / 60), minute % 60);
  const offset = (ms: number) => wallClock(timeZone, ms).utcOfWall - ms;
  let at = wall - offset(wall);
  // Near a clock change the offset at the guess may differ from the offset at the answer.
  const second = offset(at);
  if (wall - second !== at) at = wall - second;
  return new Date(at);
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
