import { SOURCES, type IsoDay, type Source } from '../../shared/domain';
import { addDays } from '../../shared/calendar';
import type { Coverage } from '../../shared/rules/types';
import type { Db } from './database';
import { insertImportRun } from './import-counts.repository';

export interface ImportRecord {
  id: string;
  source: Source;
  fileName: string;
  fileHash: string | null;
  periodStart: IsoDay | null;
  periodEnd: IsoDay | null;
  rowsRead: number;
  rowsCounted: number;
  rowsIgnored: number;
  rowsRejected: number;
  status: 'running' | 'succeeded' | 'failed';
  errors: string[];
  startedAt: string;
  finishedAt: string | null;
}

/** Records a run that has no format, scope or details of its own (the demo, a Graph collection). */
export async function insertImport(db: Db, r: ImportRecord): Promise<void> {
  await insertImportRun(db, { ...r, format: '', scope: 'site', rowsUnresolved: 0, studentsAffected: 0, details: {} });
}

/**
 * Which days each source has complete data for, taken from successful imports and collections.
 * Days outside every successful period are unknown to the rules, never zero. Given a department,
 * another department's uploads are left out.
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
