import type { Logger } from 'pino';
import type { IsoDay } from '../../shared/domain';
import { addDays } from '../../shared/calendar';
import { todayIn } from '../clock';
import { AppError } from '../errors';
import type { Db } from '../store/database';
import { newId, chunk } from '../store/ids';
import { endImportRecord, insertImport, whileImportRuns } from '../store/import.repository';
import {
  findCollectedReports,
  findOrganiserCheckpoint,
  recordAttendanceReport,
  saveOrganiserRun,
} from '../store/graph-collection.repository';
import { listRosterOrganisers, loadStaffKeys } from '../store/staff.repository';
import { resolveIdentities } from '../store/identity.repository';
import { BATCH_LIMIT, type GraphFailure, type GraphRequester, type GraphRequestStats } from './graph-requests';
import { describeGraphFailure, type GraphStep, type OrganiserProblem } from './graph-errors';

/** Graph keeps only the 50 most recent attendance reports of a meeting; warn from 45 on. */
const GRAPH_REPORT_LIMIT = 50;
export const REPORT_LIMIT_WARNING = 45;
/** Each run re-reads this much before the last checkpoint, for reports Graph publishes late. */
const CHECKPOINT_OVERLAP_DAYS = 2;
/** Organisers read at once: enough to hide latency, few enough to stay clear of Graph's throttling. */
const ORGANISER_CONCURRENCY = 4;
/** Unknown attendees listed by key in the run's record; the rest are counted. */
const UNKNOWN_KEYS_LISTED = 20;

export interface CollectSettings {
  tenantId: string;
  clientId: string;
  organisers: readonly string[];
  minMinutes: number;
  lookbackDays: number;
  timeZone: string;
}

export interface CollectProgress {
  organisersDone: number;
  organisersTotal: number;
  reportsCollected: number;
  organiser: string;
}

export interface CollectDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  graph: GraphRequester;
  settings: CollectSettings;
  onProgress?: (progress: CollectProgress) => void;
}

export interface CollectOptions {
  /** Collect sessions from this day on, instead of from each organiser's checkpoint. */
  since?: IsoDay;
  /** Only this organiser (UPN or Entra object id). */
  organiser?: string;
}

export interface OrganiserOutcome {
  organiser: string;
  status: 'succeeded' | 'failed';
  meetings: number;
  reportsCollected: number;
  reportsAlreadyCollected: number;
  problem?: OrganiserProblem;
}

export interface CollectSummary {
  importId: string;
  status: 'succeeded' | 'failed';
  period: { start: IsoDay; end: IsoDay };
  organisers: OrganiserOutcome[];
  meetings: number;
  reportsCollected: number;
  reportsAlreadyCollected: number;
  recordsRead: number;
  /** Occurrences written: one per student per meeting session attended for at least the minimum. */
  attendancesCounted: number;
  skipped: { guests: number; externals: number; staff: number; belowMinimum: number };
  /** Participants a report says were there but who have no record (they opted out of attendance reports). */
  notInReports: number;
  unknown: { count: number; keys: string[] };
  warnings: string[];
  errors: string[];
  requests: GraphRequestStats;
}

interface CalendarEvent {
  subject?: string;
  isOnlineMeeting?: boolean;
  isOrganizer?: boolean;
  onlineMeeting?: { joinUrl?: string } | null;
}

interface AttendanceReport {
  id: string;
  meetingStartDateTime?: string;
  meetingEndDateTime?: string;
  totalParticipantCount?: number;
}

interface AttendanceRecord {
  emailAddress?: string | null;
  totalAttendanceInSeconds?: number;
  role?: string;
  identity?: { id?: string | null; displayName?: string | null; tenantId?: string | null } | null;
}

interface RunTotals {
  recordsRead: number;
  attendancesCounted: number;
  skipped: CollectSummary['skipped'];
  notInReports: number;
  unknownKeys: Set<string>;
  unknownCount: number;
  warnings: string[];
}

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
    { source: 'teams_attendance', fileName: collectionName(organisers), interrupted: COLLECTION_INTERRUPTED },
    (running) => collectFrom(deps, options, organisers, startedAt, running),
  );
}

/** The import history's name for a collection. */
const collectionName = (organisers: readonly string[]) =>
  `Microsoft Graph: ${organisers.length === 1 ? organisers[0] : `${organisers.length} organisers`}`;

export const COLLECTION_INTERRUPTED =
  'The collection stopped before it finished: the process running it ended (a crash, a kill or a restart). Reports stored before it stopped are kept and counted once; the next collection resumes where each organiser was left.';

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
    const window = `startDateTime=${encodeURIComponent(run.windowStart)}&endDateTime=${encodeURIComponent(run.windowEnd)}`;
    const [events] = await graph.getAllPages<CalendarEvent>([
      `${user}/calendarView?${window}&$select=subject,isOnlineMeeting,isOrganizer,onlineMeeting&$top=500`,
    ]);
    if (!events?.ok) throw fail(events?.failure ?? noResponse(user), 'calendar');

    // A recurring series shows one event per occurrence but shares one online meeting: resolve each join URL once.
    const subjects = new Map<string, string>();
    for (const e of events.items) {
      const joinUrl = e.onlineMeeting?.joinUrl;
      if (e.isOnlineMeeting && e.isOrganizer !== false && joinUrl && !subjects.has(joinUrl)) subjects.set(joinUrl, e.subject ?? '');
    }
    const joinUrls = [...subjects.keys()];
    const resolved = await graph.getMany<{ value?: Array<{ id: string }> }>(
      joinUrls.map((url) => `${user}/onlineMeetings?$filter=${encodeURIComponent(`JoinWebUrl eq '${url}'`)}`),
    );
    const meetings: Array<{ id: string; subject: string }> = [];
    for (const [i, r] of resolved.entries()) {
      if (!r.ok) {
        if (r.failure.status === 404) continue;
        throw fail(r.failure, 'meeting');
      }
      const meeting = r.body.value?.[0];
      if (meeting) meetings.push({ id: meeting.id, subject: subjects.get(joinUrls[i] ?? '') ?? '' });
    }
    outcome.meetings = meetings.length;

    const reportLists = await graph.getAllPages<AttendanceReport>(
      meetings.map((m) => `${user}/onlineMeetings/${encodeURIComponent(m.id)}/attendanceReports`),
    );
    const candidates: Array<{ meetingId: string; report: AttendanceReport }> = [];
    for (const [i, list] of reportLists.entries()) {
      const meeting = meetings[i];
      if (!meeting) continue;
      if (!list.ok) {
        if (list.failure.status === 404) continue;
        throw fail(list.failure, 'reports');
      }
      const name = `"${meeting.subject || meeting.id}" of ${organiser}`;
      const oldest = list.items.reduce<string | undefined>(
        (min, r) => (r.meetingStartDateTime && (!min || r.meetingStartDateTime < min) ? r.meetingStartDateTime : min),
        undefined,
      );
      if (list.items.length >= GRAPH_REPORT_LIMIT && oldest && Date.parse(oldest) > Date.parse(run.windowStart)) {
        run.totals.warnings.push(
          `The meeting ${name} has more sessions than Graph keeps (the 50 most recent): sessions before ${oldest.slice(0, 10)} in this collection window can no longer be read. The organiser's attendance downloads can fill the gap.`,
        );
      } else if (list.items.length >= REPORT_LIMIT_WARNING) {
        run.totals.warnings.push(
          `The meeting ${name} has ${list.items.length} attendance reports; Graph keeps only the 50 most recent, so collection must run at least daily to miss none.`,
        );
      }
      for (const report of list.items) if (isInWindow(report, run, settings.timeZone)) candidates.push({ meetingId: meeting.id, report });
    }
    const done = await findCollectedReports(
      deps.db,
      candidates.map((c) => c.report.id),
    );
    outcome.reportsAlreadyCollected = candidates.filter((c) => done.has(c.report.id)).length;
    const fresh = candidates.filter((c) => !done.has(c.report.id));

    for (const group of chunk(fresh, BATCH_LIMIT)) {
      const pages = await graph.getAllPages<AttendanceRecord>(
        group.map(
          (c) =>
            `${user}/onlineMeetings/${encodeURIComponent(c.meetingId)}/attendanceReports/${encodeURIComponent(c.report.id)}/attendanceRecords`,
        ),
      );
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

const noResponse = (url: string): GraphFailure => ({ status: 0, code: 'no_response', message: 'Graph gave no response.', url });

function isInWindow(report: AttendanceReport, run: { windowStart: string; windowEnd: string; since?: IsoDay }, timeZone: string): boolean {
  const start = Date.parse(report.meetingStartDateTime ?? '');
  if (Number.isNaN(start) || start > Date.parse(run.windowEnd)) return false;
  return run.since ? todayIn(timeZone, new Date(start)) >= run.since : start >= Date.parse(run.windowStart);
}

interface AttendeeIdentities {
  byEntraId: Map<string, string>;
  byEmail: Map<string, string>;
}

async function resolveAttendees(db: Db, records: readonly AttendanceRecord[]): Promise<AttendeeIdentities> {
  const ids = records.flatMap((r) => (r.identity?.id ? [r.identity.id, r.identity.id.toLowerCase()] : []));
  const emails = records.flatMap((r) => (r.emailAddress ? [r.emailAddress.toLowerCase()] : []));
  const [byEntraId, byEmail] = await Promise.all([resolveIdentities(db, 'entra', ids), resolveIdentities(db, 'email', emails)]);
  return { byEntraId, byEmail };
}

/**
 * The students of one report who stayed at least the minimum: by Entra object id first, then by UPN
 * or e-mail. Guests, people from other tenants and staff are skipped and counted; anyone else who is
 * not in the identity map is reported, never guessed.
 */
function countReport(
  records: readonly AttendanceRecord[],
  report: AttendanceReport,
  identities: AttendeeIdentities,
  staffKeys: { entraIds: Set<string>; emails: Set<string> },
  settings: CollectSettings,
  totals: RunTotals,
): string[] {
  const seconds = new Map<string, number>();
  totals.recordsRead += records.length;
  totals.notInReports += Math.max(0, (report.totalParticipantCount ?? 0) - records.length);
  for (const record of records) {
    const id = record.identity?.id ?? '';
    const email = (record.emailAddress ?? '').toLowerCase();
    const tenantId = record.identity?.tenantId ?? '';
    if (tenantId && tenantId.toLowerCase() !== settings.tenantId.toLowerCase()) totals.skipped.externals++;
    else if ((!id && !email) || email.includes('#ext#')) totals.skipped.guests++;
    else if (record.role === 'Organizer' || staffKeys.entraIds.has(id.toLowerCase()) || staffKeys.emails.has(email)) totals.skipped.staff++;
    else {
      const studentId =
        (id && (identities.byEntraId.get(id) ?? identities.byEntraId.get(id.toLowerCase()))) ||
        (email && identities.byEmail.get(email)) ||
        undefined;
      if (!studentId) {
        totals.unknownCount++;
        if (totals.unknownKeys.size < UNKNOWN_KEYS_LISTED) totals.unknownKeys.add(email || id);
        continue;
      }
      seconds.set(studentId, (seconds.get(studentId) ?? 0) + Math.max(0, record.totalAttendanceInSeconds ?? 0));
    }
  }
  const counted: string[] = [];
  for (const [studentId, total] of seconds) {
    if (total >= settings.minMinutes * 60) counted.push(studentId);
    else totals.skipped.belowMinimum++;
  }
  return counted.sort();
}

function explainRunFailure(error: unknown, settings: CollectSettings): Error {
  if (error instanceof AppError && error.code === 'graph_sign_in_failed') {
    return new AppError(
      502,
      error.code,
      `Could not sign in to Microsoft Graph as app ${settings.clientId} in tenant ${settings.tenantId}: ${error.message} ` +
        'Check GRAPH_CLIENT_SECRET (or GRAPH_CLIENT_CERTIFICATE_PATH), GRAPH_CLIENT_ID and GRAPH_TENANT_ID, and that the app registration has a valid secret or certificate.',
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function recordRun(
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
  await insertImport(deps.db, {
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
  await endImportRecord(deps.db, run.running);
  return summary;
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
