import type { Logger } from 'pino';
import type { IsoDay } from '../../shared/domain';
import type { Db } from '../store/database';
import type { GraphRequester, GraphRequestStats } from './graph-requests';
import type { OrganiserProblem } from './graph-errors';

export interface CollectSettings {
  tenantId: string;
  clientId: string;
  organisers: readonly string[];
  minMinutes: number;
  lookbackDays: number;
  timeZone: string;
}

export interface CollectProgress {
  organisersDone: number;
  organisersTotal: number;
  reportsCollected: number;
  organiser: string;
}

export interface CollectDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  graph: GraphRequester;
  settings: CollectSettings;
  onProgress?: (progress: CollectProgress) => void;
}

export interface CollectOptions {
  /** Collect sessions from this day on, instead of from each organiser's checkpoint. */
  since?: IsoDay;
  /** Only this organiser (UPN or Entra object id). */
  organiser?: string;
}

export interface OrganiserOutcome {
  organiser: string;
  status: 'succeeded' | 'failed';
  meetings: number;
  reportsCollected: number;
  reportsAlreadyCollected: number;
  problem?: OrganiserProblem;
}

export interface CollectSummary {
  importId: string;
  status: 'succeeded' | 'failed';
  period: { start: IsoDay; end: IsoDay };
  organisers: OrganiserOutcome[];
  meetings: number;
  reportsCollected: number;
  reportsAlreadyCollected: number;
  recordsRead: number;
  /** Occurrences written: one per student per meeting session attended for at least the minimum. */
  attendancesCounted: number;
  skipped: { guests: number; externals: number; staff: number; belowMinimum: number };
  /** Participants a report says were there but who have no record (they opted out of attendance reports). */
  notInReports: number;
  unknown: { count: number; keys: string[] };
  warnings: string[];
  errors: string[];
  requests: GraphRequestStats;
}

/** What a whole run has read and skipped so far, across its organisers. */
export interface RunTotals {
  recordsRead: number;
  attendancesCounted: number;
  skipped: CollectSummary['skipped'];
  notInReports: number;
  unknownKeys: Set<string>;
  unknownCount: number;
  warnings: string[];
}
