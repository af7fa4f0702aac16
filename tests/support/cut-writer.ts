import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Client, Pool } from 'pg';
import { describeDataStatus } from '../../bot/commands/data-status.command';
import type { Db } from '../../bot/store/database';
import type { Database } from '../../bot/store/schema';
import type { Staff } from '../../bot/store/staff.repository';
import type { PrivatePostgres } from './private-postgres';

const ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The name the writer's connections carry in pg_stat_activity, so the test finds its backend. */
export const WRITER = 'em-writer';

/**
 * The test's own view of the database: a plain pg pool, not the service's createDatabase, so a fault that
 * would end the service (an idle connection's error event with no listener) cannot end the test first.
 */
export function observeDatabase(url: string): Db {
  const pool = new Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export interface CliProcess {
  exited: Promise<number | null>;
  running(): boolean;
  stdout(): string;
  stderr(): string;
}

/** `engagement ARGS` as its own process, as an administrator runs it in a shell (or cron runs it), with exactly `env`. */
export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', join(ROOT, 'bot', 'cli.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DEMO_DATA: 'false', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += String(d)));
  child.stderr?.on('data', (d: Buffer) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { exited, running: () => child.exitCode === null, stdout: () => stdout, stderr: () => stderr };
}

/**
 * Another session holds `table` in SHARE mode: reads go on, but the writer's first insert, update or delete
 * on it waits, inside the writer's transaction, after what it wrote before. Released by `release`, or by the cut.
 */
export async function holdWriteLock(url: string, table: string): Promise<{ release(): Promise<void> }> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  await client.query('begin');
  await client.query(`lock table ${table} in share mode`);
  return {
    release: async () => {
      await client.query('rollback').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/** Bounded by polls: true once the writer waits on the lock with a write of its own already in its transaction. */
export async function untilWaitingInWrite(db: Db, writer: CliProcess): Promise<boolean> {
  for (let poll = 0; poll < 1500 && writer.running(); poll++) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where application_name = ${WRITER} and wait_event_type = 'Lock' and backend_xid is not null`.execute(db);
    if ((rows[0]?.n ?? 0) > 0) return true;
    await sleep(20);
  }
  return false;
}

/** Ends the writer's own backends (pg_terminate_backend) while the server stays up; how many it ended. */
export async function terminateWriter(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${WRITER}) t`.execute(
    db,
  );
  return rows[0]?.n ?? 0;
}

/** The way a cut may come: the server restarted under every connection, or only the writer's connection ended. */
export type Cut = 'pg_ctl restart -m fast' | 'pg_terminate_backend';

/** Cuts the writer's connection while it waits inside its write transaction, then lets the lock go. */
export async function cutInsideWrite(pg: PrivatePostgres, db: Db, lock: { release(): Promise<void> }, cut: Cut): Promise<number> {
  let ended = 0;
  if (cut === 'pg_ctl restart -m fast') await pg.restartFast();
  else ended = await terminateWriter(db);
  await lock.release();
  return ended;
}

/** The import history as the Data page shows it (which also marks runs whose process is gone). */
export async function importHistory(db: Db, viewer: Staff): Promise<Array<[string, string, string[]]>> {
  const status = await describeDataStatus(db, viewer, new Date().toISOString().slice(0, 10));
  return status.imports.map((i) => [i.fileName, i.status, i.errors]);
}

/** How many rows each table holds now. */
export async function rowCounts(db: Db, tables: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
    out[table] = rows[0]?.n ?? 0;
  }
  return out;
}
