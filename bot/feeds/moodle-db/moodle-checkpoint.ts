import type { IsoDay } from '../../../shared/domain';
import { addDays } from '../../../shared/calendar';
import { todayIn } from '../../clock';
import { createDayOfInstant, wallToUtcMs } from '../../ingest/dates';
import type { MoodleCheckpoint } from '../../store/moodle-feed.repository';
import { MoodleFeedError, type MoodleConnection } from './moodle-connection';
import { toNumber, type ReadResult } from './moodle-log.reader';

/** Moodle writes a request's log entries when the request ends: an event can land this long after a later-stamped one. */
const WRITE_SKEW_SECONDS = 3_600;

/** The first second of a campus day, as unix seconds. */
function startOfDay(day: IsoDay, timeZone: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return Math.floor(wallToUtcMs({ year, month, day: date, hour: 0, minute: 0, second: 0 }, timeZone) / 1000);
}

/**
 * Where a run starts reading: the day asked for (`since`), else where the checkpoint left off (once it
 * is known to still describe the table), else the lookback before today.
 */
export async function chooseStart(
  conn: MoodleConnection,
  at: {
    since: IsoDay | undefined;
    checkpoint: MoodleCheckpoint | null;
    maxId: number | null;
    timeZone: string;
    lookbackDays: number;
    started: Date;
  },
): Promise<{ startDay: IsoDay; fromId: number }> {
  const { checkpoint, maxId, timeZone } = at;
  let startDay: IsoDay;
  let fromId: number;
  if (at.since) {
    startDay = at.since;
    fromId = await firstIdFrom(conn, startOfDay(startDay, timeZone), maxId);
  } else if (checkpoint) {
    await verifyCheckpoint(conn, checkpoint, maxId);
    startDay = checkpoint.resumeDay;
    fromId = checkpoint.resumeId;
  } else {
    startDay = addDays(todayIn(timeZone, at.started), -at.lookbackDays);
    fromId = await firstIdFrom(conn, startOfDay(startDay, timeZone), maxId);
  }
  return { startDay, fromId };
}

/**
 * What a run that read from `fromId` (day `startDay`) to `maxId` may claim: the checkpoint the next run
 * resumes from, the days read whole (`period`) and the days whose counts it rebuilt (`recounted`).
 */
export function planCheckpoint(run: {
  timeZone: string;
  startDay: IsoDay;
  fromId: number;
  maxId: number | null;
  newestTime: number | null;
  checkpoint: MoodleCheckpoint | null;
  read: Pick<ReadResult, 'firstIdOfDay' | 'lastDay'>;
}): {
  next: MoodleCheckpoint | null;
  period: { start: IsoDay; end: IsoDay } | null;
  recounted: { start: IsoDay; end: IsoDay } | null;
} {
  const { timeZone, startDay, fromId, maxId, newestTime, checkpoint, read } = run;
  // The last day read whole: it ended, with room for late writes, before the newest event.
  const lastComplete = newestTime === null ? null : addDays(createDayOfInstant(timeZone)((newestTime - WRITE_SKEW_SECONDS) * 1000), -1);
  const resumeDay = lastComplete !== null && lastComplete >= startDay ? addDays(lastComplete, 1) : startDay;
  const resumeIds = [...read.firstIdOfDay].filter(([day]) => day >= resumeDay).map(([, id]) => id);
  const next: MoodleCheckpoint | null =
    maxId === null || newestTime === null
      ? checkpoint
      : {
          resumeId: resumeIds.length > 0 ? Math.min(...resumeIds) : Math.max(fromId, maxId + 1),
          resumeDay,
          lastId: maxId,
          lastTime: newestTime,
          coveredUntil: lastComplete !== null && lastComplete >= startDay ? lastComplete : (checkpoint?.coveredUntil ?? null),
        };
  const period = lastComplete !== null && lastComplete >= startDay ? { start: startDay, end: lastComplete } : null;
  const lastRead = read.lastDay !== null && read.lastDay > (lastComplete ?? startDay) ? read.lastDay : (lastComplete ?? startDay);
  // An empty table speaks for no day: it is more likely a wrong database than a silent site.
  const recounted = maxId === null ? null : { start: startDay, end: lastRead >= startDay ? lastRead : startDay };
  return { next, period, recounted };
}

/**
 * The first log id stamped at or after `seconds`. Both steps use the table's index on timecreated and
 * read only a short stretch of it: ids follow time except for the few seconds to minutes a request
 * takes to write its entries, so the smallest id lies among the entries of the first two hours.
 */
async function firstIdFrom(conn: MoodleConnection, seconds: number, maxId: number | null): Promise<number> {
  const log = conn.table('logstore_standard_log');
  const [[first]] = (await conn.query(`select min(timecreated) from ${log} where timecreated >= ?`, [seconds])) as [[unknown]];
  if (first === null) return (maxId ?? 0) + 1;
  const [[id]] = (await conn.query(`select min(id) from ${log} where timecreated >= ? and timecreated < ?`, [
    seconds,
    Number(first) + 2 * WRITE_SKEW_SECONDS,
  ])) as [[unknown]];
  return Number(id);
}

/**
 * The checkpoint must still describe this table: its newest row read is there with the same time.
 * A table that ends before it, or holds another event under that id, was restored from an older copy
 * or is another Moodle: reading on would miss or double-count, so the run stops and says how to go on.
 */
async function verifyCheckpoint(conn: MoodleConnection, checkpoint: MoodleCheckpoint, maxId: number | null): Promise<void> {
  const log = conn.tableName('logstore_standard_log');
  const advice = `Nothing was counted. If the database was restored from a backup or replaced on purpose, run "engagement pull moodle --since ${checkpoint.resumeDay}" (or an earlier day) to read those days again; their counts are replaced, not added.`;
  if (maxId === null || maxId < checkpoint.lastId)
    throw new MoodleFeedError(
      'moodle_db_checkpoint_ahead',
      `The Moodle log table ${log} ends at id ${maxId ?? 'none (it is empty)'}, before the last entry already read (id ${checkpoint.lastId}): the database (or replica) looks restored from an older copy. ${advice}`,
    );
  const rows = await conn.query(`select timecreated from ${conn.table('logstore_standard_log')} where id = ?`, [checkpoint.lastId]);
  const time = toNumber(rows[0]?.[0]);
  if (time !== checkpoint.lastTime)
    throw new MoodleFeedError(
      'moodle_db_checkpoint_ahead',
      `The Moodle log entry ${checkpoint.lastId} is not the one read before (${time === null ? 'it is gone' : `stamped ${new Date(time * 1000).toISOString()}, not ${new Date(checkpoint.lastTime * 1000).toISOString()}`}): MOODLE_DB_URL points at a restored or different database. ${advice}`,
    );
}
