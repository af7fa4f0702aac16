import { hostname } from 'node:os';
import type { IsoDay } from '../../../shared/domain';
import { newId } from '../../store/ids';
import { CONNECTION_LOST_CAUSE, endImportRecord, isLostConnectionError, whileImportRuns } from '../../store/import.repository';
import {
  claimMoodleLease,
  findMoodleFeedState,
  releaseMoodleLease,
  renewMoodleLease,
  saveMoodleCheckpoint,
  saveMoodleFailure,
} from '../../store/moodle-feed.repository';
import { explainMoodleError, MoodleFeedError, type MoodleConnection } from './moodle-connection';
import { chooseStart, planCheckpoint } from './moodle-checkpoint';
import { recordRun, resolveCounts } from './moodle-counts';
import { checkMoodleSchema, readLog, readNewestEntry } from './moodle-log.reader';
import { syncMoodleUsers } from './sync-moodle-users';
import {
  emptySummary,
  MOODLE_FEED,
  SOURCES,
  type MoodlePullDeps,
  type MoodlePullOptions,
  type MoodlePullSummary,
} from './pull-moodle.types';

export { MOODLE_FEED } from './pull-moodle.types';
export type { MoodlePullDeps, MoodlePullOptions, MoodlePullProgress, MoodlePullSettings, MoodlePullSummary } from './pull-moodle.types';

const LEASE_MS = 5 * 60_000;
const UNRESOLVED_LISTED = 100;

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
  let lost = false;
  try {
    // Recorded as running before Moodle is asked anything, so a pull a kill -9 interrupts shows as interrupted.
    summary = await whileImportRuns(
      deps.db,
      deps.now,
      {
        source: MOODLE_FEED,
        fileName: 'Moodle database',
        interrupted: PULL_INTERRUPTED,
        connectionLost: {
          history: PULL_CONNECTION_LOST,
          what: 'the Moodle database pull',
          kept: 'No counts from it were stored',
          again: 'The next pull reads the same events again',
        },
      },
      async (running) => {
        conn = await deps.connect();
        summary = emptySummary(conn.target);
        return pullWithLease(deps, conn, options, owner, leaseUntil, started, summary, running);
      },
    );
  } catch (error) {
    // Our own database went away (not Moodle's): the run is recorded as interrupted and ends in those words.
    if (isLostConnectionError(error)) {
      lost = true;
      throw error;
    }
    const failure = explainMoodleError(error, conn?.target ?? 'the Moodle database');
    summary.status = 'failed';
    summary.code = failure.code;
    summary.errors.push(failure.message);
    await recordRun(deps, summary, started, null);
    await saveMoodleFailure(deps.db, MOODLE_FEED, deps.now().toISOString(), failure.message);
    deps.logger.warn({ code: failure.code }, failure.message);
  } finally {
    await conn?.close();
    // After a lost connection the database may still be away: the lease then runs out by itself (LEASE_MS).
    await releaseMoodleLease(deps.db, MOODLE_FEED, owner).catch((error: unknown) => {
      if (!lost) throw error;
    });
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

export const PULL_CONNECTION_LOST = `The pull stopped before it finished: ${CONNECTION_LOST_CAUSE}. No counts from it were stored; the next pull reads the same events again.`;

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

  const { maxId, newestTime } = await readNewestEntry(conn);
  const state = await findMoodleFeedState(deps.db, MOODLE_FEED);
  const checkpoint = state?.checkpoint ?? null;
  const { startDay, fromId } = await chooseStart(conn, {
    since: options.since,
    checkpoint,
    maxId,
    timeZone,
    lookbackDays: deps.settings.lookbackDays,
    started,
  });

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

  const plan = planCheckpoint({ timeZone, startDay, fromId, maxId, newestTime, checkpoint, read });
  const next = plan.next;
  summary.checkpoint = next;
  summary.period = plan.period;
  summary.recounted = plan.recounted;
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
