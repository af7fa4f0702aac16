import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { createDatabase, migrateToLatest, type DatabaseSettings, type Db } from '../../bot/store/database';
import { parseConfig, type Config } from '../../bot/config';

/** The PostgreSQL every store test also runs on; CI starts it (see .ci/run). */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const DATABASE_KINDS = ['sqlite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

export interface TestDatabase {
  db: Db;
  settings: DatabaseSettings;
  /** Drops everything this test created (a private PostgreSQL schema, or the in-memory SQLite). */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database. On PostgreSQL each call gets its own schema, so test files, and
 * developers running suites side by side, never see each other's rows.
 */
export async function createTestDatabase(kind: DatabaseKind, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  let settings: DatabaseSettings;
  let dropSchema = async () => undefined as void;
  if (kind === 'sqlite') {
    settings = { kind: 'sqlite', path: ':memory:' };
  } else {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    settings = { kind: 'postgres', url: TEST_POSTGRES_URL, poolSize: 4, searchPath: schema };
    dropSchema = async () => {
      const c = new Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    };
  }
  const db = createDatabase(settings);
  if (opts.migrate !== false) await migrateToLatest(db);
  return {
    db,
    settings,
    async drop() {
      await db.destroy();
      await dropSchema();
    },
  };
}

/** A config for createApp in tests: port 0, no demo unless asked, jobs off, quiet logs. */
export function buildTestConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: 'sqlite::memory:',
    DEMO_DATA: 'false',
    JOBS_ENABLED: 'false',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

export const silentLogger = pino({ level: 'silent' });
