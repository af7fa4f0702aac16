import type { Kysely } from 'kysely';

// A case is paused while its student is out of monitoring (suspended, withdrawn, exempt): it keeps
// its history but never escalates, and resumes when the student is monitored again.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('case_followups').addColumn('paused_since', 'text').execute();
  await db.schema.alterTable('case_followups').addColumn('paused_reason', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('case_followups').dropColumn('paused_reason').execute();
  await db.schema.alterTable('case_followups').dropColumn('paused_since').execute();
}
