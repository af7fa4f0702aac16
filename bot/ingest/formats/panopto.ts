import { createDayOfWallTime, parsePanoptoTime } from '../dates';
import { identityKey } from '../tally';
import { FormatError, findColumns, hasColumns, wrongFieldCount, type ExportFormat } from './format';

const SYSTEM_VIEWS = [
  'User Name',
  'User ID',
  'Email',
  'Session Name',
  'Session ID',
  'Folder Name',
  'Folder ID',
  'Viewing Type',
  'Timestamp',
  'Minutes Delivered',
];
const SESSION_VIEWS = ['UserName', 'User ID', 'Email', 'Session Name', 'Session ID', 'Minutes Delivered', 'Percent Completed'];

/**
 * A Panopto user is matched by the full user name, then, for users made by the Moodle integration
 * (`<instance>\<moodle username>`, e.g. `bathmoodle\tst0013`), by the Moodle username through the
 * identity map, then by e-mail. Never by the display name.
 */
function panoptoIdentity(userName: string, email: string): string {
  const name = userName.trim().toLowerCase();
  const slash = name.lastIndexOf('\\');
  const moodleUsername = slash > 0 && slash < name.length - 1 ? name.slice(slash + 1) : '';
  return identityKey(
    name ? ['panopto', name] : null,
    moodleUsername ? ['moodle_username', moodleUsername] : null,
    email.trim() ? ['email', email.trim().toLowerCase()] : null,
  );
}

/** "System Views": one row per view, US-ordered timestamps in the configured Panopto zone. */
export const panoptoSystemViewsFormat: ExportFormat = {
  id: 'panopto-system-views',
  label: 'Panopto "System Views" report',
  expects: SYSTEM_VIEWS.join(', '),
  produces: ['panopto_view'],
  matches: (header) => hasColumns(header, ['User Name', 'Email', 'Session ID', 'Timestamp']),
  start(header, settings, tally) {
    const c = findColumns(header, { user: 'User Name', email: 'Email', time: 'Timestamp' });
    if (!c) throw new Error('unreachable: header matched');
    const dayOf = createDayOfWallTime(settings.sourceTimeZone, settings.campusTimeZone);
    // The first and last readings and the days they became, so whoever imports can check the zone (docs/imports.md).
    let first: { key: number; text: string; day: string } | null = null;
    let last: { key: number; text: string; day: string } | null = null;
    // The report has one row per view, so a row is one occurrence; nothing per view is kept, so memory stays flat however long the file.
    return {
      row(fields, line) {
        if (fields.length !== header.length) return tally.reject(line, wrongFieldCount(fields.length, header.length));
        const wall = parsePanoptoTime(fields[c.time] as string);
        if (!wall) return tally.reject(line, `Timestamp "${fields[c.time]}" is not a Panopto time such as 10/9/2023 7:49:05 AM`);
        const day = dayOf(wall);
        tally.seeDay(day);
        const key = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
        if (!first || key < first.key) first = { key, text: (fields[c.time] as string).trim(), day };
        if (!last || key > last.key) last = { key, text: (fields[c.time] as string).trim(), day };
        const identity = panoptoIdentity(fields[c.user] as string, fields[c.email] as string);
        if (identity === '') return tally.reject(line, 'the row names no user (no User Name and no Email)');
        tally.count(identity, day, 'panopto_view');
      },
      finish() {
        if (first && last)
          tally.warnings.push(
            `Times read as ${settings.sourceTimeZone} (PANOPTO_TIME_ZONE or --timezone): the first, ${first.text}, became ${first.day} and the last, ${last.text}, became ${last.day} in ${settings.campusTimeZone}.`,
          );
        return { scope: 'site' };
      },
    };
  },
};

/** "Sessions Views by Users": no timestamps, so the caller gives the period and the sessions viewed land on its last day. */
export const panoptoSessionViewsFormat: ExportFormat = {
  id: 'panopto-session-views',
  label: 'Panopto "Sessions Views by Users" report',
  expects: SESSION_VIEWS.join(', '),
  produces: ['panopto_view'],
  matches: (header) => hasColumns(header, ['UserName', 'Email', 'Session ID', 'Minutes Delivered']) && !hasColumns(header, ['Timestamp']),
  start(header, settings, tally) {
    const period = settings.period;
    if (!period) {
      throw new FormatError(
        'a Panopto "Sessions Views by Users" report has no timestamps: give the period it covers with --from and --to (YYYY-MM-DD)',
      );
    }
    const c = findColumns(header, { user: 'UserName', email: 'Email' });
    if (!c) throw new Error('unreachable: header matched');
    tally.seeDay(period.start);
    tally.seeDay(period.end);
    return {
      row(fields, line) {
        if (fields.length !== header.length) return tally.reject(line, wrongFieldCount(fields.length, header.length));
        const identity = panoptoIdentity(fields[c.user] as string, fields[c.email] as string);
        if (identity === '') return tally.reject(line, 'the row names no user (no UserName and no Email)');
        // One row per person and session: each is one session viewed.
        tally.count(identity, period.end, 'panopto_view');
      },
      finish: () => ({ scope: 'site' }),
    };
  },
};
