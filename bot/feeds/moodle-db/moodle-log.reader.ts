import type { IsoDay } from '../../../shared/domain';
import { createDayOfInstant } from '../../ingest/dates';
import { LOGSTORE_COUNTED_EVENTS, createLogstoreCounter } from '../../ingest/formats/moodle-events';
import { MoodleFeedError, type MoodleConnection } from './moodle-connection';
import type { MoodlePullDeps } from './pull-moodle.types';

/** The columns read, as Moodle's install.xml names them; `anonymous` came later and may be absent. */
const LOG_COLUMNS = ['id', 'eventname', 'userid', 'relateduserid', 'realuserid', 'origin', 'contextinstanceid', 'timecreated'] as const;
const USER_COLUMNS = ['id', 'username', 'email', 'idnumber', 'deleted', 'suspended'] as const;

export const toNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Checks that the tables and columns the pull reads exist; names every one that does not. */
export async function checkMoodleSchema(conn: MoodleConnection): Promise<{ hasAnonymous: boolean }> {
  const catalogue =
    conn.kind === 'mysql'
      ? 'select table_name, column_name from information_schema.columns where table_schema = database() and table_name in (?, ?)'
      : 'select table_name, column_name from information_schema.columns where table_schema = current_schema() and table_name in (?, ?)';
  const log = conn.tableName('logstore_standard_log');
  const user = conn.tableName('user');
  const rows = await conn.query(catalogue, [log, user]);
  const columns = new Map<string, Set<string>>([
    [log, new Set()],
    [user, new Set()],
  ]);
  for (const [table, column] of rows) columns.get(String(table))?.add(String(column).toLowerCase());
  const problems: string[] = [];
  for (const [table, wanted] of [
    [log, LOG_COLUMNS],
    [user, USER_COLUMNS],
  ] as const) {
    const have = columns.get(table) ?? new Set<string>();
    if (have.size === 0) problems.push(`table ${table} is missing (or this account may not read it)`);
    else {
      const missing = wanted.filter((c) => !have.has(c));
      if (missing.length > 0) problems.push(`table ${table} has no column ${missing.join(', ')}`);
    }
  }
  if (problems.length > 0)
    throw new MoodleFeedError(
      'moodle_db_schema',
      `The Moodle database (${conn.target}) is not shaped as the pull expects: ${problems.join('; ')}. A different Moodle version, the standard log store switched off, or a wrong MOODLE_DB_PREFIX (now "${conn.tableName('')}") would do this. Nothing was read.`,
    );
  return { hasAnonymous: columns.get(log)?.has('anonymous') ?? false };
}

export interface ReadResult {
  rowsRead: number;
  rowsLate: number;
  /** `userId \x1f day \x1f source` -> occurrences. */
  counts: Map<string, number>;
  /** The first log id read for each day. */
  firstIdOfDay: Map<IsoDay, number>;
  lastDay: IsoDay | null;
}

/**
 * Reads the log from `fromId` to `toId` in pages of id ranges. Only entries of the event classes that
 * can count leave the database (the list is the counting rule's own, LOGSTORE_COUNTED_EVENTS; the
 * rule itself runs here, on every one of them): on a real site nine entries in ten are page views,
 * and filtering them where they lie is what makes a site-wide pull fast. Entries stamped before
 * `startDay` were counted by an earlier run and are skipped.
 */
export async function readLog(
  deps: MoodlePullDeps,
  conn: MoodleConnection,
  range: { fromId: number; toId: number; startDay: IsoDay; hasAnonymous: boolean },
  keepLease: () => Promise<void>,
): Promise<ReadResult> {
  const table = conn.table('logstore_standard_log');
  const names = [...LOGSTORE_COUNTED_EVENTS.keys()];
  const inNames = `eventname in (${names.map(() => '?').join(', ')})`;
  const anonymous = range.hasAnonymous ? 'anonymous' : '0';
  const select = `select id, eventname, userid, relateduserid, realuserid, ${anonymous}, origin, contextinstanceid, timecreated from ${table}
    where id >= ? and id <= ? and ${inNames} order by id`;
  const nextId = `select min(id) from ${table} where id > ? and ${inNames}`;
  const dayOfInstant = createDayOfInstant(deps.settings.timeZone);
  // Entries come in time order, so most share the quarter hour of the one before (zone offsets are whole quarter hours).
  let lastBucket = -1;
  let lastBucketDay: IsoDay = '';
  const dayOf = (seconds: number): IsoDay => {
    const bucket = Math.floor(seconds / 900);
    if (bucket !== lastBucket) {
      lastBucket = bucket;
      lastBucketDay = dayOfInstant(seconds * 1000);
    }
    return lastBucketDay;
  };
  const result: ReadResult = { rowsRead: 0, rowsLate: 0, counts: new Map(), firstIdOfDay: new Map(), lastDay: null };
  const count = createLogstoreCounter((userId, day, source) => {
    const key = `${userId}\u001f${day}\u001f${source}`;
    result.counts.set(key, (result.counts.get(key) ?? 0) + 1);
  });
  const total = Math.max(1, range.toId - range.fromId + 1);
  const page = (from: number) => {
    const rows = conn.query(select, [from, Math.min(range.toId, from + deps.settings.pageSize - 1), ...names]);
    // Awaited on the next turn of the loop; if this run fails first, its failure must not go unhandled.
    rows.catch(() => undefined);
    return rows;
  };
  let from = range.fromId;
  let pending = page(from);
  while (from <= range.toId) {
    const to = Math.min(range.toId, from + deps.settings.pageSize - 1);
    const rows = await pending;
    // The next page is asked for before this one is counted, so the database and Node work at once.
    if (rows.length > 0) {
      from = to + 1;
      if (from <= range.toId) pending = page(from);
    } else {
      // Nothing that counts in this stretch (a quiet night, a purge): jump to the next entry that can.
      const [[next]] = (await conn.query(nextId, [to, ...names])) as [[unknown]];
      from = next === null ? range.toId + 1 : Number(next);
      if (from <= range.toId) pending = page(from);
    }
    result.rowsRead += rows.length;
    for (const row of rows) {
      const day = dayOf(Number(row[8]));
      if (day < range.startDay) {
        result.rowsLate++;
        continue;
      }
      const id = Number(row[0]);
      if (!result.firstIdOfDay.has(day)) result.firstIdOfDay.set(day, id);
      if (result.lastDay === null || day > result.lastDay) result.lastDay = day;
      count(
        {
          eventName: row[1] as string,
          userId: toNumber(row[2]),
          relatedUserId: toNumber(row[3]),
          realUserId: toNumber(row[4]),
          anonymous: toNumber(row[5]),
          origin: (row[6] as string | null) ?? null,
          contextInstanceId: toNumber(row[7]),
        },
        day,
      );
    }
    deps.onProgress?.({ idsDone: Math.min(total, from - range.fromId), idsTotal: total, rowsRead: result.rowsRead });
    await keepLease();
  }
  return result;
}

/** The log's last id and its time (both null for an empty table). */
export async function readNewestEntry(conn: MoodleConnection): Promise<{ maxId: number | null; newestTime: number | null }> {
  const log = conn.table('logstore_standard_log');
  const [[maxIdRaw]] = (await conn.query(`select max(id) from ${log}`)) as [[unknown]];
  const maxId = toNumber(maxIdRaw);
  const newestTime =
    maxId === null ? null : toNumber(((await conn.query(`select timecreated from ${log} where id = ?`, [maxId])) as [[unknown]])[0][0]);
  return { maxId, newestTime };
}
