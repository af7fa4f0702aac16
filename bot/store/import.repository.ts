import { z } from 'zod';
import { SOURCES, type IsoDay, type Source } from '../../shared/domain';
import { addDays } from '../../shared/calendar';
import type { Coverage } from '../../shared/rules/types';
import type { Db } from './database';
import type { ImportRow } from './schema';

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
  /** The department an upload through the tab speaks for; null for an institution-wide import. */
  departmentId: string | null;
  /** The file and every setting that changes how it was read (see importKeyOf); null for runs with no file. */
  importKey: string | null;
  /** Whether the run speaks for whole days of its sources (see docs/imports.md, "Coverage"). */
  complete: boolean;
  supersededBy: string | null;
}

/** What a run that has no format, scope or details of its own (the demo, a Graph collection) may leave out. */
type Defaulted =
  'format' | 'scope' | 'rowsUnresolved' | 'studentsAffected' | 'details' | 'importKey' | 'complete' | 'supersededBy' | 'departmentId';
type NewImportRun = Omit<ImportRun, Defaulted> & Partial<Pick<ImportRun, Defaulted>>;

/** The one writer of `imports`: importers, identity files, Graph collections and the demo all record runs here. */
export async function insertImport(db: Db, run: NewImportRun): Promise<void> {
  const r: ImportRun = {
    format: '',
    scope: 'site',
    rowsUnresolved: 0,
    studentsAffected: 0,
    details: {},
    importKey: null,
    complete: true,
    supersededBy: null,
    departmentId: null,
    ...run,
  };
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
      department_id: r.departmentId,
      import_key: r.importKey,
      complete: r.complete ? 1 : 0,
      superseded_by: r.supersededBy,
    })
    .execute();
}

export interface EarlierImport {
  id: string;
  source: string;
  format: string;
  fileName: string;
  periodStart: IsoDay | null;
  periodEnd: IsoDay | null;
  startedAt: string;
  finishedAt: string | null;
  rowsUnresolved: number;
}

const EARLIER_COLUMNS = [
  'id',
  'source',
  'format',
  'file_name',
  'period_start',
  'period_end',
  'started_at',
  'finished_at',
  'rows_unresolved',
] as const;
const toEarlier = (r: Pick<ImportRow, (typeof EARLIER_COLUMNS)[number]>): EarlierImport => ({
  id: r.id,
  source: r.source,
  format: r.format,
  fileName: r.file_name,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  rowsUnresolved: Number(r.rows_unresolved),
});

/** The newest successful, still standing import with this identity (file and settings). */
export async function findImportByKey(db: Db, importKey: string): Promise<EarlierImport | undefined> {
  const row = await db
    .selectFrom('imports')
    .select(EARLIER_COLUMNS)
    .where('import_key', '=', importKey)
    .where('status', '=', 'succeeded')
    .where('superseded_by', 'is', null)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row && toEarlier(row);
}

/** Successful, still standing imports of a source and scope whose period meets [start, end]; `after` keeps only later ones. */
export async function findOverlappingImports(
  db: Db,
  q: { sources: readonly string[]; scope: string; start: IsoDay; end: IsoDay; after?: string; excludeIds?: readonly string[] },
): Promise<EarlierImport[]> {
  if (q.sources.length === 0) return [];
  let query = db
    .selectFrom('imports')
    .select(EARLIER_COLUMNS)
    .where('source', 'in', [...q.sources])
    .where('scope', '=', q.scope)
    .where('status', '=', 'succeeded')
    .where('superseded_by', 'is', null)
    .where('period_start', '<=', q.end)
    .where('period_end', '>=', q.start);
  if (q.after !== undefined) query = query.where('started_at', '>', q.after);
  if (q.excludeIds && q.excludeIds.length > 0) query = query.where('id', 'not in', [...q.excludeIds]);
  const rows = await query.orderBy('started_at').orderBy('id').execute();
  return rows.map(toEarlier);
}

/** The ids of the imports made in one run together with this one (one per source of the file). */
export async function findSiblingImportIds(db: Db, run: { importKey: string; startedAt: string }): Promise<string[]> {
  const rows = await db
    .selectFrom('imports')
    .select('id')
    .where('import_key', '=', run.importKey)
    .where('started_at', '=', run.startedAt)
    .execute();
  return rows.map((r) => r.id);
}

/** The earlier successful import of exactly these bytes, if any; given a department (or null, the institution), only that one's. */
export async function findImportByHash(
  db: Db,
  fileHash: string,
  format: string,
  departmentId?: string | null,
): Promise<
  { id: string; finishedAt: string | null; fileName: string; rowsUnresolved: number; details: Record<string, unknown> } | undefined
> {
  const row = await db
    .selectFrom('imports')
    .select(['id', 'finished_at', 'file_name', 'rows_unresolved', 'details'])
    .where('file_hash', '=', fileHash)
    .where('format', '=', format)
    .where('status', '=', 'succeeded')
    .$if(departmentId !== undefined, (q) =>
      departmentId ? q.where('department_id', '=', departmentId) : q.where('department_id', 'is', null),
    )
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      finishedAt: row.finished_at,
      fileName: row.file_name,
      rowsUnresolved: row.rows_unresolved,
      details: DetailsSchema.parse(JSON.parse(row.details)),
    }
  );
}

const ErrorsSchema = z.array(z.string());
const DetailsSchema = z.record(z.string(), z.unknown());
const StatusSchema = z.enum(['running', 'succeeded', 'failed']);

const toImportRun = (r: ImportRow): ImportRun => ({
  id: r.id,
  source: r.source,
  format: r.format,
  scope: r.scope,
  fileName: r.file_name,
  fileHash: r.file_hash,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  rowsRead: Number(r.rows_read),
  rowsCounted: Number(r.rows_counted),
  rowsIgnored: Number(r.rows_ignored),
  rowsRejected: Number(r.rows_rejected),
  rowsUnresolved: Number(r.rows_unresolved),
  studentsAffected: Number(r.students_affected),
  status: StatusSchema.parse(r.status),
  errors: ErrorsSchema.parse(JSON.parse(r.errors)),
  details: DetailsSchema.parse(JSON.parse(r.details)),
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  departmentId: r.department_id,
  importKey: r.import_key,
  complete: Number(r.complete) === 1,
  supersededBy: r.superseded_by,
});

/** The newest runs a department's staff may see, first: its own uploads and the institution-wide imports, never another department's uploads. */
export async function listRecentImports(db: Db, departmentId: string, limit: number): Promise<ImportRun[]> {
  const rows = await db
    .selectFrom('imports')
    .selectAll()
    .where((eb) => eb.or([eb('department_id', 'is', null), eb('department_id', '=', departmentId)]))
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toImportRun);
}

/** Per source, the newest successful import a department relies on (its own uploads and institution-wide imports). */
export async function findLatestSuccessfulImports(
  db: Db,
  departmentId: string,
): Promise<Map<string, { finishedAt: string | null; periodEnd: string | null }>> {
  const rows = await db
    .selectFrom('imports')
    .select((eb) => ['source', eb.fn.max('finished_at').as('finished_at'), eb.fn.max('period_end').as('period_end')])
    .where('status', '=', 'succeeded')
    .where((eb) => eb.or([eb('department_id', 'is', null), eb('department_id', '=', departmentId)]))
    .groupBy('source')
    .execute();
  return new Map(rows.map((r) => [r.source, { finishedAt: r.finished_at, periodEnd: r.period_end }]));
}

/**
 * Which days each source has complete data for, taken from successful imports and collections that
 * speak for whole days (not one meeting's file, not a report a dated one superseded). Days outside
 * every such period are unknown to the rules, never zero. Given a department, another department's
 * uploads are left out.
 */
export async function loadCoverage(db: Db, from: IsoDay, to: IsoDay, departmentId?: string): Promise<Coverage> {
  const rows = await db
    .selectFrom('imports')
    .select(['source', 'period_start', 'period_end'])
    .where('status', '=', 'succeeded')
    // A department's upload covers its own students only: for anyone else its days stay unknown, never zero.
    .$if(departmentId !== undefined, (q) =>
      q.where((eb) => eb.or([eb('department_id', 'is', null), eb('department_id', '=', departmentId ?? '')])),
    )
    .where('complete', '=', 1)
    .where('superseded_by', 'is', null)
    .where('period_start', 'is not', null)
    .where('period_end', '>=', from)
    .where('period_start', '<=', to)
    .execute();
  const coverage = new Map<Source, Set<IsoDay>>(SOURCES.map((s) => [s, new Set<IsoDay>()]));
  for (const row of rows) {
    const days = coverage.get(row.source as Source);
    if (!days || !row.period_start || !row.period_end) continue;
    const start = row.period_start < from ? from : row.period_start;
    const end = row.period_end > to ? to : row.period_end;
    for (let day = start; day <= end; day = addDays(day, 1)) days.add(day);
  }
  return coverage;
}
