import type { Kysely } from 'kysely';

/**
 * Exactly-once-as-far-as-possible delivery on several instances:
 * - outbox.claim_token fences a worker: it sends and records only while the token is still its own;
 * - outbox.send_started_at marks an attempt before the card leaves, so an attempt interrupted by a
 *   crash is known, and outbox.repeats counts the sends made after one (possible duplicates the
 *   Data page shows); outbox.sends counts every send that went to the connector;
 * - send_pace holds the next free slot of a shared pace (the tenant's and each conversation's), so
 *   every instance on one PostgreSQL spends from one budget;
 * - job_runs records when each singleton job last started, so a job runs once per schedule across
 *   instances, also when another instance takes it over.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('claim_token', 'text').execute();
  await db.schema.alterTable('outbox').addColumn('send_started_at', 'text').execute();
  await db.schema
    .alterTable('outbox')
    .addColumn('sends', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('outbox')
    .addColumn('repeats', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('send_pace')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('next_us', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('job_runs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('instance', 'text', (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_runs').ifExists().execute();
  await db.schema.dropTable('send_pace').ifExists().execute();
  for (const column of ['repeats', 'sends', 'send_started_at', 'claim_token'])
    await db.schema.alterTable('outbox').dropColumn(column).execute();
}
