import type { WallTime } from './dates';

/**
 * Date orders a Samis (SITS) export may print. `auto` reads ISO `2023-10-09`, UK `09/10/2023` and
 * the SITS/Oracle month names `09/Oct/2023` and `09-OCT-2023`, none of which can be confused; a
 * month-first file must say `mm/dd/yyyy`.
 */
export const SAMIS_DATE_FORMATS = ['auto', 'yyyy-mm-dd', 'dd/mm/yyyy', 'dd/Mon/yyyy', 'mm/dd/yyyy'] as const;
export type SamisDateFormat = (typeof SAMIS_DATE_FORMATS)[number];

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const NAMED = /^(\d{1,2})[/\- ]([A-Za-z]{3})[/\- ](\d{4})$/;
const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/;

function readDate(text: string, format: SamisDateFormat): [number, number, number] | null {
  const iso = ISO.exec(text);
  if (iso && (format === 'auto' || format === 'yyyy-mm-dd')) return [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  const named = NAMED.exec(text);
  if (named && (format === 'auto' || format === 'dd/Mon/yyyy')) {
    const month = MONTHS.indexOf((named[2] ?? '').toLowerCase()) + 1;
    return month > 0 ? [Number(named[3]), month, Number(named[1])] : null;
  }
  const slashed = SLASHED.exec(text);
  if (slashed && (format === 'auto' || format === 'dd/mm/yyyy')) return [Number(slashed[3]), Number(slashed[2]), Number(slashed[1])];
  if (slashed && format === 'mm/dd/yyyy') return [Number(slashed[3]), Number(slashed[1]), Number(slashed[2])];
  return null;
}

/**
 * A Samis login time: one column holding date and time (`2026-11-20 09:15:02`, `20/11/2026 09:15`,
 * `09/Oct/2023 14:02:11`), or a date-only and a time-only column given separately.
 */
export function parseSamisDateTime(dateText: string, timeText: string | null, format: SamisDateFormat = 'auto'): WallTime | null {
  let datePart = dateText.trim();
  let timePart = timeText?.trim() ?? null;
  if (timePart === null) {
    const split = /^(\S+)[ T](\S+)$/.exec(datePart);
    if (!split) return null;
    datePart = split[1] ?? '';
    timePart = split[2] ?? '';
  }
  const date = readDate(datePart, format);
  const time = TIME.exec(timePart);
  if (!date || !time) return null;
  const [year, month, day] = date;
  const [hour, minute, second] = [Number(time[1]), Number(time[2]), Number(time[3] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  return { year, month, day, hour, minute, second };
}
