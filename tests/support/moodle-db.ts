import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import type { MoodleDbConfig } from '../../bot/config';
import { TEST_POSTGRES_URL } from './databases';

/** The MariaDB every Moodle-database test also runs on; CI starts it (see .ci/run). */
export const TEST_MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/mysql';
export const MOODLE_ENGINES = ['mysql', 'postgres'] as const;
export type MoodleEngine = (typeof MOODLE_ENGINES)[number];

/**
 * Moodle's own table definitions, transcribed from its XMLDB files: logstore_standard_log from
 * admin/tool/log/store/standard/db/install.xml (with `anonymous`, added by a later upgrade step) and
 * the columns of `user` from lib/db/install.xml that matter here plus their neighbours.
 * [name, type, length, not null, default, sequence]
 */
type XmlDbField = [string, 'int' | 'char' | 'text', number, boolean, string | null, boolean];
const TABLES: Record<string, { fields: XmlDbField[]; indexes: Array<[string, string[]]> }> = {
  logstore_standard_log: {
    fields: [
      ['id', 'int', 10, true, null, true],
      ['eventname', 'char', 255, true, null, false],
      ['component', 'char', 100, true, null, false],
      ['action', 'char', 100, true, null, false],
      ['target', 'char', 100, true, null, false],
      ['objecttable', 'char', 50, false, null, false],
      ['objectid', 'int', 10, false, null, false],
      ['crud', 'char', 1, true, null, false],
      ['edulevel', 'int', 1, true, null, false],
      ['contextid', 'int', 10, true, null, false],
      ['contextlevel', 'int', 10, true, null, false],
      ['contextinstanceid', 'int', 10, true, null, false],
      ['userid', 'int', 10, true, null, false],
      ['courseid', 'int', 10, false, null, false],
      ['relateduserid', 'int', 10, false, null, false],
      ['anonymous', 'int', 1, true, '0', false],
      ['other', 'text', 0, false, null, false],
      ['timecreated', 'int', 10, true, null, false],
      ['origin', 'char', 10, false, null, false],
      ['ip', 'char', 45, false, null, false],
      ['realuserid', 'int', 10, false, null, false],
    ],
    indexes: [
      ['timecreated', ['timecreated']],
      ['contextid-component', ['contextid', 'component']],
      ['userid-contextid', ['userid', 'contextid']],
      ['eventname', ['eventname']],
      ['crud', ['crud']],
      ['edulevel', ['edulevel']],
    ],
  },
  user: {
    fields: [
      ['id', 'int', 10, true, null, true],
      ['auth', 'char', 20, true, "'manual'", false],
      ['confirmed', 'int', 1, true, '0', false],
      ['policyagreed', 'int', 1, true, '0', false],
      ['deleted', 'int', 1, true, '0', false],
      ['suspended', 'int', 1, true, '0', false],
      ['mnethostid', 'int', 10, true, '0', false],
      ['username', 'char', 100, true, "''", false],
      ['password', 'char', 255, true, "''", false],
      ['idnumber', 'char', 255, true, "''", false],
      ['firstname', 'char', 100, true, "''", false],
      ['lastname', 'char', 100, true, "''", false],
      ['email', 'char', 100, true, "''", false],
      ['emailstop', 'int', 1, true, '0', false],
      ['institution', 'char', 255, true, "''", false],
      ['department', 'char', 255, true, "''", false],
      ['lastlogin', 'int', 10, true, '0', false],
      ['timecreated', 'int', 10, true, '0', false],
      ['timemodified', 'int', 10, true, '0', false],
    ],
    indexes: [
      ['deleted', ['deleted']],
      ['idnumber', ['idnumber']],
      ['email', ['email']],
    ],
  },
};

/** The DDL Moodle's generators emit for each engine (BIGINT for int(10), TINYINT/SMALLINT for int(1)). */
function createTableSql(engine: MoodleEngine, prefix: string, name: string, columns: readonly string[] | null): string[] {
  const def = TABLES[name];
  if (!def) throw new Error(`no definition for ${name}`);
  const q = (id: string) => (engine === 'mysql' ? `\`${id}\`` : `"${id}"`);
  const fields = def.fields.filter(([n]) => columns === null || columns.includes(n));
  const cols = fields.map(([n, type, length, notNull, dflt, sequence]) => {
    if (sequence) return engine === 'mysql' ? `${q(n)} BIGINT(10) NOT NULL AUTO_INCREMENT` : `${q(n)} BIGSERIAL`;
    const sqlType =
      type === 'char'
        ? `VARCHAR(${length})`
        : type === 'text'
          ? engine === 'mysql'
            ? 'LONGTEXT'
            : 'TEXT'
          : length <= 2
            ? engine === 'mysql'
              ? `TINYINT(${length})`
              : 'SMALLINT'
            : engine === 'mysql'
              ? `BIGINT(${length})`
              : 'BIGINT';
    return `${q(n)} ${sqlType}${notNull ? ' NOT NULL' : ''}${dflt !== null ? ` DEFAULT ${dflt}` : ''}`;
  });
  const table = `${prefix}${name}`;
  const statements = [
    `CREATE TABLE ${q(table)} (${cols.join(', ')}, ${engine === 'mysql' ? `PRIMARY KEY (${q('id')})` : `CONSTRAINT ${q(`${table}_id_pk`)} PRIMARY KEY (${q('id')})`})${engine === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=Dynamic' : ''}`,
  ];
  for (const [index, on] of def.indexes) {
    if (on.some((c) => !fields.some(([n]) => n === c))) continue;
    const indexName = `${table}_${index.replace(/-/g, '')}_ix`;
    statements.push(`CREATE INDEX ${q(indexName)} ON ${q(table)} (${on.map(q).join(', ')})`);
  }
  return statements;
}

export interface LogRow {
  eventname: string;
  component: string;
  action: string;
  target: string;
  objecttable: string | null;
  objectid: number | null;
  crud: string;
  edulevel: number;
  contextid: number;
  contextlevel: number;
  contextinstanceid: number;
  userid: number;
  courseid: number | null;
  relateduserid: number | null;
  anonymous: number;
  other: string | null;
  timecreated: number;
  origin: string | null;
  ip: string | null;
  realuserid: number | null;
}

export interface UserRow {
  id: number;
  username: string;
  email: string;
  idnumber: string;
  firstname: string;
  lastname: string;
  deleted: number;
  suspended: number;
}

/** A private Moodle database: a MariaDB database or a PostgreSQL schema of its own, dropped afterwards. */
export interface TestMoodle {
  engine: MoodleEngine;
  prefix: string;
  /** The settings the pull connects with (read-only session, TLS off on loopback). */
  settings: Pick<MoodleDbConfig, 'url' | 'kind' | 'prefix' | 'tls' | 'queryTimeoutSeconds'>;
  exec(sqlText: string, params?: unknown[]): Promise<unknown[]>;
  insertLog(rows: readonly LogRow[]): Promise<void>;
  insertUsers(rows: readonly UserRow[]): Promise<void>;
  /** Another session takes the log table for itself (LOCK TABLES ... WRITE; LOCK TABLE ... ACCESS EXCLUSIVE): reads wait until released. */
  lockLog(): Promise<{ release(): Promise<void> }>;
  /** Resolves once a session of the pull waits on a lock (polls the server's list of sessions). */
  waitForBlockedRead(): Promise<void>;
  /** Kills every other session on this Moodle database from the admin connection, as an operator (KILL, pg_terminate_backend) would. */
  killSessions(): Promise<number>;
  drop(): Promise<void>;
}

export const LOG_FIELDS = TABLES.logstore_standard_log?.fields.map(([n]) => n) ?? [];

/** Creates Moodle's two tables; `logColumns` leaves some out, as an older or odd Moodle would. */
export async function createTestMoodle(
  engine: MoodleEngine,
  opts: { prefix?: string; logColumns?: readonly string[]; tables?: readonly string[]; mariadbUrl?: string } = {},
): Promise<TestMoodle> {
  const prefix = opts.prefix ?? 'mdl_';
  // A test that restarts the server brings its own (tests/support/private-mariadb.ts); the others share one.
  const mariadbUrl = opts.mariadbUrl ?? TEST_MARIADB_URL;
  const name = `moodle_t_${randomBytes(6).toString('hex')}`;
  let exec: (sqlText: string, params?: unknown[]) => Promise<unknown[]>;
  let close: () => Promise<void>;
  let url: string;
  if (engine === 'mysql') {
    // The admin session reconnects once the server has ended it, so a test can go on after restarting the server.
    const connectAdmin = async () => {
      const connection = await mysql.createConnection({ uri: mariadbUrl, multipleStatements: false });
      const session = { connection, lost: false };
      connection.on('error', () => (session.lost = true));
      connection.on('end', () => (session.lost = true));
      return session;
    };
    let admin = await connectAdmin();
    await admin.connection.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    await admin.connection.query(`USE ${name}`);
    exec = async (sqlText, params = []) => {
      if (admin.lost) {
        admin = await connectAdmin();
        await admin.connection.query(`USE ${name}`);
      }
      return (await admin.connection.query(sqlText, params))[0] as unknown[];
    };
    close = async () => {
      await exec(`DROP DATABASE IF EXISTS ${name}`);
      await admin.connection.end();
    };
    const base = new URL(mariadbUrl);
    base.pathname = `/${name}`;
    url = base.toString();
  } else {
    const admin = new Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`create schema ${name}`);
    await admin.query(`set search_path to ${name}`);
    exec = async (sqlText, params = []) => {
      let n = 0;
      return (
        await admin.query(
          sqlText.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as unknown[];
    };
    close = async () => {
      await admin.query(`drop schema if exists ${name} cascade`);
      await admin.end();
    };
    const base = new URL(TEST_POSTGRES_URL);
    base.searchParams.set('options', `-c search_path=${name}`);
    // Names the pull's sessions, so a test can find them among other suites' in pg_stat_activity.
    base.searchParams.set('application_name', name);
    url = base.toString();
  }
  for (const table of opts.tables ?? ['logstore_standard_log', 'user'])
    for (const statement of createTableSql(engine, prefix, table, table === 'logstore_standard_log' ? (opts.logColumns ?? null) : null))
      await exec(statement);
  const q = (id: string) => (engine === 'mysql' ? `\`${id}\`` : `"${id}"`);
  const logColumns = (opts.logColumns ?? LOG_FIELDS).filter((c) => c !== 'id');
  const insertMany = async (table: string, columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>) => {
    for (let i = 0; i < rows.length; i += 500) {
      const batch = rows.slice(i, i + 500);
      const values = batch.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
      await exec(
        `INSERT INTO ${q(prefix + table)} (${columns.map(q).join(', ')}) VALUES ${values}`,
        batch.flatMap((r) => columns.map((c) => r[c] ?? null)),
      );
    }
  };
  return {
    engine,
    prefix,
    settings: { url, kind: engine, prefix, tls: { mode: 'off', caPath: null }, queryTimeoutSeconds: 120 },
    exec,
    insertLog: (rows) => insertMany('logstore_standard_log', logColumns, rows as unknown as Array<Record<string, unknown>>),
    insertUsers: async (rows) => {
      await insertMany(
        'user',
        ['id', 'username', 'email', 'idnumber', 'firstname', 'lastname', 'deleted', 'suspended', 'confirmed', 'mnethostid'],
        rows.map((r) => ({ ...r, confirmed: 1, mnethostid: 1 })),
      );
      // PostgreSQL's sequence does not follow explicit ids as MySQL's AUTO_INCREMENT does.
      if (engine === 'postgres')
        await exec(`select setval(pg_get_serial_sequence('${prefix}user', 'id'), (select max(id) from ${q(prefix + 'user')}))`);
    },
    lockLog: async () => {
      const log = q(`${prefix}logstore_standard_log`);
      if (engine === 'mysql') {
        // Connected to another database, so killSessions (which ends the sessions on this one) spares it.
        const locker = await mysql.createConnection({ uri: mariadbUrl });
        // A restart of the server ends this idle session: its error event must not end the test process.
        locker.on('error', () => undefined);
        await locker.query(`LOCK TABLES ${name}.${log} WRITE`);
        return { release: async () => void (await locker.query('UNLOCK TABLES'), await locker.end()) };
      }
      const locker = new Client({ connectionString: TEST_POSTGRES_URL });
      await locker.connect();
      await locker.query(`set search_path to ${name}`);
      await locker.query('begin');
      await locker.query(`lock table ${log} in access exclusive mode`);
      return { release: async () => void (await locker.query('commit'), await locker.end()) };
    },
    waitForBlockedRead: async () => {
      const blocked =
        engine === 'mysql'
          ? `select id from information_schema.processlist where db = '${name}' and id <> connection_id() and state like '%lock%' and info like 'select%'`
          : `select pid from pg_stat_activity where application_name = '${name}' and wait_event_type = 'Lock'`;
      for (let i = 0; i < 200; i++) {
        if ((await exec(blocked)).length > 0) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('no session of the pull waits on a lock');
    },
    killSessions: async () => {
      const sessions =
        engine === 'mysql'
          ? ((await exec(`select id from information_schema.processlist where db = '${name}' and id <> connection_id()`)) as Array<{
              id: number;
            }>)
          : ((await exec(
              `select pid as id from pg_stat_activity where application_name = '${name}' and pid <> pg_backend_pid()`,
            )) as Array<{
              id: number;
            }>);
      for (const { id } of sessions) await exec(engine === 'mysql' ? `KILL ${Number(id)}` : `select pg_terminate_backend(${Number(id)})`);
      return sessions.length;
    },
    drop: close,
  };
}
