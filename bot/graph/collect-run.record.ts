import { addDays } from '../../shared/calendar';
import { todayIn } from '../clock';
import { newId } from '../store/ids';
import { endImportRecord, insertImport } from '../store/import.repository';
import type { CollectDeps, CollectOptions, CollectSummary, OrganiserOutcome, RunTotals } from './collect-attendance.types';

/** The import history's name for a collection. */
export const collectionName = (organisers: readonly string[]) =>
  `Microsoft Graph: ${organisers.length === 1 ? organisers[0] : `${organisers.length} organisers`}`;

export async function recordRun(
  deps: CollectDeps,
  run: {
    status: 'succeeded' | 'failed';
    startedAt: Date;
    organisers: string[];
    outcomes: OrganiserOutcome[];
    totals: RunTotals;
    windowStarts: string[];
    options: CollectOptions;
    errors: string[];
    /** The run's "running" record, removed once its result is written. */
    running: string;
  },
): Promise<CollectSummary> {
  const { totals, outcomes } = run;
  const tz = deps.settings.timeZone;
  const today = todayIn(tz, run.startedAt);
  const earliest = run.windowStarts.length > 0 ? run.windowStarts.reduce((a, b) => (a < b ? a : b)) : run.startedAt.toISOString();
  // Sessions today may still be going on, so a run covers days up to yesterday.
  const end = addDays(today, -1);
  const startDay = run.options.since ?? todayIn(tz, new Date(earliest));
  const period = { start: startDay <= end ? startDay : end, end };
  const unknownNote =
    totals.unknownCount > 0
      ? [
          `${totals.unknownCount} attendances could not be matched to a student (not in the identity map; not counted): ${[...totals.unknownKeys].join(', ')}${totals.unknownCount > totals.unknownKeys.size ? ', ...' : ''}`,
        ]
      : [];
  const summary: CollectSummary = {
    importId: newId(),
    status: run.status,
    period,
    organisers: outcomes,
    meetings: outcomes.reduce((n, o) => n + o.meetings, 0),
    reportsCollected: outcomes.reduce((n, o) => n + o.reportsCollected, 0),
    reportsAlreadyCollected: outcomes.reduce((n, o) => n + o.reportsAlreadyCollected, 0),
    recordsRead: totals.recordsRead,
    attendancesCounted: totals.attendancesCounted,
    skipped: { ...totals.skipped },
    notInReports: totals.notInReports,
    unknown: { count: totals.unknownCount, keys: [...totals.unknownKeys] },
    warnings: [...totals.warnings],
    errors: run.errors,
    requests: { ...deps.graph.stats },
  };
  const skipped = totals.skipped.guests + totals.skipped.externals + totals.skipped.staff + totals.skipped.belowMinimum;
  // The result and the end of the running record are one write: a lost connection leaves the record, and the run shows interrupted.
  await deps.db.transaction().execute(async (trx) => {
    await insertImport(trx, {
      id: summary.importId,
      source: 'teams_attendance',
      fileName: collectionName(run.organisers),
      fileHash: null,
      // One organiser read on request says nothing about the others' meetings: such a run claims no coverage.
      periodStart: run.options.organiser ? null : period.start,
      periodEnd: run.options.organiser ? null : period.end,
      rowsRead: totals.recordsRead,
      rowsCounted: totals.attendancesCounted,
      rowsIgnored: skipped,
      rowsRejected: totals.unknownCount,
      status: run.status,
      errors: [...run.errors, ...totals.warnings, ...unknownNote],
      startedAt: run.startedAt.toISOString(),
      finishedAt: deps.now().toISOString(),
    });
    await endImportRecord(trx, run.running);
  });
  return summary;
}
