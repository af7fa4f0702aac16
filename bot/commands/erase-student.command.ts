import { sql } from 'kysely';
import { AppError } from '../errors';
import type { Db } from '../store/database';
import { writeAudit } from '../store/audit.repository';
import { changeCaseStatus, findOpenCaseOfStudent } from '../store/case.repository';
import { appendCaseEvent } from '../store/case-event.repository';
import { findStudent } from '../store/student.repository';
import { listStudentKeyedTables, listTextColumns, setMonitoringObjection } from '../store/privacy.repository';

export interface ErasureSummary {
  studentId: string;
  rowsDeleted: number;
  /** Records that kept the student's id in text (audit details, import notes) and now say "erased". */
  mentionsCleared: number;
}

const ERASED = 'erased-student';
const ERASED_CASE = 'erased-case';

/**
 * Removes one student entirely: every row keyed by them (found from the live schema, so a table
 * added later is covered), their cases and timelines, and their id wherever it was written into
 * a record about something else. The erasure itself is audited with who and why, but not whom.
 */
export async function eraseStudent(
  db: Db,
  studentId: string,
  who: { by: string | null; reason: string; at: string },
): Promise<ErasureSummary> {
  if (who.reason.trim() === '')
    throw new AppError(400, 'reason_required', 'Say why the student is being erased (--reason), for the audit.');
  const keyed = await listStudentKeyedTables(db);
  const textColumns = await listTextColumns(db);
  const summary = await db.transaction().execute(async (trx) => {
    const student = await findStudent(trx, studentId);
    if (!student) throw new AppError(404, 'unknown_student', `There is no student "${studentId}".`);
    let rowsDeleted = 0;
    const caseIds = (await trx.selectFrom('cases').select('id').where('student_id', '=', studentId).execute()).map((c) => c.id);
    // Messages about one of their cases (a check-in, a notice quoting them) go; a digest naming several keeps the others.
    for (const caseId of caseIds) {
      const r = await sql`delete from outbox where payload like ${`%"caseId":${JSON.stringify(caseId)}%`}`.execute(trx);
      rowsDeleted += Number(r.numAffectedRows ?? 0);
    }
    const cases = sql`select id from cases where student_id = ${studentId}`;
    for (const table of ['case_events', 'case_followups', 'sent_card_cases'] as const) {
      const r = await sql`delete from ${sql.table(table)} where case_id in (${cases})`.execute(trx);
      rowsDeleted += Number(r.numAffectedRows ?? 0);
    }
    // Children before parents: cases last among the keyed tables, the student row at the very end.
    const ordered = [...keyed.filter((k) => k.table !== 'students' && k.table !== 'cases'), ...keyed.filter((k) => k.table === 'cases')];
    for (const { table, column } of ordered) {
      const r = await sql`delete from ${sql.table(table)} where ${sql.ref(column)} = ${studentId}`.execute(trx);
      rowsDeleted += Number(r.numAffectedRows ?? 0);
    }
    const audit = await sql`delete from audit_log where subject_id = ${studentId}`.execute(trx);
    rowsDeleted += Number(audit.numAffectedRows ?? 0);
    // The id written inside other records (a list view's student ids, an import's unresolved keys).
    let mentionsCleared = 0;
    for (const [id, replacement] of [[studentId, ERASED] as const, ...caseIds.map((c) => [c, ERASED_CASE] as const)]) {
      const quoted = JSON.stringify(id);
      for (const { table, column } of textColumns) {
        if (table === 'students') continue;
        const col = sql.ref(column);
        const r =
          await sql`update ${sql.table(table)} set ${col} = replace(${col}, ${quoted}, ${JSON.stringify(replacement)}) where ${col} like ${`%${quoted}%`}`.execute(
            trx,
          );
        mentionsCleared += Number(r.numAffectedRows ?? 0);
      }
    }
    const r = await sql`delete from students where id = ${studentId}`.execute(trx);
    rowsDeleted += Number(r.numAffectedRows ?? 0);
    await writeAudit(
      trx,
      { actorId: who.by, action: 'erased_student', subjectKind: 'student', subjectId: null, detail: { reason: who.reason, rowsDeleted } },
      who.at,
    );
    return { studentId, rowsDeleted, mentionsCleared };
  });
  return summary;
}

/**
 * An upheld objection ("do not monitor"): evaluation and alerts stop for the student and an open
 * case is closed with a note on its timeline; what must be kept stays until retention removes it.
 * Lifting it (`on: false`) lets the next evaluation judge the student again.
 */
export async function setDoNotMonitor(
  db: Db,
  studentId: string,
  change: { on: boolean; reason: string; by: string | null; at: string },
): Promise<{ studentId: string; monitoring: boolean; closedCaseId: string | null }> {
  if (change.on && change.reason.trim() === '')
    throw new AppError(400, 'reason_required', 'Say why monitoring stops (--reason), for the audit.');
  return db.transaction().execute(async (trx) => {
    if (!(await findStudent(trx, studentId))) throw new AppError(404, 'unknown_student', `There is no student "${studentId}".`);
    await setMonitoringObjection(trx, studentId, change.on ? { reason: change.reason } : null, change.at);
    let closedCaseId: string | null = null;
    if (change.on) {
      const open = await findOpenCaseOfStudent(trx, studentId);
      if (open && (await changeCaseStatus(trx, open.id, [open.status], { status: 'closed', closedAt: change.at, updatedAt: change.at }))) {
        closedCaseId = open.id;
        await appendCaseEvent(trx, {
          caseId: open.id,
          at: change.at,
          kind: 'monitoring_stopped',
          actorKind: change.by ? 'staff' : 'system',
          actorId: change.by,
          note: null,
          data: {},
        });
      }
    }
    await writeAudit(
      trx,
      {
        actorId: change.by,
        action: change.on ? 'stopped_monitoring' : 'resumed_monitoring',
        subjectKind: 'student',
        subjectId: studentId,
        detail: change.on ? { reason: change.reason } : {},
      },
      change.at,
    );
    return { studentId, monitoring: !change.on, closedCaseId };
  });
}
