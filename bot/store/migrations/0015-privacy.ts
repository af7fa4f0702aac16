import type { Kysely } from 'kysely';

// An upheld objection to monitoring ("do not monitor"): evaluation and alerts stop for the student,
// while what must be kept (counts within retention, closed cases) stays until retention removes it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('students').addColumn('monitoring_objection_at', 'text').execute();
  await db.schema.alterTable('students').addColumn('monitoring_objection_reason', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('students').dropColumn('monitoring_objection_reason').execute();
  await db.schema.alterTable('students').dropColumn('monitoring_objection_at').execute();
}
