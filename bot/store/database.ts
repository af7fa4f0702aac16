import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Migration,
  type MigrationProvider,
  type RawBuilder,
} from 'kysely';
import type { CustomTypesConfig, QueryArrayConfig } from 'pg';
import { AppError } from '../errors';
import type { Config } from '../config';
import type { Database } from './schema';
import * as core from './migrations/0001-core';
import * as imports from './migrations/0002-imports';
import * as rules from './migrations/0003-rules';
import * as graphCollection from './migrations/0004-graph-collection';
import * as bot from './migrations/0005-bot';
import * as tab from './migrations/0006-tab';
import * as importDepartment from './migrations/0008-import-department';
import * as caseCare from './migrations/0013-case-care';
import * as moodleFeed from './migrations/0009-moodle-feed';
import * as importTrust from './migrations/0014-import-trust';
import * as onboarding from './migrations/0011-onboarding';
import * as delivery from './migrations/0012-delivery';
import * as privacy from './migrations/0015-privacy';
import * as urgentAlerts from './migrations/0016-urgent-alerts';
import * as staffIdentities from './migrations/0019-staff-identities';
import * as activityWeeks from './migrations/0020-activity-weeks';
import * as bulkWeeks from './migrations/0021-bulk-weeks';

export type Db = Kysely<Database>;
export type DatabaseSettings = Config['database'] & { searchPath?: string };

const MIGRATIONS: Record<string, Migration> = {
  '0001-core': core,
  '0002-imports': imports,
  '0003-rules': rules,
  '0004-graph-collection': graphCollection,
  '0005-bot': bot,
  '0006-tab': tab,
  '0008-import-department': importDepartment,
  '0013-case-care': caseCare,
  '0009-moodle-feed': moodleFeed,
  '0014-import-trust': importTrust,
  '0011-onboarding': onboarding,
  '0012-delivery': delivery,
  '0015-privacy': privacy,
  '0016-urgent-alerts': urgentAlerts,
  '0019-staff-identities': staffIdentities,
  '0020-activity-weeks': activityWeeks,
  '0021-bulk-weeks': bulkWeeks,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * A hot read can ask for its rows as arrays of column values instead of one object per row: the
 * query's text starts with this comment, and both drivers below honour it (better-sqlite3's raw mode,
 * node-postgres's rowMode 'array'). Everything else still gets objects. Use `selectArrays`.
 */
const ARRAY_ROWS = '/* rows as arrays */ ';

/**
 * Runs a select through Kysely (same connection, transaction and statement cache) and returns its
 * rows as arrays in the order of the select list: for a hundred thousand rows, building an object
 * per row cost a sixth of the read. `R` names the columns' types, in order.
 */
export async function selectArrays<R extends readonly unknown[]>(db: Db, query: RawBuilder<unknown>): Promise<R[]> {
  const { rows } = await sql<R | Record<string, unknown>>`${sql.raw(ARRAY_ROWS)}${query}`.execute(db);
  // A Kysely instance built elsewhere (not by createDatabase) hands over objects: their values are in select-list order.
  if (rows.length === 0 || Array.isArray(rows[0])) return rows as R[];
  return rows.map((row) => Object.values(row) as unknown as R);
}

/**
 * Kysely prepares every query afresh; on a busy read path (the tab's list) preparing cost as much as
 * running. Statements are reused by their SQL text (Kysely holds the one connection for the whole of a
 * query or stream, so a statement is never used twice at once); schema changes are never cached.
 */
function withStatementCache(
  sqlite: SqliteDatabase.Database,
  maxEntries = 500,
): { prepare(sql: string): SqliteDatabase.Statement; close(): void } {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(text) {
      let statement = statements.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        if (text.startsWith(ARRAY_ROWS)) statement.raw(true);
        if (/^\s*(create|alter|drop)\b/i.test(text)) return statement;
        if (statements.size >= maxEntries) statements.clear();
        statements.set(text, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      sqlite.close();
    },
  };
}

/** Builds the Kysely instance for SQLite (embedded default) or PostgreSQL; opens no connection to PostgreSQL yet. */
export function createDatabase(settings: DatabaseSettings): Db {
  if (settings.kind === 'sqlite') {
    if (settings.path !== ':memory:') mkdirSync(dirname(settings.path), { recursive: true });
    let sqlite: SqliteDatabase.Database;
    try {
      sqlite = new SqliteDatabase(settings.path);
    } catch (error) {
      throw new AppError(500, 'database_unreachable', `Cannot open the SQLite database at ${settings.path}: ${(error as Error).message}`);
    }
    sqlite.pragma('journal_mode = WAL');
    // In WAL mode NORMAL still survives an application crash; it only skips an fsync per commit, which
    // otherwise dominates small writes such as one audit entry per list view.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  }
  // pg is loaded only for PostgreSQL, so a SQLite CLI run does not pay for it at start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Pool, Client: PgClient, types } = require('pg') as typeof import('pg');
  // pg returns int8 (count(*), sum) as strings; every count we keep fits a JS number comfortably. Set on our
  // pool only, so another pg user in the same process keeps pg's defaults.
  const pgTypes: CustomTypesConfig = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === types.builtins.INT8 && format !== 'binary'
        ? (v: string) => Number(v)
        : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
  };
  /** A client that hands rows over as arrays for queries marked ARRAY_ROWS (see selectArrays). */
  class Client extends PgClient {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override query(config: any, values?: any, callback?: any): any {
      if (typeof config === 'string' && config.startsWith(ARRAY_ROWS)) {
        const arrays: QueryArrayConfig = { text: config, values, rowMode: 'array' };
        return super.query(arrays, callback);
      }
      return super.query(config, values, callback);
    }
  }
  const pool = new Pool({
    Client,
    connectionString: settings.url,
    max: settings.poolSize,
    connectionTimeoutMillis: 5000,
    types: pgTypes,
    ...(settings.searchPath ? { options: `-c search_path=${settings.searchPath}` } : {}),
  });
  // A connection that dies (server restart, pg_terminate_backend, network) must never end the process.
  // pg-pool listens for errors only on idle clients; a client checked out between two queries of a
  // transaction has no listener, and an unhandled 'error' event would be thrown. The failed query
  // reports the problem; pg-pool drops the dead client on release and opens a new one when needed.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

function describeTarget(settings: DatabaseSettings): string {
  if (settings.kind === 'sqlite') return `SQLite at ${settings.path}`;
  try {
    const url = new URL(settings.url);
    return `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL is not a valid URL)';
  }
}

/** Runs `select 1`; turns any failure into one clear AppError naming the database (never the password). */
export async function checkDatabase(db: Db, settings: DatabaseSettings): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const why =
      err.code === 'ECONNREFUSED'
        ? 'connection refused (is the server running?)'
        : err.code === 'ENOTFOUND'
          ? 'host not found'
          : err.message;
    throw new AppError(503, 'database_unreachable', `Cannot reach the database (${describeTarget(settings)}): ${why}`);
  }
}

/** Whether this database is PostgreSQL (the one place the dialect is asked, so callers need not know Kysely's adapters). */
export const isPostgres = (db: Db): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/** The connection's own PostgreSQL schema; undefined on SQLite, which has one. */
export async function currentSchema(db: Db): Promise<string | undefined> {
  if (!isPostgres(db)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema;
}

/**
 * Brings the schema up to date; safe to run from several instances at once (Kysely takes a lock).
 * On PostgreSQL the bookkeeping tables live in the connection's current schema: Kysely otherwise
 * looks for them in any schema and can mistake another schema's for ours.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrationTableSchema = await currentSchema(db);
  // Features land from parallel branches with reserved numbers, so a lower number can arrive after a
  // higher one was applied; each migration is independent of the others it may overtake.
  const migrator = new Migrator({ db, provider, migrationTableSchema, allowUnorderedMigrations: true });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    // Kysely's table check reads the catalogue of every schema; another schema dropped at that moment
    // makes PostgreSQL report it, or one of its tables, missing (3F000, 42P01). That is someone else's
    // DDL, not ours: try again. A genuine missing relation of ours fails again and is reported. Under parallel
    // test schemas a just-altered table's column has also been reported missing (42703) once in several runs;
    // the run is one transaction, rolled back whole, so it is retried the same way.
    if (['3F000', '42P01', '42703'].includes((error as { code?: string }).code ?? '') && attempt < 5) {
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      continue;
    }
    throw new AppError(500, 'migration_failed', `Database migration failed: ${(error as Error).message ?? String(error)}`);
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

/**
 * True when an error means the database could not be reached (refused, connection lost, server
 * shutting down or terminating our backend), as opposed to a query that was wrong.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && (CONNECTION_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  // A run that lost its connection mid-write and said so in words (whileImportRuns, import.repository.ts).
  if (e.code === 'database_connection_lost') return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    e.message ?? '',
  );
}

/** Days are text on both databases; this is the one place that knows how to say "now". */
export const nowIso = (clock: () => Date = () => new Date()): string => clock().toISOString();

/** Whether SQLite refused a write because another connection (another process) held the database past busy_timeout. */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs `work` (a whole transaction, rolled back when it throws) until SQLite lets it write, waiting between tries
 * without holding the event loop: each try already waits busy_timeout (5 s), and another process's long write
 * (a large import in a shell, an import on the service) may hold the database longer. After `maxWaitMs` the
 * database is still busy: an AppError in words ("database_busy"), never SQLite's own error and stack.
 */
export async function retryWhileSqliteBusy<T>(work: () => Promise<T>, what: string, maxWaitMs = 10 * 60_000): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isSqliteBusy(error)) throw error;
      if (Date.now() - started >= maxWaitMs)
        throw new AppError(
          503,
          'database_busy',
          `The SQLite database stayed busy with another writer (another import or process) for ${Math.round((Date.now() - started) / 1000)} s, so ${what} could not be written; nothing of it was stored. Run it again when the other writer has finished.`,
          undefined,
          error,
        );
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 100 * attempt)));
    }
  }
}
