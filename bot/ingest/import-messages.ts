import type { Rejection } from './tally';

/** The top line when no row had a usable date: when dates read two ways were the cause, the fix is the locale. */
export function explainNoDate(rejections: readonly Rejection[]): string {
  const ambiguous = rejections.filter((r) => r.reason.includes('could be read day-first or month-first')).length;
  const wrongLocale = rejections.map((r) => /the file was downloaded with (en-GB|en-US) dates/.exec(r.reason)?.[1]).filter(Boolean);
  const other = wrongLocale[0];
  if (other && wrongLocale.length * 2 >= rejections.length)
    return `no row in the file has a usable date in the locale given: ${wrongLocale.length} date(s) read only ${other === 'en-GB' ? 'day first' : 'month first'}, so the file was downloaded with ${other} dates. Pass --locale ${other} (or set TEAMS_LOCALE=${other}) and import the file again`;
  if (ambiguous > 0)
    return `no row in the file has a usable date: ${ambiguous} date(s) could be read day-first or month-first (such as 11/10/23). Pass --locale en-GB (day first) or --locale en-US (month first), or set TEAMS_LOCALE, and import the file again`;
  return 'no row in the file has a usable date, so the days it covers are unknown';
}
