import type { Db } from './database';
import { newId } from './ids';

export interface AuditEntry {
  actorId: string | null;
  action: string;
  subjectKind: string;
  subjectId: string | null;
  detail?: Record<string, unknown>;
}

/** Writes who viewed or changed what; every view of student data goes through here. */
export async function writeAudit(db: Db, entry: AuditEntry, at: string): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ id: newId(), at, actor_id: entry.actorId, action: entry.action, subject_kind: entry.subjectKind, subject_id: entry.subjectId, detail: JSON.stringify(entry.detail ?? {}) })
    .execute();
}

export async function listAudit(db: Db, limit = 100): Promise<Array<AuditEntry & { at: string }>> {
  const rows = await db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').limit(limit).execute();
  return rows.map((r) => ({ at: r.at, actorId: r.actor_id, action: r.action, subjectKind: r.subject_kind, subjectId: r.subject_id, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}
