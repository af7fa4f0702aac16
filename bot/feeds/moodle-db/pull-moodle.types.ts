import type { Logger } from 'pino';
import type { IsoDay, Source } from '../../../shared/domain';
import type { Db } from '../../store/database';
import type { MoodleCheckpoint } from '../../store/moodle-feed.repository';
import type { MoodleConnection } from './moodle-connection';

/** The feed's name in the checkpoint table and the import history. */
export const MOODLE_FEED = 'moodle-db';
export const SOURCES: readonly Source[] = ['moodle_login', 'moodle_submission'];

export interface MoodlePullSettings {
  timeZone: string;
  lookbackDays: number;
  maxLagMinutes: number;
  pageSize: number;
}

export interface MoodlePullProgress {
  idsDone: number;
  idsTotal: number;
  rowsRead: number;
}

export interface MoodlePullDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  connect: () => Promise<MoodleConnection>;
  settings: MoodlePullSettings;
  /** Names this process in the lease, so a second instance can tell it is not its own. */
  owner?: string;
  onProgress?: (progress: MoodlePullProgress) => void;
}

export interface MoodlePullOptions {
  /** Re-read from this day on, replacing what earlier runs and imports counted for those days. */
  since?: IsoDay;
}

export interface MoodlePullSummary {
  status: 'succeeded' | 'failed' | 'skipped';
  target: string;
  /** The failure's kind (moodle_db_credentials, moodle_db_schema, ...) when failed. */
  code: string | null;
  /** Days read whole for the first time by this run: the coverage it claims. */
  period: { start: IsoDay; end: IsoDay } | null;
  /** Days whose counts this run rebuilt from their start (the last one may still be going on). */
  recounted: { start: IsoDay; end: IsoDay } | null;
  /** The stretch of log ids this run went through. */
  idRange: { from: number; to: number } | null;
  /** Log entries of the event classes that can count (logins, submissions), read from that stretch. */
  rowsRead: number;
  rowsCounted: number;
  rowsUnresolved: number;
  rowsLate: number;
  countsBySource: Partial<Record<Source, number>>;
  studentsAffected: number;
  users: { read: number; linked: number; deleted: number; suspended: number; unmatched: number };
  unresolved: { total: number; keys: string[] };
  /** Events of Moodle users known to be staff: reported, never counted (see docs/imports.md, "Staff, ignored"). */
  rowsStaff: number;
  staff: { total: number; keys: string[] };
  checkpoint: MoodleCheckpoint | null;
  newestEventAt: string | null;
  warnings: string[];
  errors: string[];
  importIds: string[];
  elapsedMs: number;
  timings: { usersMs: number; readMs: number; resolveMs: number; writeMs: number };
}

export function emptySummary(target: string): MoodlePullSummary {
  return {
    status: 'failed',
    target,
    code: null,
    period: null,
    recounted: null,
    idRange: null,
    rowsRead: 0,
    rowsCounted: 0,
    rowsUnresolved: 0,
    rowsLate: 0,
    countsBySource: {},
    studentsAffected: 0,
    users: { read: 0, linked: 0, deleted: 0, suspended: 0, unmatched: 0 },
    unresolved: { total: 0, keys: [] },
    rowsStaff: 0,
    staff: { total: 0, keys: [] },
    checkpoint: null,
    newestEventAt: null,
    warnings: [],
    errors: [],
    importIds: [],
    elapsedMs: 0,
    timings: { usersMs: 0, readMs: 0, resolveMs: 0, writeMs: 0 },
  };
}
