import type { IsoDay, Source } from '../../../shared/domain';
import type { Db } from '../../store/database';
import { newId } from '../../store/ids';
import { insertImport } from '../../store/import.repository';
import { lockImportScope, replaceScopeCounts } from '../../store/import-count.repository';
import { resolveIdentities } from '../../store/identity.repository';
import { findStaffKeys } from '../../store/staff-identity.repository';
import { MOODLE_FEED, SOURCES, type MoodlePullDeps, type MoodlePullSummary } from './pull-moodle.types';

export interface ResolvedCounts {
  bySource: Map<Source, Array<{ studentId: string; day: IsoDay; count: number }>>;
  counted: number;
  unresolvedRows: number;
  unresolved: string[];
  staffRows: number;
  staff: string[];
  students: Set<string>;
}

export async function resolveCounts(db: Db, counts: Map<string, number>): Promise<ResolvedCounts> {
  const userIds = new Set<string>();
  for (const key of counts.keys()) userIds.add(key.slice(0, key.indexOf('\u001f')));
  const students = await resolveIdentities(db, 'moodle', [...userIds]);
  const staffIds = await findStaffKeys(
    db,
    'moodle',
    [...userIds].filter((id) => !students.has(id)),
  );
  const out: ResolvedCounts = {
    bySource: new Map(),
    counted: 0,
    unresolvedRows: 0,
    unresolved: [],
    staffRows: 0,
    staff: [],
    students: new Set(),
  };
  const unresolved = new Set<string>();
  const staff = new Set<string>();
  for (const [key, count] of counts) {
    const [userId, day, source] = key.split('\u001f') as [string, IsoDay, Source];
    const studentId = students.get(userId);
    if (!studentId && staffIds.has(userId)) {
      out.staffRows += count;
      staff.add(`moodle:${userId}`);
      continue;
    }
    if (!studentId) {
      out.unresolvedRows += count;
      unresolved.add(`moodle:${userId}`);
      continue;
    }
    let list = out.bySource.get(source);
    if (!list) out.bySource.set(source, (list = []));
    list.push({ studentId, day, count });
    out.counted += count;
    out.students.add(studentId);
  }
  out.unresolved = [...unresolved].sort();
  out.staff = [...staff].sort();
  return out;
}

/**
 * One import-history row per source. A successful run replaces the counts of the days it re-read
 * (the import rule, scope "site" like the site log download) and claims coverage for the days it read whole.
 */
export async function recordRun(
  deps: Pick<MoodlePullDeps, 'db' | 'now'>,
  summary: MoodlePullSummary,
  started: Date,
  bySource: ResolvedCounts['bySource'] | null,
): Promise<void> {
  const fileName = `Moodle database: ${summary.target || 'not reached'}`;
  for (const source of SOURCES) {
    const id = newId();
    summary.importIds.push(id);
    const list = bySource?.get(source) ?? [];
    const counted = list.reduce((n, c) => n + c.count, 0);
    if (bySource && summary.recounted) await lockImportScope(deps.db, source, 'site');
    await insertImport(deps.db, {
      id,
      source,
      format: MOODLE_FEED,
      scope: 'site',
      fileName,
      fileHash: null,
      periodStart: summary.status === 'succeeded' ? (summary.period?.start ?? null) : null,
      periodEnd: summary.status === 'succeeded' ? (summary.period?.end ?? null) : null,
      rowsRead: summary.rowsRead,
      rowsCounted: counted,
      rowsIgnored: Math.max(0, summary.rowsRead - summary.rowsCounted - summary.rowsUnresolved - summary.rowsLate),
      rowsRejected: 0,
      rowsUnresolved: summary.rowsUnresolved,
      studentsAffected: new Set(list.map((c) => c.studentId)).size,
      status: summary.status === 'succeeded' ? 'succeeded' : 'failed',
      // The data page shows these to department administrators: failures and warnings alike.
      errors: [...summary.errors, ...summary.warnings],
      details: {
        code: summary.code,
        checkpoint: summary.checkpoint,
        recounted: summary.recounted,
        idRange: summary.idRange,
        newestEventAt: summary.newestEventAt,
        rowsLate: summary.rowsLate,
        users: summary.users,
        unresolved: summary.unresolved,
        staff: summary.staff,
        warnings: summary.warnings,
      },
      startedAt: started.toISOString(),
      finishedAt: deps.now().toISOString(),
    });
    if (bySource && summary.recounted)
      await replaceScopeCounts(deps.db, {
        importId: id,
        source,
        scope: 'site',
        start: summary.recounted.start,
        end: summary.recounted.end,
        counts: list,
      });
  }
}
