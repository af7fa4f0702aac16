import type { Kysely } from 'kysely';

/**
 * Checkpoints for the Graph attendance collector. A report is collected once (its row here is
 * written in the same transaction as its sessions), and an organiser's window only advances when
 * every report in it was read, so a run that dies resumes and a re-run never double-counts.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('graph_organiser_checkpoints')
    .addColumn('organiser', 'text', (c) => c.primaryKey())
    .addColumn('collected_until', 'text')
    .addColumn('last_run_at', 'text', (c) => c.notNull())
    .addColumn('last_status', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();

  await db.schema
    .createTable('graph_attendance_reports')
    .addColumn('report_id', 'text', (c) => c.primaryKey())
    .addColumn('organiser', 'text', (c) => c.notNull())
    .addColumn('meeting_id', 'text', (c) => c.notNull())
    .addColumn('session_start', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('students_counted', 'integer', (c) => c.notNull())
    .addColumn('collected_at', 'text', (c) => c.notNull())
    .execute();

  // One row per student per meeting session: the occurrences behind the teams_attendance counts,
  // so a day's count can be rebuilt exactly when a later report for the same day arrives.
  await db.schema
    .createTable('teams_attendance_sessions')
    .addColumn('report_id', 'text', (c) => c.notNull().references('graph_attendance_reports.report_id').onDelete('cascade'))
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('teams_attendance_sessions_pk', ['report_id', 'student_id'])
    .execute();
  await db.schema
    .createIndex('teams_attendance_sessions_student_day_idx')
    .on('teams_attendance_sessions')
    .columns(['student_id', 'day'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['teams_attendance_sessions', 'graph_attendance_reports', 'graph_organiser_checkpoints']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
