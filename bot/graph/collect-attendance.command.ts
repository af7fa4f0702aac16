import type { IsoDay } from '../../shared/domain';
import { addDays } from '../../shared/calendar';
import { todayIn } from '../clock';
import { AppError } from '../errors';
import { chunk } from '../store/ids';
import { CONNECTION_LOST_CAUSE, isStoreConnectionLost, whileImportRuns } from '../store/import.repository';
import {
  findCollectedReports,
  findOrganiserCheckpoint,
  recordAttendanceReport,
  saveOrganiserRun,
} from '../store/graph-collection.repository';
import { listRosterOrganisers, loadStaffKeys } from '../store/staff.repository';
import { BATCH_LIMIT, type GraphFailure } from './graph-requests';
import { describeGraphFailure, type GraphStep, type OrganiserProblem } from './graph-errors';
import { findMeetings, listReports, noResponse, readAttendanceRecords } from './attendance.reader';
import { countReport, resolveAttendees } from './attendance-counts';
import { collectionName, recordRun } from './collect-run.record';
import type { CollectDeps, CollectOptions, CollectSettings, CollectSummary, OrganiserOutcome, RunTotals } from './collect-attendance.types';

export { REPORT_LIMIT_WARNING } from './attendance.reader';
export type {
  CollectDeps,
  CollectOptions,
  CollectProgress,
  CollectSettings,
  CollectSummary,
  OrganiserOutcome,
} from './collect-attendance.types';

/** Each run re-reads this much before the last checkpoint, for reports Graph publishes late. */
const CHECKPOINT_OVERLAP_DAYS = 2;
/** Organisers read at once: enough to hide latency, few enough to stay clear of Graph's throttling. */
const ORGANISER_CONCURRENCY = 4;

class OrganiserFailed extends Error {
  constructor(readonly problem: OrganiserProblem) {
    super(problem.message);
  }
}

/**
 * Collects Teams meeting attendance from Microsoft Graph into teams_attendance counts: finds each
 * organiser's online meetings in their calendar, resolves join URLs to meetings, and reads every new
 * attendance report. Each report is stored with its checkpoint in one transaction, and an organiser's
 * window advances only when all of it was read, so an interrupted run resumes and a re-run never
 * double-counts. One organiser's failure is reported and skipped; the run is recorded like an import,
 * and claims coverage only when every organiser was read.
 */
export async function collectAttendance(deps: CollectDeps, options: CollectOptions = {}): Promise<CollectSummary> {
  const { db, settings } = deps;
  const startedAt = deps.now();
  const organisers = options.organiser
    ? [options.organiser]
    : settings.organisers.length > 0
      ? [...settings.organisers]
      : await listRosterOrganisers(db);
  if (organisers.length === 0) {
    throw new AppError(
      400,
      'no_organisers',
      'There are no organisers to collect from: set GRAPH_ORGANISERS, or load staff with Entra ids into the roster.',
    );
  }
  // Recorded as running before Graph is asked anything, so a collection a kill -9 interrupts shows as interrupted.
  return whileImportRuns(
    db,
    deps.now,
    {
      source: 'teams_attendance',
      fileName: collectionName(organisers),
      interrupted: COLLECTION_INTERRUPTED,
      connectionLost: {
        history: COLLECTION_CONNECTION_LOST,
        what: `the Teams attendance collection (${collectionName(organisers)})`,
        kept: 'Reports stored before it stopped are kept and counted once',
        again: 'Collect again: it resumes where each organiser was left',
      },
    },
    (running) => collectFrom(deps, options, organisers, startedAt, running),
  );
}

export const COLLECTION_INTERRUPTED =
  'The collection stopped before it finished: the process running it ended (a crash, a kill or a restart). Reports stored before it stopped are kept and counted once; the next collection resumes where each organiser was left.';

export const COLLECTION_CONNECTION_LOST = `The collection stopped before it finished: ${CONNECTION_LOST_CAUSE}. Reports stored before it stopped are kept and counted once; the next collection resumes where each organiser was left.`;

async function collectFrom(
  deps: CollectDeps,
  options: CollectOptions,
  organisers: string[],
  startedAt: Date,
  running: string,
): Promise<CollectSummary> {
  const { db } = deps;
  const { settings } = deps;
  const staffKeys = await loadStaffKeys(db);
  const totals: RunTotals = {
    recordsRead: 0,
    attendancesCounted: 0,
    skipped: { guests: 0, externals: 0, staff: 0, belowMinimum: 0 },
    notInReports: 0,
    unknownKeys: new Set(),
    unknownCount: 0,
    warnings: [],
  };
  const outcomes: OrganiserOutcome[] = [];
  const windowStarts: string[] = [];
  let reportsSoFar = 0;

  const runOne = async (organiser: string): Promise<void> => {
    const windowStart = await chooseWindowStart(deps, organiser, options.since, startedAt);
    windowStarts.push(windowStart);
    const outcome = await collectOrganiser(deps, {
      organiser,
      windowStart,
      windowEnd: startedAt.toISOString(),
      since: options.since,
      staffKeys,
      totals,
      onReport: () => reportsSoFar++,
    });
    outcomes.push(outcome);
    deps.onProgress?.({ organisersDone: outcomes.length, organisersTotal: organisers.length, reportsCollected: reportsSoFar, organiser });
  };

  try {
    await runPool(organisers, ORGANISER_CONCURRENCY, runOne);
  } catch (error) {
    // Our database is gone: there is no result to write, and whileImportRuns records the run as interrupted.
    if (isStoreConnectionLost(error)) throw error;
    const failure = explainRunFailure(error, settings);
    await recordRun(deps, {
      status: 'failed',
      startedAt,
      organisers,
      outcomes,
      totals,
      windowStarts,
      options,
      errors: [failure.message],
      running,
    });
    throw failure;
  }

  outcomes.sort((a, b) => organisers.indexOf(a.organiser) - organisers.indexOf(b.organiser));
  const failed = outcomes.filter((o) => o.status === 'failed');
  const errors = failed.map((o) => o.problem?.message ?? `${o.organiser}: failed`);
  const summary = await recordRun(deps, {
    status: failed.length === 0 ? 'succeeded' : 'failed',
    startedAt,
    organisers,
    outcomes,
    totals,
    windowStarts,
    options,
    errors,
    running,
  });
  deps.logger.info(
    {
      importId: summary.importId,
      status: summary.status,
      organisers: organisers.length,
      failed: failed.length,
      reports: summary.reportsCollected,
      counted: summary.attendancesCounted,
      unknown: summary.unknown.count,
      requests: summary.requests.httpRequests,
      unanswered: summary.requests.unanswered,
    },
    'teams attendance collected',
  );
  return summary;
}

async function chooseWindowStart(deps: CollectDeps, organiser: string, since: IsoDay | undefined, now: Date): Promise<string> {
  // A day in the university's zone can start up to a day before UTC midnight; reports are filtered by local day after.
  if (since) return `${addDays(since, -1)}T00:00:00.000Z`;
  const checkpoint = await findOrganiserCheckpoint(deps.db, organiser);
  const from = checkpoint?.collectedUntil
    ? new Date(checkpoint.collectedUntil)
    : new Date(now.getTime() - deps.settings.lookbackDays * 86_400_000);
  if (checkpoint?.collectedUntil) from.setTime(from.getTime() - CHECKPOINT_OVERLAP_DAYS * 86_400_000);
  return from.toISOString();
}

async function collectOrganiser(
  deps: CollectDeps,
  run: {
    organiser: string;
    windowStart: string;
    windowEnd: string;
    since?: IsoDay;
    staffKeys: { entraIds: Set<string>; emails: Set<string> };
    totals: RunTotals;
    onReport: () => void;
  },
): Promise<OrganiserOutcome> {
  const { graph, settings } = deps;
  const { organiser } = run;
  const user = `/users/${encodeURIComponent(organiser)}`;
  const outcome: OrganiserOutcome = { organiser, status: 'succeeded', meetings: 0, reportsCollected: 0, reportsAlreadyCollected: 0 };
  const fail = (failure: GraphFailure, step: GraphStep) =>
    new OrganiserFailed(describeGraphFailure(failure, step, { organiser, clientId: settings.clientId }));
  let deferred: OrganiserFailed | undefined;

  try {
    const meetings = await findMeetings(graph, user, run, fail);
    outcome.meetings = meetings.length;

    const candidates = await listReports(graph, user, meetings, { ...run, warnings: run.totals.warnings }, settings.timeZone, fail);
    const done = await findCollectedReports(
      deps.db,
      candidates.map((c) => c.report.id),
    );
    outcome.reportsAlreadyCollected = candidates.filter((c) => done.has(c.report.id)).length;
    const fresh = candidates.filter((c) => !done.has(c.report.id));

    for (const group of chunk(fresh, BATCH_LIMIT)) {
      const pages = await readAttendanceRecords(graph, user, group);
      const readable = group.flatMap((c, i) => {
        const page = pages[i];
        if (page?.ok) return [{ ...c, records: page.items }];
        // Keep going so one unreadable report does not hold back the rest; the organiser still fails, so it is retried.
        deferred ??= fail(page?.failure ?? noResponse(c.report.id), 'records');
        return [];
      });
      const identities = await resolveAttendees(
        deps.db,
        readable.flatMap((r) => r.records),
      );
      for (const item of readable) {
        const counted = countReport(item.records, item.report, identities, run.staffKeys, settings, run.totals);
        const stored = await recordAttendanceReport(deps.db, {
          reportId: item.report.id,
          organiser,
          meetingId: item.meetingId,
          sessionStart: item.report.meetingStartDateTime ?? '',
          day: todayIn(settings.timeZone, new Date(item.report.meetingStartDateTime ?? '')),
          studentIds: counted,
          collectedAt: deps.now().toISOString(),
        });
        if (stored) {
          outcome.reportsCollected++;
          run.totals.attendancesCounted += counted.length;
          run.onReport();
        } else {
          outcome.reportsAlreadyCollected++;
        }
      }
    }
    if (deferred) throw deferred;
    await saveOrganiserRun(deps.db, { organiser, at: deps.now().toISOString(), status: 'succeeded', collectedUntil: run.windowEnd });
  } catch (error) {
    if (!(error instanceof OrganiserFailed)) throw error;
    outcome.status = 'failed';
    outcome.problem = error.problem;
    deps.logger.warn({ organiser, code: error.problem.code }, error.problem.message);
    await saveOrganiserRun(deps.db, { organiser, at: deps.now().toISOString(), status: 'failed', error: error.problem.message });
  }
  return outcome;
}

/** What @azure/identity (MSAL: endpoints_resolution_error, network_error) says when the authority could not be reached, as opposed to refusing the credential. */
const NETWORK_FAULT =
  /endpoints_resolution_error|network_error|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket hang up|fetch failed/i;

function explainRunFailure(error: unknown, settings: CollectSettings): Error {
  if (error instanceof AppError && error.code === 'graph_sign_in_failed' && NETWORK_FAULT.test(error.message)) {
    return new AppError(
      502,
      'graph_sign_in_unreachable',
      `Could not reach the Microsoft sign-in endpoint (GRAPH_AUTHORITY_HOST) to sign in as app ${settings.clientId}: ${error.message} ` +
        'This is a network problem, not the secret or certificate: check that this server can reach it (proxy, firewall, DNS). Nothing was collected; the next collection tries again.',
    );
  }
  if (error instanceof AppError && error.code === 'graph_sign_in_failed') {
    return new AppError(
      502,
      error.code,
      `Could not sign in to Microsoft Graph as app ${settings.clientId} in tenant ${settings.tenantId}: ${error.message} ` +
        'Check GRAPH_CLIENT_SECRET (or GRAPH_CLIENT_CERTIFICATE_PATH), GRAPH_CLIENT_ID and GRAPH_TENANT_ID, and that the app registration has a valid secret or certificate.',
    );
  }
  if (error instanceof AppError && (error.code === 'graph_timeout' || error.code === 'graph_unreachable')) {
    return new AppError(
      502,
      error.code,
      `${error.message} The collection stopped there: reports stored before it are kept and counted once, and the next collection resumes where each organiser was left.`,
      error.details,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Runs `work` over items with at most `limit` at once; after a thrown error no new item starts. */
async function runPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (firstError === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (firstError !== undefined) throw firstError;
}
