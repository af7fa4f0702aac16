import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { Client, types as pgTypes } from 'pg';
import type { MoodleDbConfig } from '../../config';
import { AppError } from '../../errors';

/** A read-only connection to a Moodle database, MySQL/MariaDB or PostgreSQL, answering rows as arrays. */
export interface MoodleConnection {
  readonly kind: 'mysql' | 'postgres';
  /** Where it points, for messages: engine, host, port, database and user, never the password. */
  readonly target: string;
  /** Runs one statement written with `?` placeholders; identifiers go through `table()`. */
  query(sqlText: string, params?: ReadonlyArray<string | number>): Promise<unknown[][]>;
  /** A Moodle table's name with the configured prefix, quoted for this engine. */
  table(name: string): string;
  /** The prefixed table name, unquoted, for the catalogue. */
  tableName(name: string): string;
  close(): Promise<void>;
}

export type MoodleDbSettings = Pick<MoodleDbConfig, 'url' | 'kind' | 'prefix' | 'tls' | 'queryTimeoutSeconds'>;

/** Why a pull could not read Moodle; the code is the kind of trouble, the message says what to do. */
export class MoodleFeedError extends AppError {
  constructor(code: string, message: string) {
    super(503, code, message);
    this.name = 'MoodleFeedError';
  }
}

export function describeMoodleTarget(settings: Pick<MoodleDbSettings, 'url' | 'kind'>): string {
  try {
    const u = new URL(settings.url);
    const port = u.port || (settings.kind === 'mysql' ? '3306' : '5432');
    const engine = settings.kind === 'mysql' ? 'MySQL/MariaDB' : 'PostgreSQL';
    return `${engine} ${u.hostname}:${port}${u.pathname} as ${decodeURIComponent(u.username) || '(no user)'}`;
  } catch {
    return 'the Moodle database (MOODLE_DB_URL is not a valid URL)';
  }
}

function tlsOptions(tls: MoodleDbSettings['tls']): { rejectUnauthorized: boolean; ca?: string } | undefined {
  if (tls.mode === 'off') return undefined;
  let ca: string | undefined;
  if (tls.caPath) {
    try {
      ca = readFileSync(tls.caPath, 'utf8');
    } catch (error) {
      throw new MoodleFeedError(
        'moodle_db_tls',
        `Cannot read MOODLE_DB_TLS_CA (${tls.caPath}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      );
    }
  }
  return { rejectUnauthorized: tls.mode === 'verify', ...(ca ? { ca } : {}) };
}

const CREDENTIAL_CODES = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  '28P01',
  '28000',
  '42501',
]);
/** What each way of not getting through means, in the words of whoever looks after the database and the network. */
const UNREACHABLE_WHY = new Map<string, string>(
  Object.entries({
    ECONNREFUSED:
      'nothing accepted the connection (ECONNREFUSED): the database server is stopped or restarting, or MOODLE_DB_URL names the wrong host or port',
    ENOTFOUND: 'the host name is not known (ENOTFOUND): check the host in MOODLE_DB_URL',
    EAI_AGAIN: 'the host name could not be looked up just now (EAI_AGAIN): the name service (DNS) may be down',
    ETIMEDOUT:
      'the host did not answer (ETIMEDOUT): a firewall drops the connection, the network is down, or the host is off; check that this server may connect to it',
    EHOSTUNREACH: 'there is no route to the host (EHOSTUNREACH): a network or firewall problem between this server and the database',
    ECONNRESET:
      'the server closed the connection as it was opened (ECONNRESET): it may be restarting or at its connection limit, or a firewall cut the connection',
    PROTOCOL_CONNECTION_LOST:
      'the server closed the connection as it was opened: it may be restarting or at its connection limit, or a firewall cut the connection',
  }),
);
const NOT_REACHED = 'Nothing was read or stored and the checkpoint is unchanged; the next run tries again.';
const MISSING_CODES = new Set(['ER_NO_SUCH_TABLE', 'ER_BAD_FIELD_ERROR', '42P01', '42703']);
const MISSING_DATABASE_CODES = new Set(['ER_BAD_DB_ERROR', '3D000']);

/** Turns a driver error into one specific message; anything unrecognised keeps the driver's words. */
export function explainMoodleError(error: unknown, target: string): MoodleFeedError {
  if (error instanceof MoodleFeedError) return error;
  const err = error as { code?: string; message?: string };
  const code = err.code ?? '';
  const message = err.message ?? String(error);
  if (CREDENTIAL_CODES.has(code))
    return new MoodleFeedError(
      'moodle_db_credentials',
      `The Moodle database refused the user name or password (${target}): ${message}. Check the user and password in MOODLE_DB_URL, and that the account may read the log and user tables.`,
    );
  if (MISSING_DATABASE_CODES.has(code))
    return new MoodleFeedError(
      'moodle_db_unreachable',
      `The Moodle database named in MOODLE_DB_URL does not exist (${target}): ${message}.`,
    );
  const unreachable = UNREACHABLE_WHY.get(code);
  if (unreachable)
    return new MoodleFeedError('moodle_db_unreachable', `Cannot reach the Moodle database (${target}): ${unreachable}. ${NOT_REACHED}`);
  if (MISSING_CODES.has(code))
    return new MoodleFeedError(
      'moodle_db_schema',
      `The Moodle database lacks a table or column the pull reads (${target}): ${message}. This Moodle version may differ, or MOODLE_DB_PREFIX may be wrong.`,
    );
  if (/ssl|tls|certificate|self[- ]signed|CERT_|HANDSHAKE/i.test(`${code} ${message}`))
    return new MoodleFeedError(
      'moodle_db_tls',
      `The secure connection to the Moodle database failed (${target}): ${message}. See MOODLE_DB_TLS and MOODLE_DB_TLS_CA in docs/imports.md.`,
    );
  return new MoodleFeedError('moodle_db_failed', `Reading the Moodle database failed (${target}): ${message}`);
}

/** A lost connection, once it was open: the server restarted, the connection was killed, the network cut. */
const LOST_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
  'ECONNRESET',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
]);
const LOST_MESSAGES = /connection terminated|not queryable|connection is in closed state|server has gone away|lost connection/i;
const NOTHING_STORED = 'Nothing from this run was counted and the checkpoint is unchanged; the next run reads the same events again.';

/** Turns the failure of a query on an open connection into a message; a timeout or a lost connection are said as such. */
export function explainMoodleQueryError(error: unknown, target: string, timeoutSeconds: number): MoodleFeedError {
  if (error instanceof MoodleFeedError) return error;
  const err = error as { code?: string; message?: string; fatal?: boolean };
  const code = err.code ?? '';
  const message = err.message ?? String(error);
  if (code === 'PROTOCOL_SEQUENCE_TIMEOUT' || /statement timeout|query read timeout/i.test(message))
    return new MoodleFeedError(
      'moodle_db_timeout',
      `The Moodle database did not answer within ${timeoutSeconds} s (${target}): a query waited on a lock another session holds (a backup, an upgrade, LOCK TABLES) or the server is overloaded. ${NOTHING_STORED} MOODLE_DB_QUERY_TIMEOUT_SECONDS sets the limit.`,
    );
  if (LOST_CODES.has(code) || LOST_MESSAGES.test(message) || (err.fatal === true && !CREDENTIAL_CODES.has(code)))
    return new MoodleFeedError(
      'moodle_db_connection_lost',
      `The connection to the Moodle database (${target}) was lost during the pull: ${message}${code && !message.includes(code) ? ` (${code})` : ''}. The database server restarted, or the connection was killed or cut. ${NOTHING_STORED}`,
    );
  return explainMoodleError(error, target);
}

const CONNECT_TIMEOUT_MS = 10_000;
const CLOSE_WAIT_MS = 5_000;

/** Waits for `closing` at most CLOSE_WAIT_MS: a connection whose server stopped answering must not hold the run. */
async function boundedClose(closing: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closing.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
  clearTimeout(timer);
}

/**
 * Waits for a MySQL/MariaDB statement at most `ms`, then fails as mysql2's own timeout does (PROTOCOL_SEQUENCE_TIMEOUT).
 * mysql2's `timeout` option is not used: when the server goes away mid-statement (a restart, a crash) mysql2 fails the
 * statement but never clears that timer, which then holds the statement, and keeps the process alive, for the whole limit.
 */
async function answerWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // Once the time is up the connection is dropped; the statement may then never settle, or fail unheard.
  work.catch(() => undefined);
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('Query inactivity timeout'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' })), ms);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens one connection and makes its session read-only: the pull never writes to Moodle, even by mistake. */
export async function openMoodleConnection(settings: MoodleDbSettings): Promise<MoodleConnection> {
  const target = describeMoodleTarget(settings);
  const ssl = tlsOptions(settings.tls);
  const prefixed = (name: string) => `${settings.prefix}${name}`;
  const timeoutMs = settings.queryTimeoutSeconds * 1000;
  const failed = (error: unknown) => explainMoodleQueryError(error, target, settings.queryTimeoutSeconds);
  try {
    if (settings.kind === 'mysql') {
      const url = new URL(settings.url);
      const options = {
        host: url.hostname,
        port: Number(url.port || 3306),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: decodeURIComponent(url.pathname.replace(/^\//, '')),
        ssl,
        rowsAsArray: true,
        supportBigNumbers: true,
        connectTimeout: CONNECT_TIMEOUT_MS,
        charset: 'utf8mb4',
      };
      const connection = await mysql.createConnection(options);
      connection.on('error', () => undefined);
      await answerWithin(connection.query('SET SESSION TRANSACTION READ ONLY'), timeoutMs);
      let dropped = false;
      return {
        kind: 'mysql',
        target,
        table: (name) => `\`${prefixed(name)}\``,
        tableName: prefixed,
        async query(sqlText, params = []) {
          try {
            // Prepared statements use the binary protocol: numbers arrive as numbers, not text to parse.
            const [rows] = await answerWithin(connection.execute({ sql: sqlText, values: params.map(String) }), timeoutMs);
            return rows as unknown[][];
          } catch (error) {
            if ((error as { code?: string }).code === 'PROTOCOL_SEQUENCE_TIMEOUT' && !dropped) {
              // mysql2 keeps the unanswered statement at the head of its queue: only dropping the socket frees the
              // connection, and the server, which does not notice, is asked to end the waiting thread.
              dropped = true;
              connection.destroy();
              await killMysqlThread(options, connection.threadId);
            }
            throw failed(error);
          }
        },
        close: async () => {
          if (!dropped) await boundedClose(connection.end());
          connection.destroy();
        },
      };
    }
    const client = new Client({
      connectionString: settings.url,
      ssl,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // The server cancels a statement that runs longer; the client gives up a little later, should the server not answer at all.
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs + CLOSE_WAIT_MS,
      // Moodle's ids and times are int8; they fit a JS number. Set on this client only.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === pgTypes.builtins.INT8 ? (v: string) => Number(v) : pgTypes.getTypeParser(oid, format)) as typeof pgTypes.getTypeParser,
      },
    });
    client.on('error', () => undefined);
    await client.connect();
    await client.query('set session characteristics as transaction read only');
    return {
      kind: 'postgres',
      target,
      table: (name) => `"${prefixed(name)}"`,
      tableName: prefixed,
      async query(sqlText, params = []) {
        let n = 0;
        const text = sqlText.replace(/\?/g, () => `$${++n}`);
        try {
          const result = await client.query({ text, values: [...params], rowMode: 'array' });
          return result.rows as unknown[][];
        } catch (error) {
          throw failed(error);
        }
      },
      close: () => boundedClose(client.end()),
    };
  } catch (error) {
    throw explainMoodleError(error, target);
  }
}

/** Ends a MySQL/MariaDB thread from a second connection (an account may end its own threads); best effort. */
async function killMysqlThread(options: mysql.ConnectionOptions, threadId: number | null): Promise<void> {
  if (threadId === null) return;
  try {
    const killer = await mysql.createConnection(options);
    try {
      await answerWithin(killer.query(`KILL ${Number(threadId)}`), CLOSE_WAIT_MS);
    } finally {
      killer.destroy();
    }
  } catch {
    // The thread ends by itself once the lock is released and it finds its client gone.
  }
}
