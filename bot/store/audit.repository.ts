import { z } from 'zod';
import type { Db } from './database';
import { newId } from './ids';

const DetailSchema = z.record(z.string(), z.unknown());

export interface AuditEntry {
  actorId: string | null;
  action: string;
  subjectKind: string;
  subjectId: string | null;
  detail?: Record<string, unknown>;
}

/** Writes who viewed or changed what; every view of student data goes through here. */
export async function writeAudit(db: Db, entry: AuditEntry, at: string): Promise<void> {
  await db.insertInto('audit_log').values(toRow(entry, at)).execute();
}

export async function listAudit(db: Db, limit = 100): Promise<Array<AuditEntry & { at: string }>> {
  const rows = await db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    at: r.at,
    actorId: r.actor_id,
    action: r.action,
    subjectKind: r.subject_kind,
    subjectId: r.subject_id,
    detail: DetailSchema.parse(JSON.parse(r.detail)),
  }));
}

/** Writes audit entries; a returned promise settles only once the entry is stored (or could not be). */
export type AuditWriter = (entry: AuditEntry, at: string) => Promise<void>;

/**
 * Group commit for busy read paths (the tab's list): entries written in the same turn of the event
 * loop are stored by one multi-row insert at the end of that turn, and each caller's promise settles
 * only after that insert, so a view is answered only once its audit entry is stored. Nothing is held
 * across requests: a failed insert rejects every caller in the batch, whose requests then fail.
 * Made once per app by the routes; never a module-level instance.
 */
export function createAuditWriter(db: Db): AuditWriter {
  let queue: Array<{ row: ReturnType<typeof toRow>; resolve: () => void; reject: (error: unknown) => void }> = [];
  const flush = async () => {
    const batch = queue;
    queue = [];
    try {
      // 7 values a row: 100 rows stay well inside SQLite's and PostgreSQL's bound-parameter limits.
      for (let i = 0; i < batch.length; i += 100) {
        await db
          .insertInto('audit_log')
          .values(batch.slice(i, i + 100).map((b) => b.row))
          .execute();
      }
      for (const b of batch) b.resolve();
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  };
  return (entry, at) =>
    new Promise<void>((resolve, reject) => {
      if (queue.length === 0) setImmediate(() => void flush());
      queue.push({ row: toRow(entry, at), resolve, reject });
    });
}

function toRow(entry: AuditEntry, at: string) {
  return {
    id: newId(),
    at,
    actor_id: entry.actorId,
    action: entry.action,
    subject_kind: entry.subjectKind,
    subject_id: entry.subjectId,
    detail: JSON.stringify(entry.detail ?? {}),
  };
}
