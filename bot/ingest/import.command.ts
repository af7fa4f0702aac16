import { basename } from 'node:path';
import type { IsoDay, Source } from '../../shared/domain';
import { daysBetween } from '../../shared/calendar';
import type { IngestConfig } from '../config';
import { retryWhileSqliteBusy, type Db } from '../store/database';
import { newId } from '../store/ids';
import { endImportRecord, findOverlappingImports, insertImport, whileImportRuns } from '../store/import.repository';
import { freshenPlannerStatistics, lockImportScope, replaceScopeCounts, supersedeImport } from '../store/import-count.repository';
import { replaceMeetingAttendance } from '../store/teams-meeting.repository';
import { resolveIdentities } from '../store/identity.repository';
import { findStaffKeys } from '../store/staff-identity.repository';
import type { DateLocale } from './dates';
import { COUNT_FORMATS, parseExport, periodOf, type CountSource, type ParsedExport } from './parse-export';
import { splitIdentityKey, type IdentitySystem, type Rejection } from './tally';
import { keepOwnDepartment } from './department-scope';
import { checkAlreadyApplied, importKeyOf, type ImportSettings } from './import-identity';
import { explainNoDate } from './import-messages';

export { importKeyOf, sayDay, type ImportSettings } from './import-identity';

export interface ImportDeps {
  db: Db;
  ingest: IngestConfig;
  campusTimeZone: string;
  now: () => Date;
}

export interface ImportOptions {
  source: CountSource;
  path: string;
  /** The name recorded and shown; defaults to the file's base name. */
  fileName?: string;
  dryRun?: boolean;
  /** Overrides the source's configured zone for this file. */
  timeZone?: string;
  locale?: DateLocale | null;
  /** The days the export covers, when the caller knows better than the first and last row (or the file has no times). */
  period?: { start: IsoDay; end: IsoDay } | null;
  /** Apply the file again even when the same file with the same settings was imported before. */
  force?: boolean;
  /** An administrator's word that the file holds every occurrence of its sources on its days (see docs/imports.md, "Coverage"). */
  complete?: boolean;
  onProgress?: (lines: number, bytes: number) => void;
  /** How many parts to count a large file in (worker threads); by default one per core from 32 MiB up (see parse-parallel.ts). */
  parts?: number;
  /** An upload through the tab: only this department's students' counts are added or replaced (see department-scope.ts). */
  departmentId?: string;
  /** False for an upload, whose refusal is answered to the uploader and audited: a failed file then leaves no import row. */
  recordFailure?: boolean;
}

export type ImportStatus = 'succeeded' | 'failed' | 'already_imported' | 'skipped' | 'dry_run';

export interface ImportSummary {
  status: ImportStatus;
  source: CountSource;
  format: string | null;
  fileName: string;
  fileHash: string | null;
  scope: string;
  period: { start: IsoDay; end: IsoDay } | null;
  daysCovered: number;
  /** Whether the import speaks for whole days of its sources (coverage) or only adds counts. */
  complete: boolean;
  /** The file and every setting that changes how it is read. */
  importKey: string | null;
  rowsRead: number;
  /** Rows that became a count for a known student. */
  rowsCounted: number;
  rowsIgnored: number;
  rowsRejected: number;
  /** Rows that would have counted but name nobody in the identity map. */
  rowsUnresolved: number;
  /** Rows naming students of another department, left out of a department's upload. */
  rowsOtherDepartments?: number;
  rejections: Rejection[];
  unresolved: { total: number; keys: string[] };
  /** Rows of known staff (staff Moodle ids and logins, a meeting's organiser): "staff, ignored", not unresolved. */
  rowsStaff?: number;
  staff?: { total: number; keys: string[] };
  studentsAffected: number;
  countsBySource: Partial<Record<Source, number>>;
  /** Why nothing was stored, when the status is failed. */
  errors: string[];
  warnings: string[];
  importIds: string[];
  timings: { parseMs: number; resolveMs: number; writeMs: number };
}

const MAX_UNRESOLVED_LISTED = 100;

interface ResolvedCounts {
  bySource: Map<Source, Array<{ studentId: string; day: IsoDay; count: number }>>;
  rowsCounted: number;
  rowsUnresolved: number;
  unresolved: string[];
  /** Rows whose key names a member of staff (see findStaffKeys): reported, never counted, never a reason to refuse the file. */
  rowsStaff: number;
  staffKeys: string[];
  students: Set<string>;
  outsidePeriod: number;
}

/** Maps every identity candidate through the identity table, in bulk; an unknown key is listed, never guessed. */
async function resolveCounts(db: Db, parsed: ParsedExport, period: { start: IsoDay; end: IsoDay }): Promise<ResolvedCounts> {
  const wanted = new Map<IdentitySystem, Set<string>>();
  const identities = new Set<string>();
  parsed.tally.forEach((identity) => identities.add(identity));
  for (const identity of identities) {
    for (const { system, key } of splitIdentityKey(identity)) {
      let keys = wanted.get(system);
      if (!keys) wanted.set(system, (keys = new Set()));
      keys.add(key);
    }
  }
  const found = new Map<IdentitySystem, Map<string, string>>();
  for (const [system, keys] of wanted) found.set(system, await resolveIdentities(db, system, [...keys]));
  const studentOf = new Map<string, string | null>();
  for (const identity of identities) {
    const hit = splitIdentityKey(identity)
      .map(({ system, key }) => found.get(system)?.get(key))
      .find((s) => s !== undefined);
    studentOf.set(identity, hit ?? null);
  }
  // Keys no student has: those of staff are reported as staff, not as "import the roster".
  const unknownBySystem = new Map<IdentitySystem, Set<string>>();
  for (const [identity, student] of studentOf)
    if (student === null)
      for (const { system, key } of splitIdentityKey(identity)) {
        let keys = unknownBySystem.get(system);
        if (!keys) unknownBySystem.set(system, (keys = new Set()));
        keys.add(key);
      }
  const staffFound = new Map<IdentitySystem, Set<string>>();
  for (const [system, keys] of unknownBySystem) staffFound.set(system, await findStaffKeys(db, system, [...keys]));
  const isStaff = (identity: string): boolean => splitIdentityKey(identity).some(({ system, key }) => staffFound.get(system)?.has(key));

  const merged = new Map<string, { studentId: string; day: IsoDay; source: Source; count: number }>();
  const out: ResolvedCounts = {
    bySource: new Map(),
    rowsCounted: 0,
    rowsUnresolved: 0,
    unresolved: [],
    rowsStaff: 0,
    staffKeys: [],
    students: new Set(),
    outsidePeriod: 0,
  };
  const unresolved = new Set<string>();
  const staffKeys = new Set<string>();
  parsed.tally.forEach((identity, day, source, count) => {
    if (!parsed.tally.sources.has(source)) return;
    if (day < period.start || day > period.end) {
      out.outsidePeriod += count;
      return;
    }
    const studentId = studentOf.get(identity);
    if (!studentId && isStaff(identity)) {
      out.rowsStaff += count;
      staffKeys.add(
        splitIdentityKey(identity)
          .filter(({ system, key }) => staffFound.get(system)?.has(key))
          .map((c) => `${c.system}:${c.key}`)[0] as string,
      );
      return;
    }
    if (!studentId) {
      out.rowsUnresolved += count;
      unresolved.add(
        splitIdentityKey(identity)
          .map((c) => `${c.system}:${c.key}`)
          .join(' or '),
      );
      return;
    }
    // Two keys of one person (an e-mail and a Panopto user name) land on the same student, day and source.
    const key = `${studentId}\u001f${day}\u001f${source}`;
    const m = merged.get(key);
    if (m) m.count += count;
    else merged.set(key, { studentId, day, source, count });
    out.rowsCounted += count;
    out.students.add(studentId);
  });
  for (const m of merged.values()) {
    let list = out.bySource.get(m.source);
    if (!list) out.bySource.set(m.source, (list = []));
    list.push({ studentId: m.studentId, day: m.day, count: m.count });
  }
  out.unresolved = [...unresolved].sort();
  out.staffKeys = [...staffKeys].sort();
  // The per-identity tally is no longer needed: let it go before the writes build their batches.
  parsed.tally.clearCounts();
  return out;
}

/** Formats with no times: their counts land on the period's last day, so they never replace data held by day. */
const UNDATED_FORMATS: ReadonlySet<string> = new Set(['panopto-session-views']);
/** Formats that speak for one meeting, not for every student's day: they add counts but claim no coverage unless told. */
const PARTIAL_FORMATS: ReadonlySet<string> = new Set(['teams-attendance', 'teams-attendance-2021']);

/**
 * Imports one activity export. The rule: an import replaces, for each source it holds, whatever
 * earlier imports of the same scope contributed on the days of its period, and adds its own counts;
 * nothing outside the period or the scope changes. Teams attendance is kept per meeting instead, so a
 * download and a Graph collection of the same meeting are one meeting. A report without days never
 * replaces one with days. The same file with the same settings again changes nothing unless forced.
 * Bad input never throws: the summary says what was wrong, and a failed import stores no counts.
 */
export async function importExport(deps: ImportDeps, options: ImportOptions): Promise<ImportSummary> {
  if (options.dryRun) return runImport(deps, options, null);
  // Recorded as running before a line is read, so an import a crash interrupts shows as interrupted.
  return whileImportRuns(
    deps.db,
    deps.now,
    {
      source: COUNT_FORMATS[options.source][0].produces[0] ?? options.source,
      fileName: options.fileName ?? basename(options.path),
      departmentId: options.departmentId ?? null,
    },
    (record) => runImport(deps, options, record),
  );
}

/** The import itself; `record` is its "running" record, replaced by its results in the transaction that writes them. */
async function runImport(deps: ImportDeps, options: ImportOptions, record: string | null): Promise<ImportSummary> {
  const startedAt = deps.now().toISOString();
  const fileName = options.fileName ?? basename(options.path);
  const zoneKey = options.source === 'samis-logins' ? 'samis' : options.source;
  const sourceTimeZone = options.timeZone ?? deps.ingest.timeZones[zoneKey];
  const locale = options.locale ?? deps.ingest.teamsLocale;
  const parsed = await parseExport(
    options.path,
    options.source,
    {
      campusTimeZone: deps.campusTimeZone,
      sourceTimeZone,
      locale,
      period: options.period ?? null,
      samisLoginColumns: deps.ingest.samisLoginColumns,
      moodleLogStrings: deps.ingest.moodleLogStrings,
      maxLineBytes: deps.ingest.maxLineBytes,
    },
    options.onProgress,
    true,
    options.parts,
  );
  const t = parsed.tally;
  const format = parsed.format?.id ?? null;
  const period = options.period ?? periodOf(t);
  const complete = format === null || !PARTIAL_FORMATS.has(format) || options.complete === true;
  const fileHash = parsed.read?.fileHash ?? null;
  const settings: ImportSettings = {
    period: options.period ?? null,
    sourceTimeZone,
    campusTimeZone: deps.campusTimeZone,
    locale: options.source === 'teams' ? locale : null,
    mappings:
      options.source === 'samis-logins' ? deps.ingest.samisLoginColumns : options.source === 'moodle' ? deps.ingest.moodleLogStrings : null,
    complete,
    departmentId: options.departmentId ?? null,
  };
  const importKey = fileHash && format ? importKeyOf({ fileHash, format, ...settings }) : null;
  const summary: ImportSummary = {
    status: 'failed',
    source: options.source,
    format,
    fileName,
    fileHash,
    scope: parsed.scope,
    period,
    daysCovered: period ? daysBetween(period.start, period.end) + 1 : 0,
    complete,
    importKey,
    rowsRead: t.rowsRead,
    rowsCounted: 0,
    rowsIgnored: t.rowsIgnored,
    rowsRejected: t.rowsRejected,
    rowsUnresolved: 0,
    rowsOtherDepartments: 0,
    rejections: t.rejections,
    unresolved: { total: 0, keys: [] },
    rowsStaff: t.rowsStaff,
    staff: { total: t.staffKeys.size, keys: [...t.staffKeys].sort() },
    studentsAffected: 0,
    countsBySource: {},
    errors: [],
    warnings: [...t.warnings],
    importIds: [],
    timings: { parseMs: Math.round(parsed.parseMs), resolveMs: 0, writeMs: 0 },
  };

  if (parsed.fatal) summary.errors.push(parsed.fatal);
  else if (!period) summary.errors.push(explainNoDate(t.rejections));
  else if (t.rowsRejected > t.rowsRead * deps.ingest.maxRejectedShare) {
    const share = (n: number) => `${Math.round(n * 1000) / 10}%`;
    const other = /the file was downloaded with (en-GB|en-US) dates/.exec(t.rejections.map((r) => r.reason).join('\n'))?.[1];
    summary.errors.push(
      `${t.rowsRejected} of ${t.rowsRead} rows (${share(t.rowsRejected / Math.max(1, t.rowsRead))}) could not be read, more than the ${share(deps.ingest.maxRejectedShare)} allowed (IMPORT_MAX_REJECTED_SHARE): nothing from this file was stored` +
        (other
          ? `. Dates in it read only as ${other} dates: pass --locale ${other} (or set TEAMS_LOCALE=${other}) and import it again`
          : ''),
    );
  }

  const resolveStarted = performance.now();
  const resolved = summary.errors.length === 0 && period ? await resolveCounts(deps.db, parsed, period) : null;
  if (resolved && options.departmentId) {
    summary.rowsOtherDepartments = await keepOwnDepartment(deps.db, resolved, options.departmentId);
    if (summary.rowsOtherDepartments > 0)
      summary.warnings.push(
        `${summary.rowsOtherDepartments} row(s) name students of other departments; they were left out, as an upload only changes your own department's data.`,
      );
  }
  summary.timings.resolveMs = Math.round(performance.now() - resolveStarted);
  if (resolved) {
    summary.rowsCounted = resolved.rowsCounted;
    summary.rowsUnresolved = resolved.rowsUnresolved;
    summary.unresolved = { total: resolved.unresolved.length, keys: resolved.unresolved.slice(0, MAX_UNRESOLVED_LISTED) };
    summary.rowsStaff = t.rowsStaff + resolved.rowsStaff;
    const staffKeys = [...new Set([...t.staffKeys, ...resolved.staffKeys])].sort();
    summary.staff = { total: staffKeys.length, keys: staffKeys.slice(0, MAX_UNRESOLVED_LISTED) };
    summary.studentsAffected = resolved.students.size;
    for (const [source, list] of resolved.bySource) summary.countsBySource[source] = list.reduce((n, c) => n + c.count, 0);
    if (resolved.outsidePeriod > 0)
      summary.warnings.push(`${resolved.outsidePeriod} occurrence(s) fell outside the period given and were left out.`);
    if (resolved.unresolved.length > 0)
      summary.warnings.push(
        `${resolved.unresolved.length} key(s) are not in the identity map; their rows were not counted. Import the roster or identity export, then this file again.`,
      );
    if (summary.rowsStaff > 0)
      summary.warnings.push(
        `${summary.rowsStaff} row(s) are of ${summary.staff.total} member(s) of staff (staff, ignored): staff are not monitored, nothing is missing.`,
      );
    const refusal = checkResolvedShare(resolved, deps.ingest.minResolvedShare);
    if (refusal) summary.errors.push(refusal);
  }
  const usable = summary.errors.length === 0 && resolved !== null && period !== null;
  const sources: Array<Source | string> = parsed.format ? [...(usable ? t.sources : parsed.format.produces)] : [options.source];

  const identity = format && {
    importKey,
    fileHash,
    format,
    force: options.force === true,
    rowsUnresolved: summary.rowsUnresolved,
    settings,
    sources,
    scope: parsed.scope,
    departmentId: options.departmentId ?? null,
  };
  if (usable && format && identity) {
    const skip = await checkAlreadyApplied(deps.db, identity);
    if (skip.skip) {
      summary.status = 'already_imported';
      summary.warnings.push(skip.reason);
      return summary;
    }
    if (skip.reason) summary.warnings.push(skip.reason);
    if (UNDATED_FORMATS.has(format)) {
      const dated = (await findOverlappingImports(deps.db, { sources, scope: parsed.scope, start: period.start, end: period.end })).filter(
        (i) => !UNDATED_FORMATS.has(i.format),
      );
      const first = dated[0];
      if (first) {
        summary.status = 'skipped';
        summary.warnings.push(
          `skipped: views between ${period.start} and ${period.end} are already held day by day (from "${first.fileName}", ${first.periodStart} to ${first.periodEnd}); a report without days never replaces them. Nothing was changed.`,
        );
        return summary;
      }
    }
  }

  if (options.dryRun) {
    summary.status = summary.errors.length === 0 ? 'dry_run' : 'failed';
    return summary;
  }
  if (!resolved && options.recordFailure === false) return summary;

  const writeStarted = performance.now();
  const finishedAt = () => deps.now().toISOString();
  const details = {
    rejections: t.rejections,
    unresolved: summary.unresolved,
    staff: summary.staff,
    warnings: summary.warnings,
    settings,
    encoding: parsed.read?.encoding ?? null,
  };
  if (usable) await freshenPlannerStatistics(deps.db);
  let skippedUnderLock: string | null = null;
  const warningsBefore = summary.warnings.length;
  const write = () =>
    deps.db.transaction().execute(async (trx) => {
      // Tried again while SQLite is busy with another process's write: each try starts from nothing.
      summary.importIds.length = 0;
      summary.warnings.length = warningsBefore;
      if (record) await endImportRecord(trx, record);
      if (usable) {
        // Every scope this import replaces, in one order, before anything is read for the writes: another import
        // of them (another process, another instance) writes wholly before or wholly after this one.
        for (const source of [...sources].sort()) await lockImportScope(trx, source, parsed.scope);
        // The same file imported elsewhere while this one read it: decided again now that its writes are visible.
        const skip = identity ? await checkAlreadyApplied(trx, identity) : null;
        if (skip?.skip) {
          skippedUnderLock = skip.reason;
          return;
        }
      }
      for (const source of sources) {
        const id = newId();
        summary.importIds.push(id);
        const list = resolved?.bySource.get(source as Source) ?? [];
        await insertImport(trx, {
          id,
          source,
          format: format ?? '',
          scope: parsed.scope,
          fileName,
          fileHash,
          periodStart: period?.start ?? null,
          periodEnd: period?.end ?? null,
          rowsRead: t.rowsRead,
          rowsCounted: usable ? list.reduce((n, c) => n + c.count, 0) : 0,
          rowsIgnored: t.rowsIgnored,
          rowsRejected: t.rowsRejected,
          rowsUnresolved: summary.rowsUnresolved,
          studentsAffected: new Set(list.map((c) => c.studentId)).size,
          status: usable ? 'succeeded' : 'failed',
          errors: summary.errors,
          details,
          startedAt,
          finishedAt: finishedAt(),
          departmentId: options.departmentId ?? null,
          importKey,
          complete,
        });
        if (!usable) continue;
        if (source === 'teams_attendance' && parsed.meetingKey) {
          await replaceMeetingAttendance(trx, { importId: id, meetingKey: parsed.meetingKey, attendees: list });
          continue;
        }
        if (format && !UNDATED_FORMATS.has(format)) {
          const undated = await findOverlappingImports(trx, {
            sources: [source],
            scope: parsed.scope,
            start: period.start,
            end: period.end,
          });
          for (const earlier of undated.filter((i) => UNDATED_FORMATS.has(i.format) && i.id !== id)) {
            await supersedeImport(trx, earlier.id, id);
            summary.warnings.push(
              `"${earlier.fileName}" (${earlier.periodStart} to ${earlier.periodEnd}, without days) is replaced whole by this report, which has days.`,
            );
          }
        }
        await replaceScopeCounts(trx, {
          importId: id,
          source: source as Source,
          scope: parsed.scope,
          start: period.start,
          end: period.end,
          counts: list,
          ...(options.departmentId ? { departmentId: options.departmentId } : {}),
        });
      }
    });
  await retryWhileSqliteBusy(write, `the import of ${fileName}`);
  summary.timings.writeMs = Math.round(performance.now() - writeStarted);
  if (skippedUnderLock !== null) {
    summary.status = 'already_imported';
    summary.warnings.push(skippedUnderLock);
    return summary;
  }
  summary.status = usable ? 'succeeded' : 'failed';
  return summary;
}

/** A file whose rows name almost nobody known is the wrong file or comes before its roster: it must not replace anything. */
function checkResolvedShare(resolved: ResolvedCounts, minShare: number): string | null {
  // Staff rows are neither: a file is judged by the rows that could name a student.
  const countable = resolved.rowsCounted + resolved.rowsUnresolved;
  if (countable === 0)
    return resolved.rowsStaff > 0
      ? `every one of the ${resolved.rowsStaff} row(s) that would count names a member of staff (for example ${resolved.staffKeys.slice(0, 3).join(', ')}), none a student: check this is the right file. Nothing from this file was stored`
      : null;
  const share = resolved.rowsCounted / countable;
  const examples = resolved.unresolved.slice(0, 3).join(', ');
  if (resolved.rowsCounted === 0)
    return `none of the ${countable} row(s) that would count names a known student (for example ${examples}): import the roster or identity export first, or check this is the right file. Nothing from this file was stored`;
  if (share < minShare)
    return `only ${resolved.rowsCounted} of ${countable} row(s) that would count (${Math.round(share * 1000) / 10}%) name a known student, fewer than the ${Math.round(minShare * 1000) / 10}% required (IMPORT_MIN_RESOLVED_SHARE): nothing from this file was stored`;
  return null;
}
