import { z } from 'zod';
import { SOURCES, type IsoDay, type Source } from '../../shared/domain';
import { addDays } from '../../shared/calendar';
import type { Coverage } from '../../shared/rules/types';
import { hostname } from 'node:os';
import { AppError } from '../errors';
import { isDatabaseUnreachable, retryWhileSqliteBusy, type Db } from './database';
import { newId } from './ids';
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
  /** interrupted: the process running it ended, or its database connection was lost, before it finished; nothing from it was stored. */
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  errors: string[];
  details: Record<string, unknown>;
  startedAt: string;
  finishedAt: string | null;
  /** The department an upload through the tab speaks for; null for an institution-wide import. */
  departmentId: string | null;
  /** The file and every setting that changes how it was read (see importKeyOf); null for runs with no file. */
  importKey: string | null;
  /** Whether the run speaks for whole days of its sources (see docs/imports.md, "Coverage"). */
  complete: boolean;
  supersededBy: string | null;
}

/** What a run that has no format, scope or details of its own (the demo, a Graph collection) may leave out. */
type Defaulted =
  'format' | 'scope' | 'rowsUnresolved' | 'studentsAffected' | 'details' | 'importKey' | 'complete' | 'supersededBy' | 'departmentId';
type NewImportRun = Omit<ImportRun, Defaulted> & Partial<Pick<ImportRun, Defaulted>>;

/** The one writer of `imports`: importers, identity files, Graph collections and the demo all record runs here. */
export async function insertImport(db: Db, run: NewImportRun): Promise<void> {
  const r: ImportRun = {
    format: '',
    scope: 'site',
    rowsUnresolved: 0,
    studentsAffected: 0,
    details: {},
    importKey: null,
    complete: true,
    supersededBy: null,
    departmentId: null,
    ...run,
  };
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
      department_id: r.departmentId,
      import_key: r.importKey,
      complete: r.complete ? 1 : 0,
      superseded_by: r.supersededBy,
    })
    .execute();
}

export interface EarlierImport {
  id: string;
  source: string;
  format: string;
  fileName: string;
  periodStart: IsoDay | null;
  periodEnd: IsoDay | null;
  startedAt: string;
  finishedAt: string | null;
  rowsUnresolved: number;
}

const EARLIER_COLUMNS = [
  'id',
  'source',
  'format',
  'file_name',
  'period_start',
  'period_end',
  'started_at',
  'finished_at',
  'rows_unresolved',
] as const;
const toEarlier = (r: Pick<ImportRow, (typeof EARLIER_COLUMNS)[number]>): EarlierImport => ({
  id: r.id,
  source: r.source,
  format: r.format,
  fileName: r.file_name,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  rowsUnresolved: Number(r.rows_unresolved),
});

/** The newest successful, still standing import with this identity (file and settings). */
export async function findImportByKey(db: Db, importKey: string): Promise<EarlierImport | undefined> {
  const row = await db
    .selectFrom('imports')
    .select(EARLIER_COLUMNS)
    .where('import_key', '=', importKey)
    .where('status', '=', 'succeeded')
    .where('superseded_by', 'is', null)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row && toEarlier(row);
}

/**
 * Successful, still standing imports of a source and scope whose period meets [start, end]; `after` keeps only
 * those that wrote later (finished_at is taken under the import's scope lock, so it follows the order of the writes).
 */
export async function findOverlappingImports(
  db: Db,
  q: { sources: readonly string[]; scope: string; start: IsoDay; end: IsoDay; after?: string; excludeIds?: readonly string[] },
): Promise<EarlierImport[]> {
  if (q.sources.length === 0) return [];
  let query = db
    .selectFrom('imports')
    .select(EARLIER_COLUMNS)
    .where('source', 'in', [...q.sources])
    .where('scope', '=', q.scope)
    .where('status', '=', 'succeeded')
    .where('superseded_by', 'is', null)
    .where('period_start', '<=', q.end)
    .where('period_end', '>=', q.start);
  if (q.after !== undefined) query = query.where('finished_at', '>', q.after);
  if (q.excludeIds && q.excludeIds.length > 0) query = query.where('id', 'not in', [...q.excludeIds]);
  const rows = await query.orderBy('started_at').orderBy('id').execute();
  return rows.map(toEarlier);
}

/** The ids of the imports made in one run together with this one (one per source of the file). */
export async function findSiblingImportIds(db: Db, run: { importKey: string; startedAt: string }): Promise<string[]> {
  const rows = await db
    .selectFrom('imports')
    .select('id')
    .where('import_key', '=', run.importKey)
    .where('started_at', '=', run.startedAt)
    .execute();
  return rows.map((r) => r.id);
}

/** The earlier successful import of exactly these bytes, if any; given a department (or null, the institution), only that one's. */
export async function findImportByHash(
  db: Db,
  fileHash: string,
  format: string,
  departmentId?: string | null,
): Promise<
  { id: string; finishedAt: string | null; fileName: string; rowsUnresolved: number; details: Record<string, unknown> } | undefined
> {
  const row = await db
    .selectFrom('imports')
    .select(['id', 'finished_at', 'file_name', 'rows_unresolved', 'details'])
    .where('file_hash', '=', fileHash)
    .where('format', '=', format)
    .where('status', '=', 'succeeded')
    .$if(departmentId !== undefined, (q) =>
      departmentId ? q.where('department_id', '=', departmentId) : q.where('department_id', 'is', null),
    )
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      finishedAt: row.finished_at,
      fileName: row.file_name,
      rowsUnresolved: row.rows_unresolved,
      details: DetailsSchema.parse(JSON.parse(row.details)),
    }
  );
}

const ErrorsSchema = z.array(z.string());
const DetailsSchema = z.record(z.string(), z.unknown());
const StatusSchema = z.enum(['running', 'succeeded', 'failed', 'interrupted']);

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
  departmentId: r.department_id,
  importKey: r.import_key,
  complete: Number(r.complete) === 1,
  supersededBy: r.superseded_by,
});

/** The newest runs a department's staff may see, first: its own uploads and the institution-wide imports, never another department's uploads. */
export async function listRecentImports(db: Db, departmentId: string, limit: number): Promise<ImportRun[]> {
  const rows = await db
    .selectFrom('imports')
    .selectAll()
    .where((eb) => eb.or([eb('department_id', 'is', null), eb('department_id', '=', departmentId)]))
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toImportRun);
}

/** Per source, the newest successful import a department relies on (its own uploads and institution-wide imports). */
export async function findLatestSuccessfulImports(
  db: Db,
  departmentId: string,
): Promise<Map<string, { finishedAt: string | null; periodEnd: string | null }>> {
  const rows = await db
    .selectFrom('imports')
    .select((eb) => ['source', eb.fn.max('finished_at').as('finished_at'), eb.fn.max('period_end').as('period_end')])
    .where('status', '=', 'succeeded')
    .where((eb) => eb.or([eb('department_id', 'is', null), eb('department_id', '=', departmentId)]))
    .groupBy('source')
    .execute();
  return new Map(rows.map((r) => [r.source, { finishedAt: r.finished_at, periodEnd: r.period_end }]));
}

/**
 * Which days each source has complete data for, taken from successful imports and collections that
 * speak for whole days (not one meeting's file, not a report a dated one superseded). Days outside
 * every such period are unknown to the rules, never zero. Given a department, another department's
 * uploads are left out.
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
    .where('complete', '=', 1)
    .where('superseded_by', 'is', null)
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

/** How long an import in progress holds its "running" record without renewal (renewed every third of it). */
export const IMPORT_LEASE_MS = 120_000;

export const INTERRUPTED_IMPORT_ERROR =
  'The import stopped before it finished: the process running it ended (a crash, a kill or a restart). Nothing from it was stored; import the file again.';

const RunningSchema = z.object({ holder: z.string(), leaseUntil: z.string(), interrupted: z.string().optional() });

/** This process, as an import's holder: host and process id. */
export const importHolder = (): string => `${hostname()}:${process.pid}`;

/**
 * Records an import as running before it reads a line, held by this process under a lease. The
 * import's own results replace the record in the transaction that writes them (endImportRecord), so
 * a record still "running" after its holder is gone marks an import a crash interrupted.
 */
export async function beginImportRecord(
  db: Db,
  run: {
    id: string;
    source: string;
    fileName: string;
    departmentId: string | null;
    startedAt: string;
    leaseUntil: string;
    /** What the history says if the run is interrupted; INTERRUPTED_IMPORT_ERROR when not given. */
    interrupted?: string;
  },
): Promise<void> {
  await insertImport(db, {
    id: run.id,
    source: run.source,
    fileName: run.fileName,
    fileHash: null,
    periodStart: null,
    periodEnd: null,
    rowsRead: 0,
    rowsCounted: 0,
    rowsIgnored: 0,
    rowsRejected: 0,
    status: 'running',
    errors: [],
    details: { holder: importHolder(), leaseUntil: run.leaseUntil, ...(run.interrupted ? { interrupted: run.interrupted } : {}) },
    startedAt: run.startedAt,
    finishedAt: null,
    departmentId: run.departmentId,
    complete: false,
  });
}

/** Extends the lease of an import still running in this process. */
export async function renewImportRecord(db: Db, id: string, leaseUntil: string, interrupted?: string): Promise<void> {
  await db
    .updateTable('imports')
    .set({ details: JSON.stringify({ holder: importHolder(), leaseUntil, ...(interrupted ? { interrupted } : {}) }) })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

/** The import finished (its results are written, or it stopped with a clear error): its "running" record goes. */
export async function endImportRecord(db: Db, id: string): Promise<void> {
  await db.deleteFrom('imports').where('id', '=', id).where('status', '=', 'running').execute();
}

/** True when `holder` names a process on this host that no longer exists. */
function holderIsGone(holder: string): boolean {
  const at = holder.lastIndexOf(':');
  if (at < 0 || holder.slice(0, at) !== hostname()) return false;
  const pid = Number(holder.slice(at + 1));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Marks as interrupted every import recorded as running whose process is gone: on this host, a
 * process id that no longer exists; anywhere, a lease that ran out. Called at start-up, before an
 * import and when the import history is read. Returns how many it marked.
 */
export async function markInterruptedImports(db: Db, now: Date): Promise<number> {
  const rows = await db.selectFrom('imports').select(['id', 'details', 'started_at']).where('status', '=', 'running').execute();
  let marked = 0;
  for (const row of rows) {
    let running: z.infer<typeof RunningSchema> | null = null;
    try {
      const parsed = RunningSchema.safeParse(JSON.parse(row.details));
      if (parsed.success) running = parsed.data;
    } catch {
      running = null;
    }
    // A running record without a lease comes from before leases: its process is long gone.
    const gone = !running || running.leaseUntil < now.toISOString() || holderIsGone(running.holder);
    if (!gone) continue;
    const result = await db
      .updateTable('imports')
      .set({
        status: 'interrupted',
        finished_at: running && running.leaseUntil < now.toISOString() ? running.leaseUntil : now.toISOString(),
        errors: JSON.stringify([running?.interrupted ?? INTERRUPTED_IMPORT_ERROR]),
      })
      .where('id', '=', row.id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    marked += Number(result.numUpdatedRows);
  }
  return marked;
}

/** What a run recorded while it works names in the history: its kind (a source, or an identity file's kind) and what it reads. */
export interface RunningImport {
  source: string;
  fileName: string;
  departmentId?: string | null;
  /** What the history says if the run is interrupted; INTERRUPTED_IMPORT_ERROR when not given. */
  interrupted?: string;
  /** How the history and the run's one error speak of it when its database connection is lost; a file import's words when not given. */
  connectionLost?: LostConnectionWords;
}

/** The words of a run whose database connection was lost (a server restart or stop, its connection ended). */
export interface LostConnectionWords {
  /** What the history says of the run. */
  history: string;
  /** The run, as a sentence names it: "the import of moodle-log.csv". */
  what: string;
  /** What of the run was kept: "Nothing from this file was stored". */
  kept: string;
  /** What to do: "Import it again". */
  again: string;
}

/** A file import's words when its database connection is lost. */
export const fileImportLostWords = (fileName: string): LostConnectionWords => ({
  history: CONNECTION_LOST_IMPORT_ERROR,
  what: `the import of ${fileName}`,
  kept: 'Nothing from this file was stored',
  again: 'Import it again',
});

/**
 * Runs `work` with a "running" record of it in the import history, written before it reads anything
 * and held by this process under a lease renewed while it works. First marks any earlier run whose
 * process is gone as interrupted. `work` removes the record (endImportRecord with the id it is given) in
 * the transaction that writes its results, so a kill between the two never leaves both or neither; the
 * record also goes when `work` ends otherwise. A kill -9 leaves it running, and the next start-up, import
 * or reading of the history marks it interrupted. When the database connection is lost (a server restart
 * or stop, the connection ended) the record, still there, tells that the write never committed: it is
 * marked interrupted, saying so, and the run ends with one clear error instead of the driver's.
 */
export async function whileImportRuns<T>(db: Db, now: () => Date, run: RunningImport, work: (record: string) => Promise<T>): Promise<T> {
  // Another process's long write (an import in a shell) may hold a SQLite file past busy_timeout: wait for it.
  const what = `the import of ${run.fileName}`;
  await retryWhileSqliteBusy(() => markInterruptedImports(db, now()), what);
  const record = newId();
  const leaseUntil = () => new Date(now().getTime() + IMPORT_LEASE_MS).toISOString();
  await retryWhileSqliteBusy(
    () =>
      beginImportRecord(db, {
        id: record,
        source: run.source,
        fileName: run.fileName,
        departmentId: run.departmentId ?? null,
        startedAt: now().toISOString(),
        leaseUntil: leaseUntil(),
        ...(run.interrupted ? { interrupted: run.interrupted } : {}),
      }),
    what,
  );
  const renewal = setInterval(
    () => void renewImportRecord(db, record, leaseUntil(), run.interrupted).catch(() => undefined),
    IMPORT_LEASE_MS / 3,
  );
  renewal.unref();
  let connectionLost = false;
  try {
    return await work(record);
  } catch (error) {
    if (!isStoreConnectionLost(error)) throw error;
    // The record must not go as it would after a clean end: the history has to say this run stopped.
    connectionLost = true;
    throw await recordLostConnection(db, now, record, run.connectionLost ?? fileImportLostWords(run.fileName), error);
  } finally {
    clearInterval(renewal);
    if (!connectionLost) await retryWhileSqliteBusy(() => endImportRecord(db, record), what);
  }
}

/**
 * True when our database's driver says the connection is gone. An AppError is already said in words and is
 * never ours to re-word: a Moodle database connection lost during a pull is Moodle's, not the store's.
 */
export const isStoreConnectionLost = (error: unknown): boolean => !(error instanceof AppError) && isDatabaseUnreachable(error);

/** True when a run ended because its database connection was lost (whileImportRuns has recorded it as interrupted). */
export const isLostConnectionError = (error: unknown): boolean => error instanceof AppError && error.code === 'database_connection_lost';

/** Why a run stopped when its database connection was lost, in the words the history and the CLI share. */
export const CONNECTION_LOST_CAUSE = 'the connection to the database was lost (the server restarted or stopped, or ended the connection)';

/** What the history says of an import whose database connection was lost before its results were written. */
export const CONNECTION_LOST_IMPORT_ERROR = `The import stopped before it finished: ${CONNECTION_LOST_CAUSE}. Nothing from it was stored; import the file again.`;

/** How long an import whose connection was lost waits for the database to come back and record that it stopped. */
const LOST_CONNECTION_WAIT_MS = 15_000;

/**
 * The database went away while a run was working (a server restart, a crash, a stop): whatever its open
 * transaction had written is rolled back whole. Its running record, which the write deletes in the same
 * transaction, tells whether the write committed: when it is still running it is marked interrupted
 * (waiting a little for the database to come back). Returns the one clear error the run then ends with.
 */
async function recordLostConnection(
  db: Db,
  now: () => Date,
  record: string,
  words: LostConnectionWords,
  cause: unknown,
): Promise<AppError> {
  const lost = (message: string) => new AppError(503, 'database_connection_lost', message, undefined, cause);
  const What = words.what.charAt(0).toUpperCase() + words.what.slice(1);
  const deadline = Date.now() + LOST_CONNECTION_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      const marked = await db
        .updateTable('imports')
        .set({ status: 'interrupted', finished_at: now().toISOString(), errors: JSON.stringify([words.history]) })
        .where('id', '=', record)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) === 0)
        return lost(
          `The connection to the database was lost just as ${words.what} finished writing; its results were stored. Check the import history; there is no need to run it again.`,
        );
      return lost(
        `${What} stopped: ${CONNECTION_LOST_CAUSE}. ${words.kept}, and the import history shows it as interrupted. ${words.again}.`,
      );
    } catch (error) {
      if (!isDatabaseUnreachable(error) || Date.now() >= deadline)
        return lost(
          `${What} stopped: ${CONNECTION_LOST_CAUSE}, and the database has not answered since. ${words.kept}; the import history will show it as interrupted. ${words.again} once the database is back.`,
        );
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 200 * attempt)));
    }
  }
}
