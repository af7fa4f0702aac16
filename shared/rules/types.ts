import type { IsoDay, Severity, Source, StudentStatus } from '../domain';
import type { Term } from '../calendar';

export interface RuleStudent {
  id: string;
  programme: string;
  year: number;
  status: StudentStatus;
}

export interface Exemption {
  studentId: string;
  reason: string;
  from: IsoDay;
  /** Inclusive; null while open-ended. */
  until: IsoDay | null;
}

/** Occurrences per day per source for one student; days and sources with no entry had none. */
export type DailyCounts = ReadonlyMap<IsoDay, Partial<Record<Source, number>>>;

/** For each source, the days for which its data is complete. A day outside is unknown, not zero. */
export type Coverage = ReadonlyMap<Source, ReadonlySet<IsoDay>>;

export interface RulesConfig {
  /** Term days of silence on every known source before the no-engagement rule fires. */
  noEngagementDays: number;
  /** Share (0..1) of the window's source-days that must be known before any flag may fire. */
  minKnownCoverage: number;
}

export const DEFAULT_RULES_CONFIG: RulesConfig = { noEngagementDays: 14, minKnownCoverage: 0.8 };

export interface RulesInput {
  students: readonly RuleStudent[];
  counts: ReadonlyMap<string, DailyCounts>;
  coverage: Coverage;
  terms: readonly Term[];
  exemptions: readonly Exemption[];
  config: RulesConfig;
  today: IsoDay;
}

export type WindowCounts = Record<Source, { d7: number | null; d14: number | null; d21: number | null }>;

export interface Explanation {
  /** Per source and window: occurrences, or null when that source's data is unknown for the window. */
  counts: WindowCounts;
  /** Whole days since the last occurrence per source, null when none was seen in the data held. */
  daysSinceLast: Record<Source, number | null>;
  windowStart: IsoDay | null;
  windowEnd: IsoDay | null;
}

export interface Flag {
  studentId: string;
  severity: Severity;
  rules: string[];
  /** One sentence for a tutor, in plain and careful words. */
  reason: string;
  explanation: Explanation;
}

export interface DataWarning {
  studentId: string | null;
  source: Source | null;
  message: string;
}

export interface RulesResult {
  flags: Flag[];
  warnings: DataWarning[];
  /** Students left out of monitoring today, with why (status or a dated exemption). */
  exempt: Array<{ studentId: string; why: string }>;
}
