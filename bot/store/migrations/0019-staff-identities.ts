import type { Kysely } from 'kysely';

/**
 * Keys that name a member of staff in an activity export (issue 12): a staff Moodle user id and username,
 * learned from Moodle's user download by e-mail. An import reports their rows as "staff, ignored"
 * instead of "unresolved: import the roster", and they never count towards refusing a file.
 * Counts only ever belong to students: nothing here is counted.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('staff_identities')
    .addColumn('source_system', 'text', (c) => c.notNull())
    .addColumn('external_key', 'text', (c) => c.notNull())
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('staff_identities_pk', ['source_system', 'external_key'])
    .execute();
  await db.schema.createIndex('staff_identities_staff_idx').on('staff_identities').column('staff_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('staff_identities').ifExists().execute();
}
