import { createDayOfWallTime, parseSamisTime } from '../dates';
import { identityKey } from '../tally';
import { FormatError, findColumns, normaliseHeader, type ExportFormat } from './format';

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
    if (!c) {
      throw new FormatError(
        `the Samis login export needs the columns "${wanted.studentCode}" and "${wanted.time}" (set SAMIS_LOGIN_COLUMNS to use other names); found: ${header.map(normaliseHeader).slice(0, 12).join(', ')}`,
      );
    }
    const dayOf = createDayOfWallTime(settings.sourceTimeZone, settings.campusTimeZone);
    return {
      row(fields, line) {
        if (fields.length !== header.length) return tally.reject(line, `has ${fields.length} fields where the header has ${header.length}`);
        const wall = parseSamisTime(fields[c.time] ?? '');
        if (!wall) return tally.reject(line, `"${fields[c.time]}" is not a time such as 2026-11-20 09:15:02 or 20/11/2026 09:15`);
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
