import { basename } from 'node:path';
import type { IngestConfig } from '../config';
import type { Db } from '../store/database';
import { newId } from '../store/ids';
import { endImportRecord, insertImport, whileImportRuns } from '../store/import.repository';
import type { ImportSummary } from './import.command';
import type { ReadResult } from './read-delimited';
import type { Tally } from './tally';

export interface IdentityImportDeps {
  db: Db;
  ingest: IngestConfig;
  now: () => Date;
}

/** An identity import at work: its "running" record in the import history (none for a dry run), replaced by its result. */
export type RunningDeps = IdentityImportDeps & { running: string | null };

export function emptySummary(source: string, format: string, fileName: string, tally: Tally, read: ReadResult | null): ImportSummary {
  return {
    status: 'failed',
    source: source as ImportSummary['source'],
    format,
    fileName,
    fileHash: read?.fileHash ?? null,
    scope: 'site',
    period: null,
    daysCovered: 0,
    complete: true,
    importKey: null,
    rowsRead: tally.rowsRead,
    rowsCounted: 0,
    rowsIgnored: tally.rowsIgnored,
    rowsRejected: tally.rowsRejected,
    rowsUnresolved: 0,
    rejections: tally.rejections,
    unresolved: { total: 0, keys: [] },
    studentsAffected: 0,
    countsBySource: {},
    errors: [],
    warnings: [...tally.warnings],
    importIds: [],
    timings: { parseMs: 0, resolveMs: 0, writeMs: 0 },
  };
}

export function checkShare(summary: ImportSummary, fatal: string | null, maxShare: number): void {
  if (fatal) summary.errors.push(fatal);
  else if (summary.rowsRejected > summary.rowsRead * maxShare) {
    summary.errors.push(
      `${summary.rowsRejected} of ${summary.rowsRead} rows could not be read, more than the ${Math.round(maxShare * 1000) / 10}% allowed (IMPORT_MAX_REJECTED_SHARE): nothing from this file was stored`,
    );
  }
}

/** Writes the run's result and removes its "running" record, both at once (in the caller's transaction when given one). */
export async function record(deps: RunningDeps, summary: ImportSummary, scope: string, startedAt: string): Promise<void> {
  if (!deps.db.isTransaction) return deps.db.transaction().execute((trx) => record({ ...deps, db: trx }, summary, scope, startedAt));
  const id = newId();
  summary.importIds.push(id);
  await insertImport(deps.db, {
    id,
    source: summary.source,
    format: summary.format ?? '',
    scope,
    fileName: summary.fileName,
    fileHash: summary.fileHash,
    periodStart: null,
    periodEnd: null,
    rowsRead: summary.rowsRead,
    rowsCounted: summary.rowsCounted,
    rowsIgnored: summary.rowsIgnored,
    rowsRejected: summary.rowsRejected,
    rowsUnresolved: summary.rowsUnresolved,
    studentsAffected: summary.studentsAffected,
    status: summary.errors.length === 0 ? 'succeeded' : 'failed',
    errors: summary.errors,
    details: { rejections: summary.rejections, unresolved: summary.unresolved, warnings: summary.warnings },
    startedAt,
    finishedAt: deps.now().toISOString(),
    importKey: summary.importKey,
  });
  if (deps.running) await endImportRecord(deps.db, deps.running);
}

/** Runs an identity import with a "running" record in the history (a dry run has none), so a kill -9 shows as interrupted. */
export function recordedWhileRunning(
  deps: IdentityImportDeps,
  options: { path: string; fileName?: string; dryRun?: boolean },
  source: string,
  work: (deps: RunningDeps) => Promise<ImportSummary>,
): Promise<ImportSummary> {
  if (options.dryRun) return work({ ...deps, running: null });
  return whileImportRuns(deps.db, deps.now, { source, fileName: options.fileName ?? basename(options.path) }, (running) =>
    work({ ...deps, running }),
  );
}
