import type { CaseStatus, Severity } from '../../shared/domain';
import type { Explanation } from '../../shared/rules/types';
import type { Db } from './database';
import { newId } from './ids';
import type { Selectable } from 'kysely';
import type { CaseRow, Database } from './schema';

export interface Case {
  id: string;
  studentId: string;
  departmentId: string;
  severity: Severity;
  status: CaseStatus;
  rules: string[];
  reason: string;
  explanation: Explanation;
  ownerId: string | null;
  outcome: string | null;
  openedAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** The day the student stopped being flagged while this case was open; null while they still are. */
  recoveredOn?: string | null;
}

export interface CaseEvent {
  id: string;
  caseId: string;
  at: string;
  kind: string;
  actorKind: 'system' | 'staff' | 'student';
  actorId: string | null;
  note: string | null;
  data: Record<string, unknown>;
}

const toCase = (r: CaseRow): Case => ({
  id: r.id,
  studentId: r.student_id,
  departmentId: r.department_id,
  severity: r.severity as Severity,
  status: r.status as CaseStatus,
  rules: JSON.parse(r.rules) as string[],
  reason: r.reason,
  explanation: JSON.parse(r.explanation) as Explanation,
  ownerId: r.owner_id,
  outcome: r.outcome,
  openedAt: r.opened_at,
  updatedAt: r.updated_at,
  closedAt: r.closed_at,
  recoveredOn: r.recovered_on ?? null,
});

export async function findOpenCases(db: Db, departmentId: string): Promise<Case[]> {
  const rows = await db.selectFrom('cases').selectAll().where('department_id', '=', departmentId).where('status', '<>', 'closed').execute();
  return rows.map(toCase);
}

export async function findCase(db: Db, id: string): Promise<Case | undefined> {
  const row = await db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toCase(row);
}

export async function findCasesByIds(db: Db, ids: readonly string[]): Promise<Case[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('cases')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  return rows.map(toCase);
}

export async function insertCase(db: Db, c: Omit<Case, 'id'>): Promise<Case> {
  const [inserted] = await insertCases(db, [c]);
  if (!inserted) throw new Error('insertCases returned nothing for one case');
  return inserted;
}

export async function updateCaseAssessment(
  db: Db,
  id: string,
  change: { severity: Severity; rules: string[]; reason: string; explanation: Explanation; updatedAt: string },
): Promise<void> {
  await db
    .updateTable('cases')
    .set({
      severity: change.severity,
      rules: JSON.stringify(change.rules),
      reason: change.reason,
      explanation: JSON.stringify(change.explanation),
      updated_at: change.updatedAt,
    })
    .where('id', '=', id)
    .execute();
}

const eventValues = (e: Omit<CaseEvent, 'id'>, id: string) => ({
  id,
  case_id: e.caseId,
  at: e.at,
  kind: e.kind,
  actor_kind: e.actorKind,
  actor_id: e.actorId,
  note: e.note,
  data: JSON.stringify(e.data),
});

export async function appendCaseEvent(db: Db, e: Omit<CaseEvent, 'id'>): Promise<CaseEvent> {
  const id = newId();
  await db.insertInto('case_events').values(eventValues(e, id)).execute();
  return { ...e, id };
}

export async function listCaseEvents(db: Db, caseId: string): Promise<CaseEvent[]> {
  const rows = await db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('at').orderBy('id').execute();
  return rows.map(toCaseEvent);
}

/** A timeline row as the application sees it; the tab's "last action" reads events through this too. */
export const toCaseEvent = (r: Selectable<Database['case_events']>): CaseEvent => ({
  id: r.id,
  caseId: r.case_id,
  at: r.at,
  kind: r.kind,
  actorKind: r.actor_kind as CaseEvent['actorKind'],
  actorId: r.actor_id,
  note: r.note,
  data: JSON.parse(r.data) as Record<string, unknown>,
});

const CASE_BATCH = 200;

/** Opens many cases at once (one statement per batch); returns them with their new ids, in the order given. */
export async function insertCases(db: Db, cases: ReadonlyArray<Omit<Case, 'id'>>): Promise<Case[]> {
  const withIds = cases.map((c) => ({ ...c, id: newId() }));
  for (let i = 0; i < withIds.length; i += CASE_BATCH) {
    await db
      .insertInto('cases')
      .values(
        withIds.slice(i, i + CASE_BATCH).map((c) => ({
          id: c.id,
          student_id: c.studentId,
          department_id: c.departmentId,
          severity: c.severity,
          status: c.status,
          rules: JSON.stringify(c.rules),
          reason: c.reason,
          explanation: JSON.stringify(c.explanation),
          owner_id: c.ownerId,
          outcome: c.outcome,
          opened_at: c.openedAt,
          updated_at: c.updatedAt,
          closed_at: c.closedAt,
          recovered_on: c.recoveredOn ?? null,
        })),
      )
      .execute();
  }
  return withIds;
}

/** Appends many timeline events at once. */
export async function appendCaseEvents(db: Db, events: ReadonlyArray<Omit<CaseEvent, 'id'>>): Promise<void> {
  for (let i = 0; i < events.length; i += CASE_BATCH * 2) {
    await db
      .insertInto('case_events')
      .values(events.slice(i, i + CASE_BATCH * 2).map((e) => eventValues(e, newId())))
      .execute();
  }
}

/** The most recently closed case per student, for cases a department closed at or after `since` (an instant). */
export async function findRecentlyClosedCases(db: Db, departmentId: string, since: string): Promise<Map<string, Case>> {
  const rows = await db
    .selectFrom('cases')
    .selectAll()
    .where('department_id', '=', departmentId)
    .where('status', '=', 'closed')
    .where('closed_at', '>=', since)
    .execute();
  const latest = new Map<string, Case>();
  for (const c of rows.map(toCase)) {
    const held = latest.get(c.studentId);
    if (!held || (c.closedAt ?? '') > (held.closedAt ?? '')) latest.set(c.studentId, c);
  }
  return latest;
}

/** Notes (day) or clears (null) a case's recovery. */
export async function setCaseRecovery(db: Db, id: string, recoveredOn: string | null, at: string): Promise<void> {
  await db.updateTable('cases').set({ recovered_on: recoveredOn, updated_at: at }).where('id', '=', id).execute();
}

/** Closes an open case with an outcome; does nothing to a case already closed. */
export async function closeCase(db: Db, id: string, outcome: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('cases')
    .set({ status: 'closed', outcome, closed_at: at, updated_at: at })
    .where('id', '=', id)
    .where('status', '<>', 'closed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
