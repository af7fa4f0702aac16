import { basename } from 'node:path';
import type { IsoDay, Source } from '../../shared/domain';
import { daysBetween } from '../../shared/calendar';
import type { IngestConfig } from '../config';
import type { Db } from '../store/database';
import { newId } from '../store/ids';
import { findImportByHash, insertImport } from '../store/import.repository';
import { lockImportScope, replaceScopeCounts } from '../store/import-count.repository';
import { resolveIdentities } from '../store/identity.repository';
import type { DateLocale } from './dates';
import { parseExport, periodOf, type CountSource, type ParsedExport } from './parse-export';
import { splitIdentityKey, type IdentitySystem, type Rejection } from './tally';

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
  onProgress?: (lines: number, bytes: number) => void;
}

export type ImportStatus = 'succeeded' | 'failed' | 'already_imported' | 'dry_run';

export interface ImportSummary {
  status: ImportStatus;
  source: CountSource;
  format: string | null;
  fileName: string;
  fileHash: string | null;
  scope: string;
  period: { start: IsoDay; end: IsoDay } | null;
  daysCovered: number;
  rowsRead: number;
  /** Rows that became a count for a known student. */
  rowsCounted: number;
  rowsIgnored: number;
  rowsRejected: number;
  /** Rows that would have counted but name nobody in the identity map. */
  rowsUnresolved: number;
  rejections: Rejection[];
  unresolved: { total: number; keys: string[] };
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
  students: Set<string>;
  outsidePeriod: number;
}

/** Maps every identity candidate through the identity table, in bulk; an unknown key is listed, never guessed. */
async function resolveCounts(db: Db, parsed: ParsedExport, period: { start: IsoDay; end: IsoDay }): Promise<ResolvedCounts> {
  const wanted = new Map<IdentitySystem, Set<string>>();
  const identities = new Set<string>();
  for (const e of parsed.tally.entries()) identities.add(e.identity);
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

  const merged = new Map<string, { studentId: string; day: IsoDay; source: Source; count: number }>();
  const out: ResolvedCounts = {
    bySource: new Map(),
    rowsCounted: 0,
    rowsUnresolved: 0,
    unresolved: [],
    students: new Set(),
    outsidePeriod: 0,
  };
  const unresolved = new Set<string>();
  for (const e of parsed.tally.entries()) {
    if (!parsed.tally.sources.has(e.source)) continue;
    if (e.day < period.start || e.day > period.end) {
      out.outsidePeriod += e.count;
      continue;
    }
    const studentId = studentOf.get(e.identity);
    if (!studentId) {
      out.rowsUnresolved += e.count;
      unresolved.add(
        splitIdentityKey(e.identity)
          .map((c) => `${c.system}:${c.key}`)
          .join(' or '),
      );
      continue;
    }
    // Two keys of one person (an e-mail and a Panopto user name) land on the same student, day and source.
    const key = `${studentId}\u001f${e.day}\u001f${e.source}`;
    const m = merged.get(key);
    if (m) m.count += e.count;
    else merged.set(key, { studentId, day: e.day, source: e.source, count: e.count });
    out.rowsCounted += e.count;
    out.students.add(studentId);
  }
  for (const m of merged.values()) {
    let list = out.bySource.get(m.source);
    if (!list) out.bySource.set(m.source, (list = []));
    list.push({ studentId: m.studentId, day: m.day, count: m.count });
  }
  out.unresolved = [...unresolved].sort();
  // The per-identity tally is no longer needed: let it go before the writes build their batches.
  parsed.tally.counts.clear();
  return out;
}

/**
 * Imports one activity export. The rule: an import replaces, for each source it holds, whatever
 * earlier imports of the same scope contributed on the days of its period, and adds its own counts;
 * nothing outside the period or the scope changes. The same bytes imported again change nothing.
 * Bad input never throws: the summary says what was wrong, and a failed import stores no counts.
 */
export async function importExport(deps: ImportDeps, options: ImportOptions): Promise<ImportSummary> {
  const startedAt = deps.now().toISOString();
  const fileName = options.fileName ?? basename(options.path);
  const zoneKey = options.source === 'samis-logins' ? 'samis' : options.source;
  const parsed = await parseExport(
    options.path,
    options.source,
    {
      campusTimeZone: deps.campusTimeZone,
      sourceTimeZone: options.timeZone ?? deps.ingest.timeZones[zoneKey],
      locale: options.locale ?? deps.ingest.teamsLocale,
      period: options.period ?? null,
      samisLoginColumns: deps.ingest.samisLoginColumns,
    },
    options.onProgress,
  );
  const t = parsed.tally;
  const format = parsed.format?.id ?? null;
  const period = options.period ?? periodOf(t);
  const summary: ImportSummary = {
    status: 'failed',
    source: options.source,
    format,
    fileName,
    fileHash: parsed.read?.fileHash ?? null,
    scope: parsed.scope,
    period,
    daysCovered: period ? daysBetween(period.start, period.end) + 1 : 0,
    rowsRead: t.rowsRead,
    rowsCounted: 0,
    rowsIgnored: t.rowsIgnored,
    rowsRejected: t.rowsRejected,
    rowsUnresolved: 0,
    rejections: t.rejections,
    unresolved: { total: 0, keys: [] },
    studentsAffected: 0,
    countsBySource: {},
    errors: [],
    warnings: [...t.warnings],
    importIds: [],
    timings: { parseMs: Math.round(parsed.parseMs), resolveMs: 0, writeMs: 0 },
  };

  if (parsed.fatal) summary.errors.push(parsed.fatal);
  else if (!period) summary.errors.push('no row in the file has a usable date, so the days it covers are unknown');
  else if (t.rowsRejected > t.rowsRead * deps.ingest.maxRejectedShare) {
    const share = (n: number) => `${Math.round(n * 1000) / 10}%`;
    summary.errors.push(
      `${t.rowsRejected} of ${t.rowsRead} rows (${share(t.rowsRejected / Math.max(1, t.rowsRead))}) could not be read, more than the ${share(deps.ingest.maxRejectedShare)} allowed (IMPORT_MAX_REJECTED_SHARE): nothing from this file was stored`,
    );
  }

  const earlier =
    summary.errors.length === 0 && summary.fileHash && format ? await findImportByHash(deps.db, summary.fileHash, format) : undefined;

  const resolveStarted = performance.now();
  const resolved = summary.errors.length === 0 && period ? await resolveCounts(deps.db, parsed, period) : null;
  summary.timings.resolveMs = Math.round(performance.now() - resolveStarted);
  if (resolved) {
    summary.rowsCounted = resolved.rowsCounted;
    summary.rowsUnresolved = resolved.rowsUnresolved;
    summary.unresolved = { total: resolved.unresolved.length, keys: resolved.unresolved.slice(0, MAX_UNRESOLVED_LISTED) };
    summary.studentsAffected = resolved.students.size;
    for (const [source, list] of resolved.bySource) summary.countsBySource[source] = list.reduce((n, c) => n + c.count, 0);
    if (resolved.outsidePeriod > 0)
      summary.warnings.push(`${resolved.outsidePeriod} occurrence(s) fell outside the period given and were left out.`);
    if (resolved.unresolved.length > 0)
      summary.warnings.push(
        `${resolved.unresolved.length} key(s) are not in the identity map; their rows were not counted. Import the roster or identity export, then this file again.`,
      );
  }

  // The same bytes again change nothing, unless identities added since then let more rows count.
  if (earlier && resolved && resolved.rowsUnresolved >= earlier.rowsUnresolved) {
    summary.status = 'already_imported';
    summary.warnings.push(
      `This file was already imported (as "${earlier.fileName}" at ${earlier.finishedAt ?? 'an earlier time'}); nothing was changed.`,
    );
    return summary;
  }
  if (earlier)
    summary.warnings.push(
      `This file was imported before; it is imported again because ${earlier.rowsUnresolved - summary.rowsUnresolved} more row(s) now match a student.`,
    );

  if (options.dryRun) {
    summary.status = summary.errors.length === 0 ? 'dry_run' : 'failed';
    return summary;
  }

  const writeStarted = performance.now();
  const finishedAt = () => deps.now().toISOString();
  const details = {
    rejections: t.rejections,
    unresolved: summary.unresolved,
    warnings: summary.warnings,
    encoding: parsed.read?.encoding ?? null,
  };
  const sources: Array<Source | string> = parsed.format ? [...(resolved ? t.sources : parsed.format.produces)] : [options.source];
  await deps.db.transaction().execute(async (trx) => {
    for (const source of sources) {
      const id = newId();
      summary.importIds.push(id);
      const list = resolved?.bySource.get(source as Source) ?? [];
      if (resolved && period) await lockImportScope(trx, source, parsed.scope);
      await insertImport(trx, {
        id,
        source,
        format: format ?? '',
        scope: parsed.scope,
        fileName,
        fileHash: summary.fileHash,
        periodStart: period?.start ?? null,
        periodEnd: period?.end ?? null,
        rowsRead: t.rowsRead,
        rowsCounted: resolved ? list.reduce((n, c) => n + c.count, 0) : 0,
        rowsIgnored: t.rowsIgnored,
        rowsRejected: t.rowsRejected,
        rowsUnresolved: summary.rowsUnresolved,
        studentsAffected: new Set(list.map((c) => c.studentId)).size,
        status: resolved ? 'succeeded' : 'failed',
        errors: summary.errors,
        details,
        startedAt,
        finishedAt: finishedAt(),
      });
      if (resolved && period)
        await replaceScopeCounts(trx, {
          importId: id,
          source: source as Source,
          scope: parsed.scope,
          start: period.start,
          end: period.end,
          counts: list,
        });
    }
  });
  summary.timings.writeMs = Math.round(performance.now() - writeStarted);
  summary.status = resolved ? 'succeeded' : 'failed';
  return summary;
}
