import type { Env } from './env';

export type MoodleDbConfig = Readonly<{
  url: string;
  kind: 'mysql' | 'postgres';
  prefix: string;
  tls: Readonly<{ mode: 'off' | 'require' | 'verify'; caPath: string | null }>;
  pullEveryMinutes: number;
  lookbackDays: number;
  maxLagMinutes: number;
  /** Log ids read per query. */
  pageSize: number;
  /** A query that has not answered after this long fails the run (a lock held on the log table, a dead network). */
  queryTimeoutSeconds: number;
}>;

export function moodleDbConfig(e: Env): MoodleDbConfig | null {
  return e.MOODLE_DB_URL
    ? Object.freeze({
        url: e.MOODLE_DB_URL,
        kind: /^(mysql|mariadb):/.test(e.MOODLE_DB_URL) ? ('mysql' as const) : ('postgres' as const),
        prefix: e.MOODLE_DB_PREFIX,
        tls: Object.freeze({ mode: e.MOODLE_DB_TLS, caPath: e.MOODLE_DB_TLS_CA ?? null }),
        pullEveryMinutes: e.MOODLE_DB_PULL_EVERY_MINUTES,
        lookbackDays: e.MOODLE_DB_LOOKBACK_DAYS,
        maxLagMinutes: e.MOODLE_DB_MAX_LAG_MINUTES,
        pageSize: e.MOODLE_DB_PAGE_SIZE,
        queryTimeoutSeconds: e.MOODLE_DB_QUERY_TIMEOUT_SECONDS,
      })
    : null;
}
