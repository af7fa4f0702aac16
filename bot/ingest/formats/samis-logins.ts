import { createDayOfWallTime } from '../dates';
import { parseSamisDateTime } from '../samis-dates';
import { identityKey } from '../tally';
import { FormatError, findColumns, normaliseHeader, separatorHint, type ExportFormat } from './format';

/** The Samis portal login export: one row per login, a student code and a time (column names from config). */
export const samisLoginsFormat: ExportFormat = {
  id: 'samis-logins',
  label: 'Samis login export',
  expects: 'a student code column and a login time column (by default STU_CODE and LOGIN_TIME; see SAMIS_LOGIN_COLUMNS)',
  produces: ['samis_login'],
  // Column names are configuration, so the header is checked in start() where the settings are.
  matches: () => true,
  start(header, settings, tally) {
    const wanted = settings.samisLoginColumns;
    const c = findColumns(header, { code: wanted.studentCode, time: wanted.time });
    const dateIndex = wanted.date ? header.map(normaliseHeader).indexOf(normaliseHeader(wanted.date)) : -1;
    if (!c || (wanted.date && dateIndex < 0)) {
      const quoted = [wanted.studentCode, ...(wanted.date ? [wanted.date] : []), wanted.time].map((n) => `"${n}"`);
      const names = `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
      throw new FormatError(
        `the Samis login export needs the columns ${names} (set SAMIS_LOGIN_COLUMNS to use other names); found: ${header.map(normaliseHeader).slice(0, 12).join(', ')}.${separatorHint(header)}`,
      );
    }
    const format = wanted.dateFormat ?? 'auto';
    const dayOf = createDayOfWallTime(settings.sourceTimeZone, settings.campusTimeZone);
    return {
      row(fields, line) {
        if (fields.length !== header.length) return tally.reject(line, `has ${fields.length} fields where the header has ${header.length}`);
        const wall =
          dateIndex >= 0
            ? parseSamisDateTime(fields[dateIndex] ?? '', fields[c.time] ?? '', format)
            : parseSamisDateTime(fields[c.time] ?? '', null, format);
        if (!wall) {
          const shown = dateIndex >= 0 ? `${fields[dateIndex]} ${fields[c.time]}` : fields[c.time];
          return tally.reject(
            line,
            `"${shown}" is not a date and time such as 2026-11-20 09:15:02, 20/11/2026 09:15 or 09/Oct/2023 14:02:11${format === 'auto' ? '' : ` (SAMIS_LOGIN_COLUMNS dateFormat ${format})`}`,
          );
        }
        const day = dayOf(wall);
        tally.seeDay(day);
        const code = (fields[c.code] ?? '').trim();
        if (code === '') return tally.reject(line, 'the student code is empty');
        tally.count(identityKey(['samis', code]), day, 'samis_login');
      },
      finish: () => ({ scope: 'site' }),
    };
  },
};
