import { PostgresAdapter, sql } from 'kysely';
import type { IsoDay, Source } from '../../shared/domain';
import type { Db } from './database';
import { chunk } from './ids';

/** One run of an importer as recorded in `imports`: the data page and the rules' coverage read it. */
export interface ImportRun {
  id: string;
  /** A count source (moodle_login, ...) or, for identity and roster files, what was imported (moodle_users, samis_roster). */
  source: string;
  format: string;
  scope: string;
  fileName: string;
  fileHash: string | null;
  periodStart: IsoDay | null;
  periodEnd: IsoDay | null;
  rowsRead: number;
  rowsCounted: number;
  rowsIgnored: number;
  rowsRejected: number;
  rowsUnresolved: number;
  studentsAffected: number;
  status: 'running' | 'succeeded' | 'failed';
  errors: string[];
  details: Record<string, unknown>;
  startedAt: string;
  finishedAt: string | null;
  /** The department an upload speaks for; absent or null for an institution-wide import. */
  departmentId?: string | null;
}

export async function insertImportRun(db: Db, r: ImportRun): Promise<void> {
  await db
    .insertInto('imports')
    .values({
      id: r.id,
      source: r.source,
      format: r.format,
      scope: r.scope,
      file_name: r.fileName,
      file_hash: r.fileHash,
      period_start: r.periodStart,
      period_end: r.periodEnd,
      rows_read: r.rowsRead,
      rows_counted: r.rowsCounted,
      rows_ignored: r.rowsIgnored,
      rows_rejected: r.rowsRejected,
      rows_unresolved: r.rowsUnresolved,
      students_affected: r.studentsAffected,
      status: r.status,
      errors: JSON.stringify(r.errors),
      details: JSON.stringify(r.details),
      started_at: r.startedAt,
      finished_at: r.finishedAt,
      department_id: r.departmentId ?? null,
    })
    .execute();
}

/** The earlier successful import of exactly these bytes, if any; given a department (or null, the institution), only that one's. */
export async function findImportByHash(
  db: Db,
  fileHash: string,
  format: string,
  departmentId?: string | null,
): Promise<{ id: string; finishedAt: string | null; fileName: string; rowsUnresolved: number } | undefined> {
  const row = await db
    .selectFrom('imports')
    .select(['id', 'finished_at', 'file_name', 'rows_unresolved'])
    .where('file_hash', '=', fileHash)
    .where('format', '=', format)
    .where('status', '=', 'succeeded')
    .$if(departmentId !== undefined, (q) =>
      departmentId ? q.where('department_id', '=', departmentId) : q.where('department_id', 'is', null),
    )
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row && { id: row.id, finishedAt: row.finished_at, fileName: row.file_name, rowsUnresolved: row.rows_unresolved };
}

/** Resolves many keys of one identity system at once; keys with no student are simply absent. */
export async function resolveIdentities(db: Db, sourceSystem: string, keys: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const batch of chunk(keys, 500)) {
    const rows = await db
      .selectFrom('identities')
      .select(['external_key', 'student_id'])
      .where('source_system', '=', sourceSystem)
      .where('external_key', 'in', batch)
      .execute();
    for (const row of rows) out.set(row.external_key, row.student_id);
  }
  return out;
}

/** Serialises imports of one source and scope on PostgreSQL (SQLite already runs one writer at a time). */
export async function lockImportScope(db: Db, source: string, scope: string): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`select pg_advisory_xact_lock(hashtext(${`import:${source}:${scope}`}))`.execute(db);
  }
}

export interface ScopeReplacement {
  importId: string;
  source: Source;
  scope: string;
  start: IsoDay;
  end: IsoDay;
  counts: ReadonlyArray<{ studentId: string; day: IsoDay; count: number }>;
  /** A department's upload replaces earlier contributions for that department's students only. */
  departmentId?: string;
}

/**
 * The import rule, in SQL: inside [start, end], take out of activity_counts what earlier imports of
 * the same source and scope contributed, forget those contributions, then add this import's. Counts
 * written by anything else (Graph collection, the demo) and days outside the period are untouched.
 * Run it inside a transaction.
 */
export async function replaceScopeCounts(db: Db, r: ScopeReplacement): Promise<void> {
  const earlier = sql`select ic.count from import_counts ic join imports i on i.id = ic.import_id
    where i.source = ${r.source} and i.scope = ${r.scope} and ic.source = ${r.source}
      and ic.student_id = activity_counts.student_id and ic.day = activity_counts.day and i.id <> ${r.importId}`;
  const inDepartment =
    r.departmentId === undefined ? sql`` : sql` and student_id in (select id from students where department_id = ${r.departmentId})`;
  await sql`update activity_counts set count = count - (select coalesce(sum(e.count), 0) from (${earlier}) e)
    where source = ${r.source} and day >= ${r.start} and day <= ${r.end} and exists (${earlier})${inDepartment}`.execute(db);
  await db
    .deleteFrom('import_counts')
    .where('source', '=', r.source)
    .where('day', '>=', r.start)
    .where('day', '<=', r.end)
    .where('import_id', '<>', r.importId)
    .where('import_id', 'in', (eb) => eb.selectFrom('imports').select('id').where('source', '=', r.source).where('scope', '=', r.scope))
    .$if(r.departmentId !== undefined, (q) =>
      q.where('student_id', 'in', (eb) =>
        eb
          .selectFrom('students')
          .select('id')
          .where('department_id', '=', r.departmentId ?? ''),
      ),
    )
    .execute();
  await insertImportCounts(db, r);
  await db
    .deleteFrom('activity_counts')
    .where('source', '=', r.source)
    .where('day', '>=', r.start)
    .where('day', '<=', r.end)
    .where('count', '<=', 0)
    .execute();
}

const COUNT_BATCH = 10_000;

/**
 * Each batch of 10,000 counts goes to both tables as one JSON parameter, unpacked by the database
 * (json_each on SQLite, json_to_recordset on PostgreSQL). The statements stay small: a multi-row
 * VALUES statement of thousands of rows compiles to a program of its own size on every batch, which
 * cost more time and memory than the rows it wrote.
 */
async function insertImportCounts(db: Db, r: ScopeReplacement): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (let from = 0; from < r.counts.length; from += COUNT_BATCH) {
    const batch = JSON.stringify(r.counts.slice(from, from + COUNT_BATCH).map((c) => ({ s: c.studentId, d: c.day, c: c.count })));
    await sql`insert into import_counts (import_id, student_id, day, source, count)
      select ${r.importId}, r.s, r.d, ${r.source}, r.c from ${batchRows(postgres, batch)} where true`.execute(db);
    await sql`insert into activity_counts (student_id, day, source, count)
      select r.s, r.d, ${r.source}, r.c from ${batchRows(postgres, batch)} where true
      on conflict (student_id, day, source) do update set count = activity_counts.count + excluded.count`.execute(db);
  }
}

function batchRows(postgres: boolean, batch: string): ReturnType<typeof sql> {
  return postgres
    ? sql`json_to_recordset(cast(${batch} as json)) as r(s text, d text, c integer)`
    : sql`(select json_extract(value, '$.s') as s, json_extract(value, '$.d') as d, json_extract(value, '$.c') as c from json_each(${batch})) as r`;
}

/** Which of these students belong to a department other than `departmentId`. */
export async function findStudentsOutsideDepartment(db: Db, studentIds: readonly string[], departmentId: string): Promise<Set<string>> {
  const outside = new Set<string>();
  for (const batch of chunk(studentIds, 500)) {
    const rows = await db.selectFrom('students').select('id').where('id', 'in', batch).where('department_id', '<>', departmentId).execute();
    for (const row of rows) outside.add(row.id);
  }
  return outside;
}
