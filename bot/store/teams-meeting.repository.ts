import { sql } from 'kysely';
import type { IsoDay } from '../../shared/domain';
import type { Db } from './database';
import { chunk } from './ids';

/**
 * Replaces what earlier downloads of the same meeting contributed with this one's attendees, then
 * rebuilds the teams_attendance count of every student-day either touched. Run inside a transaction.
 */
export async function replaceMeetingAttendance(
  db: Db,
  r: { importId: string; meetingKey: string; attendees: ReadonlyArray<{ studentId: string; day: IsoDay }> },
): Promise<void> {
  const earlier = await db
    .selectFrom('teams_meeting_attendance')
    .select(['student_id', 'day'])
    .where('meeting_key', '=', r.meetingKey)
    .where('import_id', '<>', r.importId)
    .execute();
  await db.deleteFrom('teams_meeting_attendance').where('meeting_key', '=', r.meetingKey).where('import_id', '<>', r.importId).execute();
  for (const batch of chunk(r.attendees, 500)) {
    await db
      .insertInto('teams_meeting_attendance')
      .values(batch.map((a) => ({ import_id: r.importId, meeting_key: r.meetingKey, student_id: a.studentId, day: a.day })))
      .execute();
  }
  await rebuildTeamsAttendance(db, [...earlier.map((e) => ({ studentId: e.student_id, day: e.day })), ...r.attendees]);
}

/**
 * Sets each student-day's teams_attendance count to the number of meetings seen for it by either path:
 * every Graph session (each report is its own session, even two of one organiser in the same minute),
 * plus every downloaded meeting the student's Graph sessions do not already hold. So the same meeting
 * is never counted twice and neither path erases the other. A student-day left with none loses its count.
 */
export async function rebuildTeamsAttendance(db: Db, studentDays: ReadonlyArray<{ studentId: string; day: IsoDay }>): Promise<void> {
  const wanted = new Map<string, { studentId: string; day: IsoDay }>();
  for (const sd of studentDays) wanted.set(`${sd.studentId}\u001f${sd.day}`, sd);
  const byStudent = new Map<string, Set<IsoDay>>();
  for (const { studentId, day } of wanted.values()) {
    let days = byStudent.get(studentId);
    if (!days) byStudent.set(studentId, (days = new Set()));
    days.add(day);
  }
  const days = [...new Set([...wanted.values()].map((w) => w.day))];
  for (const ids of chunk([...byStudent.keys()], 500)) {
    for (const dayBatch of chunk(days, 500)) {
      const rows = await sql<{ student_id: string; day: string; n: number }>`
        select u.student_id, u.day, count(distinct u.k) as n from (
          select s.student_id, s.day, 'graph-report:' || s.report_id as k from teams_attendance_sessions s
            where s.student_id in (${sql.join(ids)}) and s.day in (${sql.join(dayBatch)})
          union all
          select m.student_id, m.day, m.meeting_key as k from teams_meeting_attendance m
            where m.student_id in (${sql.join(ids)}) and m.day in (${sql.join(dayBatch)})
              and not exists (select 1 from teams_attendance_sessions gs join graph_attendance_reports gr on gr.report_id = gs.report_id
                where gs.student_id = m.student_id and gr.meeting_key = m.meeting_key)
        ) u group by u.student_id, u.day`.execute(db);
      const found = new Map(rows.rows.map((row) => [`${row.student_id}\u001f${row.day}`, Number(row.n)]));
      for (const id of ids) {
        for (const day of dayBatch) {
          if (!byStudent.get(id)?.has(day)) continue;
          const n = found.get(`${id}\u001f${day}`) ?? 0;
          if (n > 0)
            await db
              .insertInto('activity_counts')
              .values({ student_id: id, day, source: 'teams_attendance', count: n })
              .onConflict((oc) => oc.columns(['student_id', 'day', 'source']).doUpdateSet({ count: n }))
              .execute();
          else
            await db
              .deleteFrom('activity_counts')
              .where('student_id', '=', id)
              .where('day', '=', day)
              .where('source', '=', 'teams_attendance')
              .execute();
        }
      }
    }
  }
}
