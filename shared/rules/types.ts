import type { IsoDay, Severity, Source, StudentStatus } from '../domain';
import type { Term } from '../calendar';
import type { RulesConfig } from './config';

export { DEFAULT_RULES_CONFIG, type RulesConfig } from './config';

export interface RuleStudent {
  id: string;
  programme: string;
  year: number;
  status: StudentStatus;
  /** The course or status start date from the roster: no window that reaches back before it is judged. */
  startDay?: IsoDay | null;
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

/**
 * A department's activity already summed per window, e.g. by the database. Students are rows:
 * `sums[(row * 5 + s) * windows.length + w]` is the occurrences of `SOURCES[s]` over the last
 * `windows[w]` term days before today. One flat array, because 30,000 small ones cost more to make
 * than to fill.
 */
export interface SummarisedActivity {
  /** Window lengths in term days, as given by requiredWindows(config). */
  windows: readonly number[];
  /** The first day the summaries looked at: "no activity" in lastActive means none since then. */
  since: IsoDay;
  /** Each student's row; a student without one had no activity at all. */
  rows: ReadonlyMap<string, number>;
  sums: Float64Array;
  /** `lastActive[row * 5 + s]`: the latest day before today with an occurrence of `SOURCES[s]`, or null if none since `since`. */
  lastActive: ReadonlyArray<IsoDay | null>;
}

interface RulesInputBase {
  students: readonly RuleStudent[];
  coverage: Coverage;
  terms: readonly Term[];
  exemptions: readonly Exemption[];
  config: RulesConfig;
  today: IsoDay;
  /** Students whose full decision (flagged or not, and why) should be returned in `decisions`. */
  explain?: ReadonlySet<string>;
}

/**
 * Dense daily counts for a whole department: `counts[(student * 5 + source) * days.length + day]` is
 * the occurrences of `SOURCES[source]` for `studentIds[student]` on `days[day]`.
 */
export interface DailyMatrix {
  studentIds: readonly string[];
  days: readonly IsoDay[];
  counts: Float64Array | Int32Array | Uint16Array;
}

/**
 * The activity comes in one of three shapes: daily counts per student (tests, one student), a dense
 * daily matrix (a whole department in memory), or the same activity already summed per window (the database).
 */
export type RulesInput = RulesInputBase &
  (
    | { counts: ReadonlyMap<string, DailyCounts>; matrix?: never; activity?: never }
    | { matrix: DailyMatrix; counts?: never; activity?: never }
    | { activity: SummarisedActivity; counts?: never; matrix?: never }
  );

export type WindowCounts = Record<Source, { d7: number | null; d14: number | null; d21: number | null }>;

export interface Explanation {
  /**
   * Per source and window: occurrences; null when that source's data is unknown for the window and
   * nothing was seen (a count seen on partly covered days is shown, as it is at least that many).
   */
  counts: WindowCounts;
  /** The same windows' medians over the student's cohort (same programme and year), null when unknown. */
  cohortMedians?: WindowCounts;
  /** Whole days since the last occurrence per source, null when none was seen in the data held. */
  daysSinceLast: Record<Source, number | null>;
  /** Share (0..1) of the last 21 term days for which each source's data is complete. */
  knownShare?: Record<Source, number>;
  cohort?: { programme: string; year: number; size: number };
  windowStart: IsoDay | null;
  windowEnd: IsoDay | null;
  /** The day the rules ran; absent on explanations stored before it was recorded. */
  evaluatedOn?: IsoDay;
}

export const RULE_IDS = ['no_engagement', 'low_engagement', 'sharp_drop', 'silent_source'] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** The facts behind one rule that fired, for the timeline and `--explain`. */
export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** One careful sentence for staff. */
  sentence: string;
  facts: Record<string, number | string | null>;
}

export interface Flag {
  studentId: string;
  severity: Severity;
  rules: RuleId[];
  /** One sentence for a tutor, in plain and careful words. */
  reason: string;
  findings: Finding[];
  explanation: Explanation;
}

export type WarningScope = 'department' | 'source' | 'cohort' | 'student';

export interface DataWarning {
  scope: WarningScope;
  code: string;
  studentId: string | null;
  source: Source | null;
  cohort: { programme: string; year: number } | null;
  message: string;
}

/** Why one student was or was not flagged, rule by rule; returned only for students named in `explain`. */
export interface Decision {
  studentId: string;
  flag: Flag | null;
  exempt: string | null;
  /** One line per rule: fired, did not fire (with the figures), or could not be judged (and why). */
  rules: Array<{ rule: RuleId; outcome: 'fired' | 'not_fired' | 'not_judged'; sentence: string }>;
  warnings: DataWarning[];
  explanation: Explanation | null;
}

export interface RulesResult {
  flags: Flag[];
  warnings: DataWarning[];
  /** Students left out of monitoring today, with why (status or a dated exemption). */
  exempt: Array<{ studentId: string; why: string }>;
  /** Students monitored today (not exempt). */
  monitored: number;
  decisions: Decision[];
}
