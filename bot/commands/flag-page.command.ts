import { SOURCE_LABELS, SOURCES, type IsoDay, type Source } from '../../shared/domain';
import { addDays } from '../../shared/calendar';
import { compareTriage } from '../../shared/cases';
import type { FlagPage, FlagQuery, FlagRow, FlagSort } from '../../shared/api/flags';
import type { Db } from '../store/database';
import { findFlagListStamp, findOpenCases } from '../store/case.repository';
import { findDepartment, type Department } from '../store/department.repository';
import { listStaff, type Staff } from '../store/staff.repository';
import { listStudents, type Student } from '../store/student.repository';
import { findLatestEvaluation } from '../store/evaluation.repository';
import { loadDepartmentCounts } from '../store/activity.repository';
import type { Coverage, DailyCounts } from '../../shared/rules/types';
import { loadCoverage } from '../store/import.repository';
import { findLatestCaseEvents } from '../store/case-event.repository';
import { writeAudit, type AuditWriter } from '../store/audit.repository';
import { notFound } from '../errors';
import { presentFlag } from '../presenters/flag.presenter';
import { presentLastAction } from '../presenters/case.presenter';
import { seesWholeDepartment } from './viewer';

/** The daily chart beside each student spans the 21 days before today, the longest rule window. */
export const CHART_DAYS = 21;

interface Entry {
  row: FlagRow;
  search: string;
  /** The row already serialised: a page is answered by joining 50 of these, not by stringifying. */
  json: string;
}

/**
 * The filterable fields as small typed arrays indexed like `entries`: the filter loop walks 5,000
 * of these without touching the row objects, which stays fast when the list is large.
 */
interface Columns {
  severity: Uint8Array;
  status: Uint8Array;
  programme: Uint16Array;
  year: Uint8Array;
  /** Index into `tutorIds`, or -1 without a tutor. */
  tutor: Int32Array;
  /** One bit per source (in SOURCES order) with no activity in the last 21 days. */
  quiet: Uint8Array;
  programmes: string[];
  tutorIds: string[];
}

export interface Snapshot {
  stamp: string;
  /** Every student of the department (flagged or not), for search and a tutor's summary. */
  students: readonly Student[];
  /** Daily counts per student over `days`, and which days each source's data covers. */
  counts: ReadonlyMap<string, DailyCounts>;
  coverage: Coverage;
  staffNames: Map<string, string>;
  today: IsoDay;
  department: Department;
  evaluatedAt: string | null;
  days: IsoDay[];
  entries: Entry[];
  columns: Columns;
  /** Entry indexes in ascending order per sort, computed on first use. */
  sorted: Map<FlagSort, Uint32Array>;
  /** Filter choices for department-wide viewers (tutors get theirs from their own rows). */
  facets: FlagPage['facets'];
  /** The page header's fixed parts as JSON, made on first use. */
  json?: { department: string; evaluatedAt: string; days: string; facets: string };
  /** Pages already rendered from this list, by viewer scope and query (see listFlagPageBody). */
  pages: Map<string, { scope: 'department' | 'tutees'; total: number; body: Buffer; studentIds: string[] }>;
}

/**
 * Keeps each department's presented list in memory until anything it was built from changes (see
 * findFlagListStamp), so a page of a 5,000-row list costs one small query plus filtering, not a
 * rebuild. Made once per app by createApp's routes; never a module-level instance.
 */
export interface FlagListCache {
  get(departmentId: string, today: IsoDay): Promise<Snapshot>;
  /** Forgets a department's list after a change made through the tab, so the next read rebuilds at once. */
  invalidate(departmentId: string): void;
}

/**
 * Under load, the fingerprint is checked at most every `recheckMs` per department; a change made
 * elsewhere (the bot's card, an evaluation, an import) shows at most that much later, and changes
 * made through the tab invalidate at once.
 */
export function createFlagListCache(db: Db, opts: { recheckMs?: number; clock?: () => number } = {}): FlagListCache {
  const recheckMs = opts.recheckMs ?? 250;
  const clock = opts.clock ?? (() => performance.now());
  const snapshots = new Map<string, Snapshot>();
  const checkedAt = new Map<string, number>();
  const building = new Map<string, Promise<Snapshot>>();
  return {
    invalidate(departmentId) {
      snapshots.delete(departmentId);
      checkedAt.delete(departmentId);
    },
    async get(departmentId, today) {
      const recent = snapshots.get(departmentId);
      if (recent && recent.today === today && clock() - (checkedAt.get(departmentId) ?? -Infinity) < recheckMs) return recent;
      const stamp = await findFlagListStamp(db, departmentId);
      checkedAt.set(departmentId, clock());
      const held = snapshots.get(departmentId);
      if (held && held.stamp === stamp && held.today === today) return held;
      const key = `${departmentId}|${stamp}|${today}`;
      let pending = building.get(key);
      if (!pending) {
        pending = buildSnapshot(db, departmentId, today, stamp).finally(() => building.delete(key));
        building.set(key, pending);
      }
      const snapshot = await pending;
      snapshots.set(departmentId, snapshot);
      return snapshot;
    },
  };
}

async function buildSnapshot(db: Db, departmentId: string, today: IsoDay, stamp: string): Promise<Snapshot> {
  const department = await findDepartment(db, departmentId);
  if (!department) throw notFound('Your department');
  const first = addDays(today, -CHART_DAYS);
  const last = addDays(today, -1);
  const days: IsoDay[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) days.push(d);
  const [cases, students, staff, counts, coverage, latest] = await Promise.all([
    findOpenCases(db, departmentId),
    listStudents(db, departmentId),
    listStaff(db, departmentId),
    loadDepartmentCounts(db, departmentId, first, last),
    loadCoverage(db, first, last, departmentId),
    findLatestEvaluation(db, departmentId),
  ]);
  const events = await findLatestCaseEvents(
    db,
    cases.map((c) => c.id),
  );
  const studentsById = new Map(students.map((s) => [s.id, s]));
  const staffById = new Map<string, Staff>(staff.map((s) => [s.id, s]));
  const staffNames = new Map(staff.map((s) => [s.id, s.displayName]));
  const entries: Entry[] = [];
  for (const c of cases) {
    const student = studentsById.get(c.studentId);
    if (!student) continue;
    const byDay = counts.get(student.id);
    const daily = dailyOf(byDay, coverage, days);
    const row: FlagRow = {
      ...presentFlag(
        c,
        student,
        student.tutorId ? staffById.get(student.tutorId) : undefined,
        c.ownerId ? staffById.get(c.ownerId) : undefined,
      ),
      tutorId: student.tutorId,
      lastAction: presentLastAction(events.get(c.id), staffNames),
      daily,
    };
    entries.push({ row, search: `${row.studentName} ${row.studentId}`.toLocaleLowerCase('en-GB'), json: JSON.stringify(row) });
  }
  return {
    stamp,
    students,
    counts,
    coverage,
    staffNames,
    today,
    department,
    evaluatedAt: latest?.evaluatedAt ?? null,
    days,
    entries,
    columns: buildColumns(entries),
    sorted: new Map(),
    pages: new Map(),
    facets: facetsOf(entries.map((e) => e.row)),
  };
}

/** Per source, one count per day; null where that source's data does not cover the day. */
export function dailyOf(byDay: DailyCounts | undefined, coverage: Coverage, days: readonly IsoDay[]) {
  return Object.fromEntries(
    SOURCES.map((source) => [source, days.map((day) => (coverage.get(source)?.has(day) ? (byDay?.get(day)?.[source] ?? 0) : null))]),
  ) as Record<Source, Array<number | null>>;
}

const SEVERITY_CODES: readonly string[] = ['high', 'medium', 'low'];
const STATUS_CODES: readonly string[] = ['open', 'acknowledged', 'snoozed', 'closed'];

function buildColumns(entries: readonly Entry[]): Columns {
  const n = entries.length;
  const programmes = [...new Set(entries.map((e) => e.row.programme))];
  const tutorIds = [...new Set(entries.flatMap((e) => (e.row.tutorId ? [e.row.tutorId] : [])))];
  const programmeIndex = new Map(programmes.map((p, i) => [p, i]));
  const tutorIndex = new Map(tutorIds.map((t, i) => [t, i]));
  const columns: Columns = {
    severity: new Uint8Array(n),
    status: new Uint8Array(n),
    programme: new Uint16Array(n),
    year: new Uint8Array(n),
    tutor: new Int32Array(n),
    quiet: new Uint8Array(n),
    programmes,
    tutorIds,
  };
  entries.forEach(({ row }, i) => {
    columns.severity[i] = SEVERITY_CODES.indexOf(row.severity);
    columns.status[i] = STATUS_CODES.indexOf(row.status);
    columns.programme[i] = programmeIndex.get(row.programme) ?? 0;
    columns.year[i] = row.year;
    columns.tutor[i] = row.tutorId ? (tutorIndex.get(row.tutorId) ?? -1) : -1;
    columns.quiet[i] = SOURCES.reduce((bits, source, b) => (row.counts[source]?.d21 === 0 ? bits | (1 << b) : bits), 0);
  });
  return columns;
}

const collator = new Intl.Collator('en-GB', { sensitivity: 'base' });
const STATUS_ORDER: Record<string, number> = { open: 0, acknowledged: 1, snoozed: 2 };
const NEVER = Number.MAX_SAFE_INTEGER;

const byName = (a: FlagRow, b: FlagRow) => collator.compare(a.studentName, b.studentName) || a.studentId.localeCompare(b.studentId);
const byTriage = compareTriage;

/** Ascending comparators; "severity" ascending means the triage order, most urgent first. */
const COMPARATORS: Record<FlagSort, (a: FlagRow, b: FlagRow) => number> = {
  severity: byTriage,
  name: byName,
  programme: (a, b) => collator.compare(a.programme, b.programme) || a.year - b.year || byName(a, b),
  tutor: (a, b) =>
    (a.tutorName === null ? 1 : 0) - (b.tutorName === null ? 1 : 0) ||
    collator.compare(a.tutorName ?? '', b.tutorName ?? '') ||
    byTriage(a, b),
  days: (a, b) => (a.daysSinceLastActivity ?? NEVER) - (b.daysSinceLastActivity ?? NEVER) || byName(a, b),
  status: (a, b) => (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9) || byTriage(a, b),
  opened: (a, b) => a.openedAt.localeCompare(b.openedAt) || byTriage(a, b),
  last_action: (a, b) => (a.lastAction?.at ?? '').localeCompare(b.lastAction?.at ?? '') || byTriage(a, b),
};

function sortedIndexes(snapshot: Snapshot, sort: FlagSort): Uint32Array {
  let order = snapshot.sorted.get(sort);
  if (!order) {
    const compare = COMPARATORS[sort];
    const rows = snapshot.entries.map((e) => e.row);
    order = Uint32Array.from(rows.keys()).sort((a, b) => compare(rows[a]!, rows[b]!));
    snapshot.sorted.set(sort, order);
  }
  return order;
}

interface Selection {
  scope: 'department' | 'tutees';
  /** How many rows match, over all pages. */
  total: number;
  /** The matching entries inside the window, in the requested order. */
  entries: Entry[];
  facets: FlagPage['facets'];
}

/**
 * Walks the held list once in the requested order: counts every match, keeps only the rows inside
 * the window (all of them for an export), and gathers a tutor's own filter choices on the way.
 */
function selectEntries(snapshot: Snapshot, viewer: Staff, query: FlagQuery, window: { start: number; size: number } | null): Selection {
  const whole = seesWholeDepartment(viewer);
  const q = query.q?.toLocaleLowerCase('en-GB');
  const order = sortedIndexes(snapshot, query.sort);
  const { entries: all, columns } = snapshot;
  const start = window ? window.start : 0;
  const end = window ? window.start + window.size : Number.MAX_SAFE_INTEGER;
  const desc = query.dir === 'desc';
  const last = order.length - 1;
  const filtered = query.severity || query.status || query.programme || query.year !== undefined || query.tutor || query.source || q;
  if (whole && !filtered) {
    // The default view of a department: every row matches, so the page is a slice.
    const entries: Entry[] = [];
    for (let k = start; k < Math.min(end, order.length); k++) entries.push(all[order[desc ? last - k : k]!]!);
    return { scope: 'department', total: order.length, entries, facets: snapshot.facets };
  }
  // Query values as column codes; -2 never matches (a programme or tutor with no open case).
  const NONE = -2;
  const severity = query.severity ? SEVERITY_CODES.indexOf(query.severity) : -1;
  const status = query.status ? STATUS_CODES.indexOf(query.status) : -1;
  const programme = query.programme ? columns.programmes.indexOf(query.programme) : -1;
  const programmeWanted = query.programme ? (programme < 0 ? NONE : programme) : -1;
  const year = query.year ?? -1;
  const tutorWanted =
    query.tutor === undefined
      ? -3
      : query.tutor === 'none'
        ? -1
        : columns.tutorIds.indexOf(query.tutor) >= 0
          ? columns.tutorIds.indexOf(query.tutor)
          : NONE;
  const own = whole ? -3 : columns.tutorIds.indexOf(viewer.id);
  const quietBit = query.source ? 1 << SOURCES.indexOf(query.source) : 0;
  const scoped: FlagRow[] = [];
  const entries: Entry[] = [];
  let total = 0;
  for (let k = 0; k <= last; k++) {
    const i = order[desc ? last - k : k]!;
    if (!whole) {
      if (own < 0 || columns.tutor[i] !== own) continue;
      scoped.push(all[i]!.row);
    }
    if (severity >= 0 && columns.severity[i] !== severity) continue;
    if (status >= 0 && columns.status[i] !== status) continue;
    if (programmeWanted !== -1 && columns.programme[i] !== programmeWanted) continue;
    if (year >= 0 && columns.year[i] !== year) continue;
    if (tutorWanted !== -3 && columns.tutor[i] !== tutorWanted) continue;
    if (quietBit && (columns.quiet[i]! & quietBit) === 0) continue;
    if (q && !all[i]!.search.includes(q)) continue;
    if (total >= start && total < end) entries.push(all[i]!);
    total++;
  }
  return { scope: whole ? 'department' : 'tutees', total, entries, facets: whole ? snapshot.facets : facetsOf(scoped) };
}

function facetsOf(rows: readonly FlagRow[]): FlagPage['facets'] {
  const programmes = new Set<string>();
  const years = new Set<number>();
  const tutors = new Map<string, string>();
  for (const r of rows) {
    programmes.add(r.programme);
    years.add(r.year);
    if (r.tutorId && r.tutorName) tutors.set(r.tutorId, r.tutorName);
  }
  return {
    programmes: [...programmes].sort(collator.compare),
    years: [...years].sort((a, b) => a - b),
    tutors: [...tutors].map(([id, name]) => ({ id, name })).sort((a, b) => collator.compare(a.name, b.name)),
  };
}

export interface FlagListDeps {
  db: Db;
  cache: FlagListCache;
  /** The routes pass a group-committing writer (createAuditWriter); without one each view is one insert. */
  audit?: AuditWriter;
}

/** Rendered pages kept per held list; a list with more distinct views than this starts afresh. */
const MAX_HELD_PAGES = 256;

/**
 * The page as UTF-8 JSON, ready to send. Each distinct view (filters, sort, page and, for tutors, who
 * asks) is rendered once per held list and kept with it, so a change to the list drops them all; every
 * request is still scoped by the viewer's department and written to the audit log before it is answered.
 */
export async function listFlagPageBody(deps: FlagListDeps, viewer: Staff, query: FlagQuery, today: IsoDay, now: string): Promise<Buffer> {
  const snapshot = await deps.cache.get(viewer.departmentId, today);
  const key = `${seesWholeDepartment(viewer) ? 'department' : `tutees:${viewer.id}`}|${JSON.stringify(query)}`;
  let page = snapshot.pages.get(key);
  if (!page) {
    const selection = selectEntries(snapshot, viewer, query, { start: (query.page - 1) * query.pageSize, size: query.pageSize });
    // The parts fixed per held list are serialised once; the same key order as JSON.stringify of a FlagPage.
    const fixed = (snapshot.json ??= {
      department: JSON.stringify(snapshot.department),
      evaluatedAt: JSON.stringify(snapshot.evaluatedAt),
      days: JSON.stringify(snapshot.days),
      facets: JSON.stringify(snapshot.facets),
    });
    const facets = selection.facets === snapshot.facets ? fixed.facets : JSON.stringify(selection.facets);
    const flags = selection.entries.map((e) => e.json).join(',');
    const body = `{"department":${fixed.department},"evaluatedAt":${fixed.evaluatedAt},"scope":${JSON.stringify(selection.scope)},"days":${fixed.days},"total":${selection.total},"page":${query.page},"pageSize":${query.pageSize},"facets":${facets},"flags":[${flags}]}`;
    page = {
      scope: selection.scope,
      total: selection.total,
      body: Buffer.from(body, 'utf8'),
      studentIds: selection.entries.map((e) => e.row.studentId),
    };
    if (snapshot.pages.size >= MAX_HELD_PAGES) snapshot.pages.clear();
    snapshot.pages.set(key, page);
  }
  await auditView(deps, viewer, query, page, now);
  return page.body;
}

function auditView(
  deps: FlagListDeps,
  viewer: Staff,
  query: FlagQuery,
  seen: { scope: Selection['scope']; total: number; studentIds: readonly string[] },
  now: string,
): Promise<void> {
  return (deps.audit ?? ((entry, at) => writeAudit(deps.db, entry, at)))(
    {
      actorId: viewer.id,
      action: 'viewed_flag_list',
      subjectKind: 'department',
      subjectId: viewer.departmentId,
      // The students shown on this page, so each student's views can be found (subject access, "my data", the audit page).
      detail: { scope: seen.scope, matching: seen.total, page: query.page, filters: describeFilters(query), studentIds: seen.studentIds },
    },
    now,
  );
}

function describeFilters(query: FlagQuery): Record<string, unknown> {
  const { page: _page, pageSize: _size, ...rest } = query;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

const CSV_HEADER = [
  'Student ID',
  'Student',
  'Programme',
  'Year',
  'Personal tutor',
  'Severity',
  'Status',
  'Why',
  'Days since last activity',
  ...SOURCES.map((s) => `${SOURCE_LABELS[s]} (last 21 days)`),
  'Owner',
  'Last action',
  'Last action at',
  'Opened at',
];

/** Quotes a CSV field and defuses spreadsheet formulas (a cell starting =, +, - or @ is shown as text). */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The current view (every page) as CSV, counts only, written to the audit log with its filters. */
export async function exportFlagsCsv(
  deps: FlagListDeps,
  viewer: Staff,
  query: FlagQuery,
  today: IsoDay,
  now: string,
): Promise<{ csv: string; rows: number }> {
  const snapshot = await deps.cache.get(viewer.departmentId, today);
  const { entries, scope } = selectEntries(snapshot, viewer, query, null);
  const rows = entries.map((e) => e.row);
  const lines = [CSV_HEADER.map(csvField).join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.studentId,
        r.studentName,
        r.programme,
        r.year,
        r.tutorName,
        r.severity,
        r.status,
        r.reason,
        r.daysSinceLastActivity,
        ...SOURCES.map((s) => r.counts[s]?.d21 ?? null),
        r.ownerName,
        r.lastAction?.label ?? null,
        r.lastAction?.at ?? null,
        r.openedAt,
      ]
        .map(csvField)
        .join(','),
    );
  }
  await writeAudit(
    deps.db,
    {
      actorId: viewer.id,
      action: 'exported_flag_list',
      subjectKind: 'department',
      subjectId: viewer.departmentId,
      detail: { scope, rows: rows.length, filters: describeFilters(query), studentIds: rows.map((r) => r.studentId) },
    },
    now,
  );
  // A byte order mark first: Excel then reads the file as UTF-8 and accented names stay intact.
  return { csv: `\uFEFF${lines.join('\r\n')}\r\n`, rows: rows.length };
}
