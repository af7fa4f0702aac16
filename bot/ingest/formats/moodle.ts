import type { IsoDay, Source } from '../../../shared/domain';
import { createDayOfInstant, createDayOfWallTime, parseMoodleTime } from '../dates';
import { identityKey } from '../tally';
import { findColumns, hasColumns, normaliseHeader, wrongFieldCount, type ExportFormat, type ParseSettings } from './format';
import { MOODLE_LOG_EVENTS, MOODLE_LOG_HEADER } from '../moodle-strings';
import { classifyLogstoreEvent, createLogstoreCounter, type LogstoreEvent } from './moodle-events';

const LOG_HEADER: readonly string[] = MOODLE_LOG_HEADER;

/** The header and counted event names this site's downloads use: English, plus what MOODLE_LOG_STRINGS translates. */
function logStrings(settings: ParseSettings | undefined) {
  const strings = settings?.moodleLogStrings ?? null;
  const header = MOODLE_LOG_HEADER.map((h) => strings?.headers?.[h] ?? h);
  const events = new Map(MOODLE_LOG_EVENTS);
  for (const [english, local] of Object.entries(strings?.events ?? {})) {
    const source = MOODLE_LOG_EVENTS.get(english);
    if (source && local !== undefined) for (const name of [local].flat()) events.set(name, source);
  }
  return { header, events, monthFirst: strings?.dateOrder === 'month-first' };
}

const USER_ID_PREFIX = "The user with id '";
const COURSE_MODULE = /course module id '(\d+)'/;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Whether `text` from `at` is `, H:MM`, `, HH:MM` or either with `:SS`, a real time of day; by character, as it runs for nearly every row. */
export function isTimeOfDayAt(text: string, at: number): boolean {
  if (text.charCodeAt(at) !== 44 || text.charCodeAt(at + 1) !== 32) return false;
  let i = at + 2;
  const h1 = text.charCodeAt(i);
  if (!isDigit(h1)) return false;
  let hour = h1 - 48;
  i += 1;
  if (isDigit(text.charCodeAt(i))) {
    hour = hour * 10 + text.charCodeAt(i) - 48;
    i += 1;
  }
  if (hour > 23 || text.charCodeAt(i) !== 58) return false;
  const m1 = text.charCodeAt(i + 1);
  if (!(m1 >= 48 && m1 <= 53) || !isDigit(text.charCodeAt(i + 2))) return false;
  i += 3;
  if (i === text.length) return true;
  const s1 = text.charCodeAt(i + 1);
  return text.charCodeAt(i) === 58 && s1 >= 48 && s1 <= 53 && isDigit(text.charCodeAt(i + 2)) && i + 3 === text.length;
}

// Counts are kept per (user, day, source) under one integer while the file is read, then handed to the tally once:
// a numeric key costs no string building or hashing per row. Ids too long or with a leading zero keep the string path.
const MAX_NUMERIC_USER_ID_DIGITS = 12;
const MAX_DAYS = 4096;

/** Withdraws login coverage from a log with no login at all: a course-level download, whose silence says nothing. */
function checkLogins(tally: { sources: Set<Source>; warnings: string[]; counts: Map<string, number> }, sawLogin: boolean): void {
  if (!sawLogin && tally.sources.has('moodle_login')) {
    tally.sources.delete('moodle_login');
    tally.warnings.push(
      'No login events in this log: it looks like a course-level download. Submissions were imported; logins appear only in a site-level download, so login data for these days stays unknown.',
    );
  }
}

/** Site administration > Reports > Logs, "Download table data as CSV" (Moodle 3.x and 4.x, English). */
export const moodleLogFormat: ExportFormat = {
  id: 'moodle-log',
  label: 'Moodle site log download',
  expects: LOG_HEADER.join(', '),
  produces: ['moodle_login', 'moodle_submission'],
  matches: (header, settings) =>
    header.length === LOG_HEADER.length && (hasColumns(header, LOG_HEADER) || hasColumns(header, logStrings(settings).header)),
  start(header, settings, tally) {
    const strings = logStrings(settings);
    const names = hasColumns(header, LOG_HEADER) ? LOG_HEADER : strings.header;
    const c = findColumns(header, { time: names[0] as string, event: names[5] as string, description: names[6] as string });
    if (!c) throw new Error('unreachable: header matched');
    const events = strings.events;
    const monthFirst = strings.monthFirst;
    const dayOf = createDayOfWallTime(settings.sourceTimeZone, settings.campusTimeZone);
    const width = header.length;
    // Logs are sorted by time, so consecutive rows nearly always share a timestamp prefix: remember the last one.
    let lastTime = '';
    let lastDay: IsoDay = '';
    let lastDatePart = '';
    const sameZone = settings.sourceTimeZone === settings.campusTimeZone;
    let sawLogin = false;
    const days: IsoDay[] = [];
    const dayIndex = new Map<IsoDay, number>();
    let lastDayIndex = -1;
    const counts = new Map<number, number>();
    const flush = (): void => {
      for (const [key, n] of counts) {
        const source: Source = key % 2 === 0 ? 'moodle_login' : 'moodle_submission';
        const rest = Math.floor(key / 2);
        tally.count(`moodle:${Math.floor(rest / MAX_DAYS)}`, days[rest % MAX_DAYS] as IsoDay, source, n);
      }
      counts.clear();
    };
    return {
      row(fields, line) {
        if (fields.length !== width) return tally.reject(line, wrongFieldCount(fields.length, width));
        const time = fields[c.time] as string;
        let day = lastDay;
        if (time !== lastTime) {
          // Same zone: the printed date is the campus day, so only a new date needs the full parse.
          const comma = time.indexOf(',');
          const datePart = comma > 0 ? time.slice(0, comma) : time;
          if (sameZone && comma > 0 && datePart === lastDatePart && isTimeOfDayAt(time, comma)) {
            day = lastDay;
          } else {
            const wall = parseMoodleTime(time, monthFirst);
            if (!wall)
              return tally.reject(
                line,
                `Time "${time}" is not a Moodle date such as 4/11/23, 11:18:42${monthFirst ? ' read month first (MOODLE_LOG_STRINGS dateOrder)' : ''}`,
              );
            day = dayOf(wall);
            lastDatePart = datePart;
          }
          lastTime = time;
          if (day !== lastDay) {
            lastDay = day;
            tally.seeDay(day);
            let index = dayIndex.get(day);
            if (index === undefined) {
              index = days.length;
              days.push(day);
              dayIndex.set(day, index);
            }
            lastDayIndex = index;
          }
        }
        const source = events.get(fields[c.event] as string);
        if (source === undefined) return tally.ignore();
        const description = fields[c.description] as string;
        const end = description.startsWith(USER_ID_PREFIX) ? description.indexOf("'", USER_ID_PREFIX.length) : -1;
        const userId = end > 0 ? description.slice(USER_ID_PREFIX.length, end) : '';
        if (!/^\d+$/.test(userId))
          return tally.reject(line, 'the Description does not start with "The user with id \'N\'", so the user is unknown');
        if (source === 'moodle_login') sawLogin = true;
        else {
          const courseModule = COURSE_MODULE.exec(description)?.[1] ?? null;
          // One submission per student, course module and day (see createSubmissionOnceRule), claimed in the tally so that
          // a file counted in parts applies the rule across its parts too.
          if (courseModule && !tally.claimOnce(`moodle:${userId}`, day, source, courseModule)) return tally.ignore();
        }
        if (userId.length <= MAX_NUMERIC_USER_ID_DIGITS && userId.charCodeAt(0) !== 48 && lastDayIndex < MAX_DAYS) {
          const key = (Number(userId) * MAX_DAYS + lastDayIndex) * 2 + (source === 'moodle_login' ? 0 : 1);
          counts.set(key, (counts.get(key) ?? 0) + 1);
        } else {
          // identityKey() of a single candidate, without its allocations.
          tally.count(`moodle:${userId}`, day, source);
        }
      },
      finishPart: flush,
      finish() {
        flush();
        checkLogins(tally, sawLogin);
        return { scope: 'site' };
      },
    };
  },
  // A login was seen exactly when a login was counted, so the merged counts say it for the whole file.
  finishWhole(tally) {
    checkLogins(
      tally,
      [...tally.counts.keys()].some((key) => key.endsWith('moodle_login')),
    );
    return { scope: 'site' };
  },
};

const LOGSTORE_HEADER = [
  'id',
  'eventname',
  'component',
  'action',
  'target',
  'objecttable',
  'objectid',
  'crud',
  'edulevel',
  'contextid',
  'contextlevel',
  'contextinstanceid',
  'userid',
  'courseid',
  'relateduserid',
  'anonymous',
  'other',
  'timecreated',
  'origin',
  'ip',
  'realuserid',
];

function findOptionalColumns<K extends string>(header: readonly string[], names: readonly K[]): Record<K, number> {
  const normalised = header.map(normaliseHeader);
  return Object.fromEntries(names.map((n) => [n, normalised.indexOf(n)])) as Record<K, number>;
}

/** A CSV dump of the database table `logstore_standard_log`, times as unix seconds. */
export const moodleLogstoreFormat: ExportFormat = {
  id: 'moodle-logstore',
  label: 'Moodle logstore_standard_log table export',
  expects: LOGSTORE_HEADER.join(', '),
  produces: ['moodle_login', 'moodle_submission'],
  matches: (header) => hasColumns(header, ['eventname', 'userid', 'timecreated', 'realuserid']),
  start(header, settings, tally) {
    const c = findColumns(header, { event: 'eventname', user: 'userid', time: 'timecreated', realUser: 'realuserid' });
    if (!c) throw new Error('unreachable: header matched');
    // Columns a dump of an older Moodle, or a hand-picked column list, may lack.
    const optional = findOptionalColumns(header, ['relateduserid', 'anonymous', 'origin', 'contextinstanceid']);
    const dayOf = createDayOfInstant(settings.campusTimeZone);
    const width = header.length;
    let sawLogin = false;
    const count = createLogstoreCounter((userId, day, source) => tally.count(identityKey(['moodle', userId]), day, source));
    const cell = (fields: string[], i: number): string | null => (i < 0 ? null : (fields[i] as string));
    return {
      row(fields, line) {
        if (fields.length !== width) return tally.reject(line, wrongFieldCount(fields.length, width));
        const seconds = Number(fields[c.time]);
        if (!Number.isInteger(seconds) || seconds <= 0) return tally.reject(line, `timecreated "${fields[c.time]}" is not unix seconds`);
        const day = dayOf(seconds * 1000);
        tally.seeDay(day);
        const event: LogstoreEvent = {
          eventName: fields[c.event] as string,
          userId: fields[c.user] as string,
          relatedUserId: cell(fields, optional.relateduserid),
          realUserId: fields[c.realUser] as string,
          anonymous: cell(fields, optional.anonymous),
          origin: cell(fields, optional.origin),
          contextInstanceId: cell(fields, optional.contextinstanceid),
        };
        if (classifyLogstoreEvent(event) === null) return tally.ignore();
        if (!/^\d+$/.test(event.userId as string)) return tally.reject(line, `userid "${event.userId as string}" is not a Moodle user id`);
        const counted = count(event, day);
        // A second event of one submission (created, updated, submitted) on the same day is not another.
        if (counted === null) return tally.ignore();
        if (counted === 'moodle_login') sawLogin = true;
      },
      finish() {
        checkLogins(tally, sawLogin);
        return { scope: 'site' };
      },
    };
  },
};
