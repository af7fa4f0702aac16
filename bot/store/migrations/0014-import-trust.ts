import type { Kysely } from 'kysely';

/**
 * Imports a university can trust (issue 12): what identifies an import (file and every setting that
 * changes how it is read), whether it claims complete days, which later import superseded it, and
 * Teams attendance kept per meeting so a CSV download and a Graph collection of the same meeting
 * form a union instead of overwriting each other.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // SQLite adds one column per ALTER TABLE.
  await db.schema.alterTable('imports').addColumn('import_key', 'text').execute();
  await db.schema
    .alterTable('imports')
    .addColumn('complete', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('imports').addColumn('superseded_by', 'text').execute();
  await db.schema.createIndex('imports_key_idx').on('imports').column('import_key').execute();

  // The meeting a Graph report belongs to, in the same words as a downloaded report's (organiser and start minute).
  await db.schema.alterTable('graph_attendance_reports').addColumn('meeting_key', 'text').execute();

  // One row per student per meeting read from a downloaded attendance file; a later download of the same meeting replaces it.
  await db.schema
    .createTable('teams_meeting_attendance')
    .addColumn('import_id', 'text', (c) => c.notNull().references('imports.id').onDelete('cascade'))
    .addColumn('meeting_key', 'text', (c) => c.notNull())
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('teams_meeting_attendance_pk', ['import_id', 'student_id'])
    .execute();
  await db.schema.createIndex('teams_meeting_attendance_meeting_idx').on('teams_meeting_attendance').column('meeting_key').execute();
  await db.schema
    .createIndex('teams_meeting_attendance_student_day_idx')
    .on('teams_meeting_attendance')
    .columns(['student_id', 'day'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('teams_meeting_attendance').ifExists().execute();
  await db.schema.alterTable('graph_attendance_reports').dropColumn('meeting_key').execute();
  await db.schema.dropIndex('imports_key_idx').ifExists().execute();
  for (const column of ['superseded_by', 'complete', 'import_key']) await db.schema.alterTable('imports').dropColumn(column).execute();
}
