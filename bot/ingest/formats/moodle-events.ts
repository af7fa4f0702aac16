import type { IsoDay, Source } from '../../../shared/domain';

/**
 * The counting rules for Moodle's `logstore_standard_log`, in one place: the CSV dump of the table
 * (formats/moodle.ts) and the pull from the database itself (feeds/moodle-db) both count through here,
 * so the two paths cannot drift apart.
 */

/** Event classes that count, and as what; every other event is read and ignored. */
export const LOGSTORE_COUNTED_EVENTS: ReadonlyMap<string, Source> = new Map<string, Source>([
  ['\\core\\event\\user_loggedin', 'moodle_login'],
  ['\\mod_assign\\event\\assessable_submitted', 'moodle_submission'],
  ['\\assignsubmission_file\\event\\submission_created', 'moodle_submission'],
  ['\\assignsubmission_file\\event\\submission_updated', 'moodle_submission'],
  ['\\mod_quiz\\event\\attempt_submitted', 'moodle_submission'],
]);

/** Origins of events no person triggered at a browser or app: scheduled tasks and command-line scripts. */
const MACHINE_ORIGINS = new Set(['cli', 'cron']);

/** One row of the log table, as text (a CSV cell) or as the database returns it. */
export interface LogstoreEvent {
  eventName: string;
  userId: string | number | null;
  relatedUserId: string | number | null;
  realUserId: string | number | null;
  /** Absent on Moodle versions before the column existed. */
  anonymous: string | number | null;
  origin: string | null;
  /** The course module of a submission: kept so a per-module submission rule needs no new column. */
  contextInstanceId: string | number | null;
}

/** Empty in a CSV dump of the table can be written '', NULL or \N; an id of 0 names nobody. */
const isEmptyValue = (v: string | number | null): boolean => v === null || v === '' || v === 'NULL' || v === '\\N' || v === 0 || v === '0';

/**
 * What one log event counts as for the user it names, or null when it is not that student's own
 * activity: staff "logged in as" the student (realuserid set), anonymous events, events of machines
 * (cron, command line, user id 0), and events one user caused for another (a teacher acting on a
 * student's submission names the student as related user).
 */
export function classifyLogstoreEvent(e: LogstoreEvent): Source | null {
  const source = LOGSTORE_COUNTED_EVENTS.get(e.eventName);
  if (source === undefined) return null;
  if (!isEmptyValue(e.realUserId) || e.anonymous === 1 || e.anonymous === '1') return null;
  if (isEmptyValue(e.userId) || (e.origin !== null && MACHINE_ORIGINS.has(e.origin))) return null;
  if (!isEmptyValue(e.relatedUserId) && String(e.relatedUserId) !== String(e.userId)) return null;
  return source;
}

export type CountSink = (userId: string, day: IsoDay, source: Source) => void;

/**
 * Counts log events into `sink`, one call per occurrence. This is where "a submission" is defined
 * for both paths: today every qualifying submission event is one. A rule that needs memory (such as
 * one submission per student, course module and day) belongs here, which is why it is a counter and
 * not a bare function; callers feed it each day's events from the day's start.
 */
export function createLogstoreCounter(sink: CountSink): (e: LogstoreEvent, day: IsoDay) => Source | null {
  return (e, day) => {
    const source = classifyLogstoreEvent(e);
    if (source !== null) sink(String(e.userId), day, source);
    return source;
  };
}
