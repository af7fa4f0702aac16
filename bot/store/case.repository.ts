import type { CaseStatus, Severity } from '../../shared/domain';
import type { Explanation } from '../../shared/rules/types';
import type { Db } from './database';
import { newId } from './ids';

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

type CaseRow = {
  id: string;
  student_id: string;
  department_id: string;
  severity: string;
  status: string;
  rules: string;
  reason: string;
  explanation: string;
  owner_id: string | null;
  outcome: string | null;
  opened_at: string;
  updated_at: string;
  closed_at: string | null;
};

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
  const rows = await db.selectFrom('cases').selectAll().where('id', 'in', [...ids]).execute();
  return rows.map(toCase);
}

export async function insertCase(db: Db, c: Omit<Case, 'id'>): Promise<Case> {
  const id = newId();
  await db
    .insertInto('cases')
    .values({
      id,
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
    })
    .execute();
  return { ...c, id };
}

export async function updateCaseAssessment(
  db: Db,
  id: string,
  change: { severity: Severity; rules: string[]; reason: string; explanation: Explanation; updatedAt: string },
): Promise<void> {
  await db
    .updateTable('cases')
    .set({ severity: change.severity, rules: JSON.stringify(change.rules), reason: change.reason, explanation: JSON.stringify(change.explanation), updated_at: change.updatedAt })
    .where('id', '=', id)
    .execute();
}

export async function appendCaseEvent(db: Db, e: Omit<CaseEvent, 'id'>): Promise<CaseEvent> {
  const id = newId();
  await db
    .insertInto('case_events')
    .values({ id, case_id: e.caseId, at: e.at, kind: e.kind, actor_kind: e.actorKind, actor_id: e.actorId, note: e.note, data: JSON.stringify(e.data) })
    .execute();
  return { ...e, id };
}

export async function listCaseEvents(db: Db, caseId: string): Promise<CaseEvent[]> {
  const rows = await db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('at').orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    caseId: r.case_id,
    at: r.at,
    kind: r.kind,
    actorKind: r.actor_kind as CaseEvent['actorKind'],
    actorId: r.actor_id,
    note: r.note,
    data: JSON.parse(r.data) as Record<string, unknown>,
  }));
}
