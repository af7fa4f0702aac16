import type { Kysely } from 'kysely';

/**
 * The Moodle database pull's checkpoint and lease. A run re-reads the first day it has not seen
 * whole from that day's first log id (`resume_id`), so every day's counts are rebuilt from its start
 * and nothing is counted twice; `last_id` and `last_time` name the newest row read, to notice a
 * restored replica. The lease lets one instance pull while the others skip.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('moodle_feed_checkpoints')
    .addColumn('feed', 'text', (c) => c.primaryKey())
    .addColumn('resume_id', 'bigint')
    .addColumn('resume_day', 'text')
    .addColumn('last_id', 'bigint')
    .addColumn('last_time', 'bigint')
    .addColumn('covered_until', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_run_at', 'text')
    .addColumn('last_status', 'text')
    .addColumn('last_error', 'text')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('moodle_feed_checkpoints').ifExists().execute();
}
