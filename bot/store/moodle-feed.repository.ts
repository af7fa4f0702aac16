import type { IsoDay } from '../../shared/domain';
import type { Db } from './database';

export interface MoodleCheckpoint {
  /** The next run reads from this log id: the first id of the first day not yet read whole. */
  resumeId: number;
  resumeDay: IsoDay;
  /** The newest row read and its timecreated: a restored or different database no longer has this row. */
  lastId: number;
  lastTime: number;
  /** The last day read whole; null before any. */
  coveredUntil: IsoDay | null;
}

export interface MoodleFeedState {
  checkpoint: MoodleCheckpoint | null;
  leaseOwner: string | null;
  leaseUntil: string | null;
  lastRunAt: string | null;
  lastStatus: string | null;
  lastError: string | null;
}

export async function findMoodleFeedState(db: Db, feed: string): Promise<MoodleFeedState | undefined> {
  const row = await db.selectFrom('moodle_feed_checkpoints').selectAll().where('feed', '=', feed).executeTakeFirst();
  if (!row) return undefined;
  const hasCheckpoint = row.resume_id !== null && row.resume_day !== null && row.last_id !== null && row.last_time !== null;
  return {
    checkpoint: hasCheckpoint
      ? {
          resumeId: Number(row.resume_id),
          resumeDay: row.resume_day as IsoDay,
          lastId: Number(row.last_id),
          lastTime: Number(row.last_time),
          coveredUntil: row.covered_until,
        }
      : null,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    lastRunAt: row.last_run_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
  };
}

/**
 * Takes the feed's lease unless another owner holds one that has not expired: one conditional update,
 * so of several instances starting together exactly one gets it (on SQLite and PostgreSQL alike).
 */
export async function claimMoodleLease(db: Db, feed: string, owner: string, now: string, until: string): Promise<boolean> {
  await db
    .insertInto('moodle_feed_checkpoints')
    .values({ feed })
    .onConflict((oc) => oc.column('feed').doNothing())
    .execute();
  const result = await db
    .updateTable('moodle_feed_checkpoints')
    .set({ lease_owner: owner, lease_until: until })
    .where('feed', '=', feed)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', owner)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Extends a lease still held; false when it was lost (expired and taken by another instance). */
export async function renewMoodleLease(db: Db, feed: string, owner: string, until: string): Promise<boolean> {
  const result = await db
    .updateTable('moodle_feed_checkpoints')
    .set({ lease_until: until })
    .where('feed', '=', feed)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function releaseMoodleLease(db: Db, feed: string, owner: string): Promise<void> {
  await db
    .updateTable('moodle_feed_checkpoints')
    .set({ lease_owner: null, lease_until: null })
    .where('feed', '=', feed)
    .where('lease_owner', '=', owner)
    .execute();
}

/** Stores where the next run starts; call it in the transaction that writes the run's counts. */
export async function saveMoodleCheckpoint(db: Db, feed: string, checkpoint: MoodleCheckpoint, at: string): Promise<void> {
  await db
    .updateTable('moodle_feed_checkpoints')
    .set({
      resume_id: checkpoint.resumeId,
      resume_day: checkpoint.resumeDay,
      last_id: checkpoint.lastId,
      last_time: checkpoint.lastTime,
      covered_until: checkpoint.coveredUntil,
      last_run_at: at,
      last_status: 'succeeded',
      last_error: null,
    })
    .where('feed', '=', feed)
    .execute();
}

/** A failed run keeps the checkpoint as it was, so the next run starts from the same place. */
export async function saveMoodleFailure(db: Db, feed: string, at: string, error: string): Promise<void> {
  await db
    .updateTable('moodle_feed_checkpoints')
    .set({ last_run_at: at, last_status: 'failed', last_error: error })
    .where('feed', '=', feed)
    .execute();
}
