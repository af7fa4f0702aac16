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
}

/** What a run that has no format, scope or details of its own (the demo, a Graph collection) may leave out. */
type NewImportRun = Omit<ImportRun, 'format' | 'scope' | 'rowsUnresolved' | 'studentsAffected' | 'details'> &
  Partial<Pick<ImportRun, 'format' | 'scope' | 'rowsUnresolved' | 'studentsAffected' | 'details'>>;

/** The one writer of `imports`: importers, identity files, Graph collections and the demo all record runs here. */
export async function insertImport(db: Db, run: NewImportRun): Promise<void> {
  const r: ImportRun = { format: '', scope: 'site', rowsUnresolved: 0, studentsAffected: 0, details: {}, ...run };
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
    })
    .execute();
}

/** The earlier successful import of exactly these bytes, if any. */
export async function findImportByHash(
  db: Db,
  fileHash: string,
  format: string,
): Promise<{ id: string; finishedAt: string | null; fileName: string; rowsUnresolved: number } | undefined> {
  const row = await db
    .selectFrom('imports')
    .select(['id', 'finished_at', 'file_name', 'rows_unresolved'])
    .where('file_hash', '=', fileHash)
    .where('format', '=', format)
    .where('status', '=', 'succeeded')
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row && { id: row.id, finishedAt: row.finished_at, fileName: row.file_name, rowsUnresolved: row.rows_unresolved };
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
});

/** The newest runs first, for the data page. */
export async function listRecentImports(db: Db, limit: number): Promise<ImportRun[]> {
  const rows = await db.selectFrom('imports').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toImportRun);
}

/** Per source, the newest successful import: when it finished and the last day it covered. */
export async function findLatestSuccessfulImports(db: Db): Promise<Map<string, { finishedAt: string | null; periodEnd: string | null }>> {
  const rows = await db
    .selectFrom('imports')
    .select((eb) => ['source', eb.fn.max('finished_at').as('finished_at'), eb.fn.max('period_end').as('period_end')])
    .where('status', '=', 'succeeded')
    .groupBy('source')
    .execute();
  return new Map(rows.map((r) => [r.source, { finishedAt: r.finished_at, periodEnd: r.period_end }]));
}

/**
 * Which days each source has complete data for, taken from successful imports and collections.
 * Days outside every successful period are unknown to the rules, never zero.
 */
export async function loadCoverage(db: Db, from: IsoDay, to: IsoDay): Promise<Coverage> {
  const rows = await db
    .selectFrom('imports')
    .select(['source', 'period_start', 'period_end'])
    .where('status', '=', 'succeeded')
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
