import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from './database';
import { chunk, newId } from './ids';

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

export interface AuditFilter {
  /** Only entries about this department (its staff's actions, its students, its settings); null for every department. */
  departmentId: string | null;
  actorId?: string;
  studentId?: string;
  /** Instants, inclusive lower and exclusive upper bound. */
  fromAt?: string;
  toAt?: string;
}

export interface AuditRow {
  at: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  subjectKind: string;
  subjectId: string | null;
  detail: Record<string, unknown>;
}

/** One page of the audit log, newest first, filtered and scoped in SQL; with the total that matches. */
export async function searchAudit(
  db: Db,
  filter: AuditFilter,
  page: { offset: number; limit: number | null },
): Promise<{ total: number; rows: AuditRow[] }> {
  let q = db.selectFrom('audit_log').leftJoin('staff', 'staff.id', 'audit_log.actor_id');
  if (filter.departmentId !== null) {
    const dept = filter.departmentId;
    q = q.where((eb) =>
      eb.or([
        eb('staff.department_id', '=', dept),
        eb.and([eb('audit_log.subject_kind', '=', 'department'), eb('audit_log.subject_id', '=', dept)]),
        eb.and([
          eb('audit_log.subject_kind', '=', 'student'),
          eb('audit_log.subject_id', 'in', eb.selectFrom('students').select('id').where('department_id', '=', dept)),
        ]),
        eb.and([
          eb('audit_log.subject_kind', '=', 'staff'),
          eb('audit_log.subject_id', 'in', eb.selectFrom('staff as s2').select('s2.id').where('s2.department_id', '=', dept)),
        ]),
      ]),
    );
  }
  if (filter.actorId) q = q.where('audit_log.actor_id', '=', filter.actorId);
  if (filter.studentId) {
    const id = filter.studentId;
    // Reading or exporting the audit log records its filters, which name the student; that is not an entry about them.
    q = q.where((eb) =>
      eb.or([
        eb('audit_log.subject_id', '=', id),
        eb.and([
          eb('audit_log.subject_kind', '!=', 'audit'),
          // The id is matched literally: % and _ in it are not wildcards (the same escape on SQLite and PostgreSQL).
          sql<boolean>`${sql.ref('audit_log.detail')} like ${`%${JSON.stringify(id).replace(/[!%_]/g, '!$&')}%`} escape '!'`,
        ]),
      ]),
    );
  }
  if (filter.fromAt) q = q.where('audit_log.at', '>=', filter.fromAt);
  if (filter.toAt) q = q.where('audit_log.at', '<', filter.toAt);
  const count = await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  let rowsQuery = q
    .select([
      'audit_log.at',
      'audit_log.actor_id',
      'staff.display_name as actor_name',
      'audit_log.action',
      'audit_log.subject_kind',
      'audit_log.subject_id',
      'audit_log.detail',
    ])
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .offset(page.offset);
  if (page.limit !== null) rowsQuery = rowsQuery.limit(page.limit);
  else rowsQuery = rowsQuery.limit(1_000_000);
  const rows = await rowsQuery.execute();
  return {
    total: Number(count?.n ?? 0),
    rows: rows.map((r) => ({
      at: r.at,
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      subjectKind: r.subject_kind,
      subjectId: r.subject_id,
      detail: DetailSchema.parse(JSON.parse(r.detail)),
    })),
  };
}

/**
 * Names for the students and staff an audit page mentions. Students outside `departmentId` (when
 * given) are left out, so a department administrator never learns another department's names.
 */
export async function auditNames(
  db: Db,
  ids: { students: readonly string[]; staff: readonly string[] },
  departmentId: string | null,
): Promise<{ students: Map<string, string>; staff: Map<string, string> }> {
  const students = new Map<string, string>();
  const staff = new Map<string, string>();
  for (const part of chunk([...new Set(ids.students)], 500)) {
    let q = db.selectFrom('students').select(['id', 'given_name', 'family_name']).where('id', 'in', part);
    if (departmentId !== null) q = q.where('department_id', '=', departmentId);
    for (const r of await q.execute()) students.set(r.id, `${r.given_name} ${r.family_name}`);
  }
  for (const part of chunk([...new Set(ids.staff)], 500)) {
    for (const r of await db.selectFrom('staff').select(['id', 'display_name']).where('id', 'in', part).execute())
      staff.set(r.id, r.display_name);
  }
  return { students, staff };
}
