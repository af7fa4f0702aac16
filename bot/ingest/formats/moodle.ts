import { createDayOfInstant } from '../dates';
import { identityKey } from '../tally';
import { findColumns, hasColumns, normaliseHeader, wrongFieldCount, type ExportFormat } from './format';
import { classifyLogstoreEvent, createLogstoreCounter, type LogstoreEvent } from './moodle-events';
import { checkLogins } from './moodle-log';

export { isTimeOfDayAt, moodleLogFormat } from './moodle-log';

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
