import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { IsoDay, Source } from '../../../shared/domain';
import { addDays } from '../../../shared/calendar';
import { todayIn } from '../../clock';
import type { Db } from '../../store/database';
import { newId } from '../../store/ids';
import { endImportRecord, insertImport, whileImportRuns } from '../../store/import.repository';
import { lockImportScope, replaceScopeCounts } from '../../store/import-count.repository';
import { insertIdentities, resolveIdentities } from '../../store/identity.repository';
import {
  claimMoodleLease,
  findMoodleFeedState,
  releaseMoodleLease,
  renewMoodleLease,
  saveMoodleCheckpoint,
  saveMoodleFailure,
  type MoodleCheckpoint,
} from '../../store/moodle-feed.repository';
import { createDayOfInstant, wallToUtcMs } from '../../ingest/dates';
import { LOGSTORE_COUNTED_EVENTS, createLogstoreCounter } from '../../ingest/formats/moodle-events';
import { matchMoodleUsers, matchStaffMoodleUsers, type MoodleUser } from '../../ingest/identity-imports.command';
import { findStaffKeys, insertStaffIdentities } from '../../store/staff-identity.repository';
import { explainMoodleError, MoodleFeedError, type MoodleConnection } from './moodle-connection';

/** The feed's name in the checkpoint table and the import history. */
export const MOODLE_FEED = 'moodle-db';
const SOURCES: readonly Source[] = ['moodle_login', 'moodle_submission'];
/** Moodle writes a request's log entries when the request ends: an event can land this long after a later-stamped one. */
const WRITE_SKEW_SECONDS = 3_600;
const LEASE_MS = 5 * 60_000;
const USER_PAGE = 20_000;
const UNRESOLVED_LISTED = 100;

/** The columns read, as Moodle's install.xml names them; `anonymous` came later and may be absent. */
const LOG_COLUMNS = ['id', 'eventname', 'userid', 'relateduserid', 'realuserid', 'origin', 'contextinstanceid', 'timecreated'] as const;
const USER_COLUMNS = ['id', 'username', 'email', 'idnumber', 'deleted', 'suspended'] as const;

export interface MoodlePullSettings {
  timeZone: string;
  lookbackDays: number;
  maxLagMinutes: number;
  pageSize: number;
}

export interface MoodlePullProgress {
  idsDone: number;
  idsTotal: number;
  rowsRead: number;
}

export interface MoodlePullDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  connect: () => Promise<MoodleConnection>;
  settings: MoodlePullSettings;
  /** Names this process in the lease, so a second instance can tell it is not its own. */
  owner?: string;
  onProgress?: (progress: MoodlePullProgress) => void;
}

export interface MoodlePullOptions {
  /** Re-read from this day on, replacing what earlier runs and imports counted for those days. */
  since?: IsoDay;
}

export interface MoodlePullSummary {
  status: 'succeeded' | 'failed' | 'skipped';
  target: string;
  /** The failure's kind (moodle_db_credentials, moodle_db_schema, ...) when failed. */
  code: string | null;
  /** Days read whole for the first time by this run: the coverage it claims. */
  period: { start: IsoDay; end: IsoDay } | null;
  /** Days whose counts this run rebuilt from their start (the last one may still be going on). */
  recounted: { start: IsoDay; end: IsoDay } | null;
  /** The stretch of log ids this run went through. */
  idRange: { from: number; to: number } | null;
  /** Log entries of the event classes that can count (logins, submissions), read from that stretch. */
  rowsRead: number;
  rowsCounted: number;
  rowsUnresolved: number;
  rowsLate: number;
  countsBySource: Partial<Record<Source, number>>;
  studentsAffected: number;
  users: { read: number; linked: number; deleted: number; suspended: number; unmatched: number };
  unresolved: { total: number; keys: string[] };
  /** Events of Moodle users known to be staff: reported, never counted (see docs/imports.md, "Staff, ignored"). */
  rowsStaff: number;
  staff: { total: number; keys: string[] };
  checkpoint: MoodleCheckpoint | null;
  newestEventAt: string | null;
  warnings: string[];
  errors: string[];
  importIds: string[];
  elapsedMs: number;
  timings: { usersMs: number; readMs: number; resolveMs: number; writeMs: number };
}

/** The first second of a campus day, as unix seconds. */
function startOfDay(day: IsoDay, timeZone: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return Math.floor(wallToUtcMs({ year, month, day: date, hour: 0, minute: 0, second: 0 }, timeZone) / 1000);
}

const toNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Checks that the tables and columns the pull reads exist; names every one that does not. */
async function checkMoodleSchema(conn: MoodleConnection): Promise<{ hasAnonymous: boolean }> {
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

/** Reads Moodle's user table (all of it, in pages by id) and links every user who is one of our students. */
async function syncMoodleUsers(deps: MoodlePullDeps, conn: MoodleConnection): Promise<MoodlePullSummary['users']> {
  const figures = { read: 0, linked: 0, deleted: 0, suspended: 0, unmatched: 0 };
  const users: MoodleUser[] = [];
  let after = 0;
  for (;;) {
    const rows = await conn.query(
      `select id, username, email, idnumber, deleted, suspended from ${conn.table('user')} where id > ? order by id limit ${USER_PAGE}`,
      [after],
    );
    for (const [id, username, email, idnumber, deleted, suspended] of rows) {
      figures.read++;
      // A deleted user's name and address are overwritten by Moodle; their old events keep the link they had.
      if (Number(deleted) === 1) {
        figures.deleted++;
        continue;
      }
      if (Number(suspended) === 1) figures.suspended++;
      users.push({
        id: String(id),
        username: String(username ?? '').toLowerCase(),
        email: String(email ?? '')
          .trim()
          .toLowerCase(),
        idnumber: String(idnumber ?? '').trim(),
      });
    }
    if (rows.length < USER_PAGE) break;
    after = Number(rows.at(-1)?.[0]);
  }
  const { links, unresolved } = await matchMoodleUsers(deps.db, users);
  figures.unmatched = unresolved.length;
  // Staff matched by e-mail: their events are then reported as staff, not as unlinked users.
  await insertStaffIdentities(deps.db, await matchStaffMoodleUsers(deps.db, users, unresolved));
  // Only links that are new or changed are written: the user table is read on every run.
  const known = new Map<string, string>();
  for (const system of ['moodle', 'moodle_username']) {
    const keys = links.filter((l) => l.sourceSystem === system).map((l) => l.externalKey);
    for (const [key, student] of await resolveIdentities(deps.db, system, keys)) known.set(`${system}:${key}`, student);
  }
  const changed = links.filter((l) => known.get(`${l.sourceSystem}:${l.externalKey}`) !== l.studentId);
  await insertIdentities(deps.db, changed);
  figures.linked = links.filter((l) => l.sourceSystem === 'moodle').length;
  return figures;
}

interface ReadResult {
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
async function readLog(
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

function emptySummary(target: string): MoodlePullSummary {
  return {
    status: 'failed',
    target,
    code: null,
    period: null,
    recounted: null,
    idRange: null,
    rowsRead: 0,
    rowsCounted: 0,
    rowsUnresolved: 0,
    rowsLate: 0,
    countsBySource: {},
    studentsAffected: 0,
    users: { read: 0, linked: 0, deleted: 0, suspended: 0, unmatched: 0 },
    unresolved: { total: 0, keys: [] },
    rowsStaff: 0,
    staff: { total: 0, keys: [] },
    checkpoint: null,
    newestEventAt: null,
    warnings: [],
    errors: [],
    importIds: [],
    elapsedMs: 0,
    timings: { usersMs: 0, readMs: 0, resolveMs: 0, writeMs: 0 },
  };
}

/**
 * Pulls Moodle logins and submissions from the Moodle database into the counts, incrementally.
 *
 * Each run starts at the first log id of the first day it has not read whole, so every day it touches
 * is counted again from its start and replaces, through the import rule, what earlier runs (or a CSV
 * import of those days) contributed: a re-run, a crash or an overlap never counts an event twice.
 * Coverage is claimed only for days that ended (plus the time Moodle may take to write an event)
 * before the newest event read. One instance pulls at a time; the others skip. Every run, failed
 * ones too, is recorded in the import history with its reason.
 */
export async function pullMoodle(deps: MoodlePullDeps, options: MoodlePullOptions = {}): Promise<MoodlePullSummary> {
  const started = deps.now();
  const clock = performance.now();
  const owner = deps.owner ?? `${hostname()}:${process.pid}:${newId().slice(-8)}`;
  const leaseUntil = () => new Date(deps.now().getTime() + LEASE_MS).toISOString();
  if (!(await claimMoodleLease(deps.db, MOODLE_FEED, owner, started.toISOString(), leaseUntil()))) {
    const state = await findMoodleFeedState(deps.db, MOODLE_FEED);
    const summary = emptySummary('');
    summary.status = 'skipped';
    summary.warnings.push(
      `Another instance is pulling from Moodle (${state?.leaseOwner ?? 'unknown'}, until ${state?.leaseUntil ?? 'soon'}); this run skipped.`,
    );
    deps.logger.info({ owner: state?.leaseOwner }, 'moodle pull skipped: another instance holds the lease');
    return summary;
  }
  let conn = null as MoodleConnection | null;
  let summary = emptySummary('');
  try {
    // Recorded as running before Moodle is asked anything, so a pull a kill -9 interrupts shows as interrupted.
    summary = await whileImportRuns(
      deps.db,
      deps.now,
      { source: MOODLE_FEED, fileName: 'Moodle database', interrupted: PULL_INTERRUPTED },
      async (running) => {
        conn = await deps.connect();
        summary = emptySummary(conn.target);
        return pullWithLease(deps, conn, options, owner, leaseUntil, started, summary, running);
      },
    );
  } catch (error) {
    const failure = explainMoodleError(error, conn?.target ?? 'the Moodle database');
    summary.status = 'failed';
    summary.code = failure.code;
    summary.errors.push(failure.message);
    await recordRun(deps, summary, started, null);
    await saveMoodleFailure(deps.db, MOODLE_FEED, deps.now().toISOString(), failure.message);
    deps.logger.warn({ code: failure.code }, failure.message);
  } finally {
    await conn?.close();
    await releaseMoodleLease(deps.db, MOODLE_FEED, owner);
  }
  summary.elapsedMs = Math.round(performance.now() - clock);
  if (summary.status === 'succeeded')
    deps.logger.info(
      {
        rowsRead: summary.rowsRead,
        counted: summary.rowsCounted,
        unresolved: summary.rowsUnresolved,
        period: summary.period,
        checkpoint: summary.checkpoint?.resumeId,
        ms: summary.elapsedMs,
      },
      'moodle activity pulled',
    );
  return summary;
}

export const PULL_INTERRUPTED =
  'The pull stopped before it finished: the process running it ended (a crash, a kill or a restart). No counts from it were stored; the next pull reads the same events again.';

async function pullWithLease(
  deps: MoodlePullDeps,
  conn: MoodleConnection,
  options: MoodlePullOptions,
  owner: string,
  leaseUntil: () => string,
  started: Date,
  summary: MoodlePullSummary,
  running: string,
): Promise<MoodlePullSummary> {
  const { timeZone } = deps.settings;
  const { hasAnonymous } = await checkMoodleSchema(conn);
  let phase = performance.now();
  const lap = () => {
    const ms = Math.round(performance.now() - phase);
    phase = performance.now();
    return ms;
  };
  summary.users = await syncMoodleUsers(deps, conn);
  summary.timings.usersMs = lap();

  const log = conn.table('logstore_standard_log');
  const [[maxIdRaw]] = (await conn.query(`select max(id) from ${log}`)) as [[unknown]];
  const maxId = toNumber(maxIdRaw);
  const newestTime =
    maxId === null ? null : toNumber(((await conn.query(`select timecreated from ${log} where id = ?`, [maxId])) as [[unknown]])[0][0]);
  const state = await findMoodleFeedState(deps.db, MOODLE_FEED);
  const checkpoint = state?.checkpoint ?? null;

  let startDay: IsoDay;
  let fromId: number;
  if (options.since) {
    startDay = options.since;
    fromId = await firstIdFrom(conn, startOfDay(startDay, timeZone), maxId);
  } else if (checkpoint) {
    await verifyCheckpoint(conn, checkpoint, maxId);
    startDay = checkpoint.resumeDay;
    fromId = checkpoint.resumeId;
  } else {
    startDay = addDays(todayIn(timeZone, started), -deps.settings.lookbackDays);
    fromId = await firstIdFrom(conn, startOfDay(startDay, timeZone), maxId);
  }

  const keepLease = async () => {
    if (!(await renewMoodleLease(deps.db, MOODLE_FEED, owner, leaseUntil())))
      throw new MoodleFeedError(
        'moodle_db_lease_lost',
        'This run took too long and another instance took over the Moodle pull; nothing was stored.',
      );
  };
  const read =
    maxId === null || fromId > maxId
      ? { rowsRead: 0, rowsLate: 0, counts: new Map<string, number>(), firstIdOfDay: new Map<IsoDay, number>(), lastDay: null }
      : await readLog(deps, conn, { fromId, toId: maxId, startDay, hasAnonymous }, keepLease);
  summary.timings.readMs = lap();
  summary.rowsRead = read.rowsRead;
  if (maxId !== null && fromId <= maxId) summary.idRange = { from: fromId, to: maxId };
  summary.rowsLate = read.rowsLate;

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
  summary.checkpoint = next;
  summary.period = lastComplete !== null && lastComplete >= startDay ? { start: startDay, end: lastComplete } : null;
  const lastRead = read.lastDay !== null && read.lastDay > (lastComplete ?? startDay) ? read.lastDay : (lastComplete ?? startDay);
  // An empty table speaks for no day: it is more likely a wrong database than a silent site.
  summary.recounted = maxId === null ? null : { start: startDay, end: lastRead >= startDay ? lastRead : startDay };
  if (newestTime !== null) summary.newestEventAt = new Date(newestTime * 1000).toISOString();

  if (maxId === null) summary.warnings.push(`The Moodle log table ${conn.tableName('logstore_standard_log')} is empty: nothing to read.`);
  const lagMinutes = newestTime === null ? null : Math.round((started.getTime() / 1000 - newestTime) / 60);
  if (lagMinutes !== null && lagMinutes > deps.settings.maxLagMinutes)
    summary.warnings.push(
      `The Moodle database looks behind: its newest log entry is from ${summary.newestEventAt} (${formatLag(lagMinutes)} ago, more than MOODLE_DB_MAX_LAG_MINUTES=${deps.settings.maxLagMinutes}). If it is a replica, it may have stopped replicating; days after the newest entry are not marked complete.`,
    );
  if (read.rowsLate > 0)
    summary.warnings.push(
      `${read.rowsLate} log entr${read.rowsLate === 1 ? 'y was' : 'ies were'} written more than a day late, for days already read; they were not counted.`,
    );

  lap();
  const resolved = await resolveCounts(deps.db, read.counts);
  summary.timings.resolveMs = lap();
  summary.rowsCounted = resolved.counted;
  summary.rowsUnresolved = resolved.unresolvedRows;
  summary.unresolved = { total: resolved.unresolved.length, keys: resolved.unresolved.slice(0, UNRESOLVED_LISTED) };
  summary.rowsStaff = resolved.staffRows;
  summary.staff = { total: resolved.staff.length, keys: resolved.staff.slice(0, UNRESOLVED_LISTED) };
  summary.studentsAffected = resolved.students.size;
  for (const source of SOURCES) summary.countsBySource[source] = (resolved.bySource.get(source) ?? []).reduce((n, c) => n + c.count, 0);
  if (resolved.unresolved.length > 0)
    summary.warnings.push(
      `${resolved.unresolved.length} Moodle user(s) with counted events are not linked to a student (not counted): staff not yet known, students of other departments, or students whose idnumber or e-mail in Moodle matches no roster.`,
    );
  if (resolved.staffRows > 0)
    summary.warnings.push(
      `${resolved.staffRows} event(s) are of ${resolved.staff.length} member(s) of staff (staff, ignored): staff are not monitored, nothing is missing.`,
    );

  await keepLease();
  summary.status = 'succeeded';
  await deps.db.transaction().execute(async (trx) => {
    await recordRun({ ...deps, db: trx }, summary, started, resolved.bySource);
    await endImportRecord(trx, running);
    if (next) await saveMoodleCheckpoint(trx, MOODLE_FEED, next, deps.now().toISOString());
  });
  summary.timings.writeMs = lap();
  return summary;
}

function formatLag(minutes: number): string {
  return minutes < 120
    ? `${minutes} minutes`
    : minutes < 2_880
      ? `${Math.round(minutes / 60)} hours`
      : `${Math.round(minutes / 1_440)} days`;
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

interface ResolvedCounts {
  bySource: Map<Source, Array<{ studentId: string; day: IsoDay; count: number }>>;
  counted: number;
  unresolvedRows: number;
  unresolved: string[];
  staffRows: number;
  staff: string[];
  students: Set<string>;
}

async function resolveCounts(db: Db, counts: Map<string, number>): Promise<ResolvedCounts> {
  const userIds = new Set<string>();
  for (const key of counts.keys()) userIds.add(key.slice(0, key.indexOf('\u001f')));
  const students = await resolveIdentities(db, 'moodle', [...userIds]);
  const staffIds = await findStaffKeys(
    db,
    'moodle',
    [...userIds].filter((id) => !students.has(id)),
  );
  const out: ResolvedCounts = {
    bySource: new Map(),
    counted: 0,
    unresolvedRows: 0,
    unresolved: [],
    staffRows: 0,
    staff: [],
    students: new Set(),
  };
  const unresolved = new Set<string>();
  const staff = new Set<string>();
  for (const [key, count] of counts) {
    const [userId, day, source] = key.split('\u001f') as [string, IsoDay, Source];
    const studentId = students.get(userId);
    if (!studentId && staffIds.has(userId)) {
      out.staffRows += count;
      staff.add(`moodle:${userId}`);
      continue;
    }
    if (!studentId) {
      out.unresolvedRows += count;
      unresolved.add(`moodle:${userId}`);
      continue;
    }
    let list = out.bySource.get(source);
    if (!list) out.bySource.set(source, (list = []));
    list.push({ studentId, day, count });
    out.counted += count;
    out.students.add(studentId);
  }
  out.unresolved = [...unresolved].sort();
  out.staff = [...staff].sort();
  return out;
}

/**
 * One import-history row per source. A successful run replaces the counts of the days it re-read
 * (the import rule, scope "site" like the site log download) and claims coverage for the days it read whole.
 */
async function recordRun(
  deps: Pick<MoodlePullDeps, 'db' | 'now'>,
  summary: MoodlePullSummary,
  started: Date,
  bySource: ResolvedCounts['bySource'] | null,
): Promise<void> {
  const fileName = `Moodle database: ${summary.target || 'not reached'}`;
  for (const source of SOURCES) {
    const id = newId();
    summary.importIds.push(id);
    const list = bySource?.get(source) ?? [];
    const counted = list.reduce((n, c) => n + c.count, 0);
    if (bySource && summary.recounted) await lockImportScope(deps.db, source, 'site');
    await insertImport(deps.db, {
      id,
      source,
      format: MOODLE_FEED,
      scope: 'site',
      fileName,
      fileHash: null,
      periodStart: summary.status === 'succeeded' ? (summary.period?.start ?? null) : null,
      periodEnd: summary.status === 'succeeded' ? (summary.period?.end ?? null) : null,
      rowsRead: summary.rowsRead,
      rowsCounted: counted,
      rowsIgnored: Math.max(0, summary.rowsRead - summary.rowsCounted - summary.rowsUnresolved - summary.rowsLate),
      rowsRejected: 0,
      rowsUnresolved: summary.rowsUnresolved,
      studentsAffected: new Set(list.map((c) => c.studentId)).size,
      status: summary.status === 'succeeded' ? 'succeeded' : 'failed',
      // The data page shows these to department administrators: failures and warnings alike.
      errors: [...summary.errors, ...summary.warnings],
      details: {
        code: summary.code,
        checkpoint: summary.checkpoint,
        recounted: summary.recounted,
        idRange: summary.idRange,
        newestEventAt: summary.newestEventAt,
        rowsLate: summary.rowsLate,
        users: summary.users,
        unresolved: summary.unresolved,
        staff: summary.staff,
        warnings: summary.warnings,
      },
      startedAt: started.toISOString(),
      finishedAt: deps.now().toISOString(),
    });
    if (bySource && summary.recounted)
      await replaceScopeCounts(deps.db, {
        importId: id,
        source,
        scope: 'site',
        start: summary.recounted.start,
        end: summary.recounted.end,
        counts: list,
      });
  }
}
