import { PostgresAdapter, sql } from 'kysely';
import type { IsoDay } from '../../shared/domain';
import type { Db } from './database';
import { upsertCounts } from './activity.repository';
import { chunk } from './ids';

export interface OrganiserCheckpoint {
  organiser: string;
  /** The instant up to which every meeting of this organiser was collected; null if never. */
  collectedUntil: string | null;
  lastRunAt: string;
  lastStatus: 'succeeded' | 'failed';
  lastError: string | null;
}

export async function findOrganiserCheckpoint(db: Db, organiser: string): Promise<OrganiserCheckpoint | undefined> {
  const row = await db.selectFrom('graph_organiser_checkpoints').selectAll().where('organiser', '=', organiser).executeTakeFirst();
  return (
    row && {
      organiser: row.organiser,
      collectedUntil: row.collected_until,
      lastRunAt: row.last_run_at,
      lastStatus: row.last_status as OrganiserCheckpoint['lastStatus'],
      lastError: row.last_error,
    }
  );
}

/** Records a run for an organiser; a failed run keeps the previous `collected_until`, so the next run starts from there. */
export async function saveOrganiserRun(
  db: Db,
  run: { organiser: string; at: string } & ({ status: 'succeeded'; collectedUntil: string } | { status: 'failed'; error: string }),
): Promise<void> {
  const values = {
    organiser: run.organiser,
    collected_until: run.status === 'succeeded' ? run.collectedUntil : null,
    last_run_at: run.at,
    last_status: run.status,
    last_error: run.status === 'failed' ? run.error : null,
  };
  await db
    .insertInto('graph_organiser_checkpoints')
    .values(values)
    .onConflict((oc) =>
      oc.column('organiser').doUpdateSet(
        run.status === 'succeeded'
          ? {
              collected_until: values.collected_until,
              last_run_at: values.last_run_at,
              last_status: values.last_status,
              last_error: null,
            }
          : { last_run_at: values.last_run_at, last_status: values.last_status, last_error: values.last_error },
      ),
    )
    .execute();
}

/** Which of these attendance reports were already collected (and so must not be counted again). */
export async function findCollectedReports(db: Db, reportIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const ids of chunk(reportIds, 500)) {
    const rows = await db.selectFrom('graph_attendance_reports').select('report_id').where('report_id', 'in', ids).execute();
    for (const r of rows) found.add(r.report_id);
  }
  return found;
}

/** An arbitrary constant naming the attendance-count lock among the database's advisory locks. */
const ATTENDANCE_LOCK_KEY = 5_170_705;

export interface CollectedReport {
  reportId: string;
  organiser: string;
  meetingId: string;
  sessionStart: string;
  day: IsoDay;
  studentIds: readonly string[];
  collectedAt: string;
}

/**
 * Stores one meeting session in one transaction: its checkpoint, one occurrence per student, and the
 * rebuilt teams_attendance count of each affected student-day. Returns false (and changes nothing)
 * when the report was already collected.
 */
export async function recordAttendanceReport(db: Db, report: CollectedReport): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Two collectors (the service's job and a CLI run) may store reports at once. A day's count is
    // rebuilt from the sessions, so the rebuilds must not interleave: PostgreSQL serialises them with a
    // transaction-scoped lock; SQLite already allows one writer at a time.
    if (trx.getExecutor().adapter instanceof PostgresAdapter) await sql`select pg_advisory_xact_lock(${ATTENDANCE_LOCK_KEY})`.execute(trx);
    const inserted = await trx
      .insertInto('graph_attendance_reports')
      .values({
        report_id: report.reportId,
        organiser: report.organiser,
        meeting_id: report.meetingId,
        session_start: report.sessionStart,
        day: report.day,
        students_counted: report.studentIds.length,
        collected_at: report.collectedAt,
      })
      .onConflict((oc) => oc.column('report_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    if (report.studentIds.length === 0) return true;
    for (const ids of chunk(report.studentIds, 500)) {
      await trx
        .insertInto('teams_attendance_sessions')
        .values(ids.map((studentId) => ({ report_id: report.reportId, student_id: studentId, day: report.day })))
        .execute();
    }
    await rebuildAttendanceCounts(trx, report.studentIds, [report.day]);
    return true;
  });
}

/**
 * Sets each student-day's teams_attendance count to the number of sessions held for it. Counting
 * from the sessions (rather than adding one) keeps the count exact however often a day is rebuilt.
 */
export async function rebuildAttendanceCounts(db: Db, studentIds: readonly string[], days: readonly IsoDay[]): Promise<number> {
  let written = 0;
  for (const ids of chunk(studentIds, 500)) {
    const rows = await db
      .selectFrom('teams_attendance_sessions')
      .select(['student_id', 'day', db.fn.countAll<number>().as('n')])
      .where('student_id', 'in', ids)
      .where('day', 'in', [...days])
      .groupBy(['student_id', 'day'])
      .execute();
    await upsertCounts(
      db,
      rows.map((r) => ({ studentId: r.student_id, day: r.day, source: 'teams_attendance' as const, count: Number(r.n) })),
    );
    written += rows.length;
  }
  return written;
}
