import { PostgresAdapter, sql, type RawBuilder } from 'kysely';
import type { IsoDay, Source } from '../../shared/domain';
import type { Db } from './database';
import { withBulkWeeks } from './activity-weeks.repository';

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
 * The weekly rows follow in grouped statements, not row by row (see withBulkWeeks). Run it inside a
 * transaction.
 */
export async function replaceScopeCounts(db: Db, r: ScopeReplacement): Promise<void> {
  const earlierImports = sql`select id from imports where source = ${r.source} and scope = ${r.scope} and id <> ${r.importId}`;
  const inDepartmentOf = (column: RawBuilder<unknown>) =>
    r.departmentId === undefined ? sql`` : sql` and ${column} in (select id from students where department_id = ${r.departmentId})`;
  const inDepartment = inDepartmentOf(sql`student_id`);
  // Every student whose counts this can change: those earlier imports counted in the period, and this import's own.
  const students = sql`select student_id from import_counts where source = ${r.source} and day >= ${r.start} and day <= ${r.end}
    and (import_id = ${r.importId} or import_id in (${earlierImports}))${inDepartment}`;
  await withBulkWeeks(db, { source: r.source, start: r.start, end: r.end, students }, async () => {
    // What the earlier imports contributed, summed per student and day once, then taken out in one joined update
    // (a correlated lookup per row had the planner scan import_counts once per count on fresh tables: 40 s for 20,000 rows).
    await sql`update activity_counts set count = activity_counts.count - e.total
      from (select student_id, day, sum(count) as total from import_counts where import_id in (${earlierImports}) and source = ${r.source}
        and day >= ${r.start} and day <= ${r.end} group by student_id, day) as e
      where activity_counts.student_id = e.student_id and activity_counts.day = e.day and activity_counts.source = ${r.source}${inDepartmentOf(sql`activity_counts.student_id`)}`.execute(
      db,
    );
    await insertImportCounts(db, r);
    // All of this import's counts in one statement, read back in key order from import_counts: the weekly
    // rows' statement trigger on PostgreSQL then runs once, and the JSON is unpacked once.
    await sql`insert into activity_counts (student_id, day, source, count)
      select student_id, day, source, count from import_counts where import_id = ${r.importId} and source = ${r.source} order by student_id, day
      on conflict (student_id, day, source) do update set count = activity_counts.count + excluded.count`.execute(db);
    // Only the touched students' rows can have fallen to zero: each is read from the (student, source, day, count) index.
    await sql`delete from activity_counts where source = ${r.source} and day >= ${r.start} and day <= ${r.end} and count <= 0
      and student_id in (${students})`.execute(db);
  });
  // The earlier contributions go last: the weeks above were found through them.
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
}

/**
 * Brings PostgreSQL's planner statistics up to date for the tables an import rewrites, where they are far
 * behind the table: when a first large import is followed at once by a corrected one (before autovacuum has
 * looked), the planner still believes the tables empty and walks an index once per count while taking the
 * earlier import's counts out (16 s for 35,000 counts in the benchmark, 2.9 s after ANALYZE). Judged from the
 * table's size on disk against what the last ANALYZE saw, which is exact at once (activity statistics reach
 * pg_stat only a second or more later). Run outside the import's transaction; a no-op on SQLite.
 */
export async function freshenPlannerStatistics(db: Db): Promise<string[]> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return [];
  const { rows } = await sql<{ name: string }>`select c.relname as name from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relname in ('activity_counts', 'import_counts', 'activity_weeks')
      and pg_relation_size(c.oid) / current_setting('block_size')::int > 2 * greatest(c.relpages, 0) + 128`.execute(db);
  for (const { name } of rows) await sql`analyze ${sql.table(name)}`.execute(db);
  return rows.map((r) => r.name);
}

/**
 * Takes everything an import contributed back out of activity_counts and marks it superseded, so it
 * no longer counts, claims coverage or stands as "already imported". Run inside a transaction.
 */
export async function supersedeImport(db: Db, importId: string, supersededBy: string): Promise<void> {
  const contributed = sql`select ic.count from import_counts ic where ic.import_id = ${importId}
    and ic.student_id = activity_counts.student_id and ic.day = activity_counts.day and ic.source = activity_counts.source`;
  await sql`update activity_counts set count = count - (select coalesce(sum(e.count), 0) from (${contributed}) e)
    where exists (${contributed})`.execute(db);
  const sources = (await db.selectFrom('import_counts').select('source').distinct().where('import_id', '=', importId).execute()).map(
    (r) => r.source,
  );
  await db.deleteFrom('import_counts').where('import_id', '=', importId).execute();
  if (sources.length > 0) await db.deleteFrom('activity_counts').where('source', 'in', sources).where('count', '<=', 0).execute();
  await db.updateTable('imports').set({ superseded_by: supersededBy }).where('id', '=', importId).execute();
}

const COUNT_BATCH = 10_000;

/**
 * Each batch of 10,000 counts goes to import_counts as one JSON parameter, unpacked by the database
 * (json_each on SQLite, json_to_recordset on PostgreSQL). The statements stay small: a multi-row
 * VALUES statement of thousands of rows compiles to a program of its own size on every batch, which
 * cost more time and memory than the rows it wrote.
 */
async function insertImportCounts(db: Db, r: ScopeReplacement): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  // In primary-key order (student, day): each index then grows at its end instead of splitting pages all over,
  // which made the writes of a million-row log two to three times faster on both databases (docs/benchmarks.md).
  const counts = [...r.counts].sort((a, b) =>
    a.studentId < b.studentId ? -1 : a.studentId > b.studentId ? 1 : a.day < b.day ? -1 : a.day > b.day ? 1 : 0,
  );
  for (let from = 0; from < counts.length; from += COUNT_BATCH) {
    const batch = JSON.stringify(counts.slice(from, from + COUNT_BATCH).map((c) => ({ s: c.studentId, d: c.day, c: c.count })));
    await sql`insert into import_counts (import_id, student_id, day, source, count)
      select ${r.importId}, r.s, r.d, ${r.source}, r.c from ${batchRows(postgres, batch)} where true`.execute(db);
  }
}

function batchRows(postgres: boolean, batch: string): ReturnType<typeof sql> {
  return postgres
    ? sql`json_to_recordset(cast(${batch} as json)) as r(s text, d text, c integer)`
    : sql`(select json_extract(value, '$.s') as s, json_extract(value, '$.d') as d, json_extract(value, '$.c') as c from json_each(${batch})) as r`;
}
