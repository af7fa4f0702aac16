import { EXEMPT_STATUSES, SEVERITY_RANK, SOURCES, SOURCE_LABELS, type IsoDay, type Severity, type Source } from '../domain';
import { daysBetween, lastTermDays, type Term } from '../calendar';
import { DEFAULT_RULES_CONFIG, requiredWindows, type RulesConfig } from './config';
import { emptySummary, summariseDailyCounts } from './summarise';
import { percentile, roundForDisplay } from './stats';
import type {
  ActivitySummary,
  Coverage,
  DailyCounts,
  DataWarning,
  Decision,
  Exemption,
  Explanation,
  Finding,
  Flag,
  RuleId,
  RuleStudent,
  RulesInput,
  RulesResult,
  SummarisedActivity,
  WindowCounts,
} from './types';

const SOURCE_COUNT = SOURCES.length;
const EXPLAINED_WINDOWS = [7, 14, 21] as const;
const RULE_LABELS: Record<RuleId, string> = {
  no_engagement: 'no engagement',
  low_engagement: 'low engagement',
  sharp_drop: 'sharp drop',
  silent_source: 'silent source',
};
/** A cohort where everyone shows zero on a source smaller than this is not remarkable enough to warn about. */
const MIN_COHORT_FOR_SILENCE_WARNING = 5;

/** What every rule reads: the term days, the window sums' layout and which sources are known per window. */
interface Context {
  config: RulesConfig;
  today: IsoDay;
  /** The last term days before today, oldest first, as many as the longest window needs (fewer early in term). */
  days: readonly IsoDay[];
  activity: SummarisedActivity;
  /** Offset of each window length inside a summary's per-source block. */
  offset: ReadonlyMap<number, number>;
  stride: number;
  /** Per window length, per source: share (0..1) of the window's term days with complete data. */
  share: ReadonlyMap<number, readonly number[]>;
  /** Per window length, per source: whether the source counts as known for that window. */
  usable: ReadonlyMap<number, readonly boolean[]>;
  usableCount: ReadonlyMap<number, number>;
}

interface CohortStats {
  programme: string;
  year: number;
  size: number;
  /** Per window length, per source: median over the cohort, NaN when the source is unknown for that window. */
  medians: Map<number, Float64Array>;
  lowPercentile: number;
  lowMedian: number;
}

interface Member {
  student: RuleStudent;
  summary: ActivitySummary;
}

function buildContext(input: RulesInput): Context {
  const { config, today } = input;
  const windows = requiredWindows(config);
  const longest = windows[windows.length - 1] ?? 21;
  const days = lastTermDays(today, longest, input.terms);
  const activity = input.activity ?? summariseDailyCounts(input.counts, days, windows, today);
  const offset = new Map<number, number>();
  for (const n of windows) {
    const at = activity.windows.indexOf(n);
    if (at < 0) throw new Error(`the activity summary has no ${n}-term-day window; summarise with requiredWindows(config)`);
    offset.set(n, at);
  }
  const share = new Map<number, number[]>();
  const usable = new Map<number, boolean[]>();
  const usableCount = new Map<number, number>();
  for (const n of windows) {
    const span = days.slice(-n);
    const shares = SOURCES.map((source) => {
      const known = input.coverage.get(source);
      if (span.length === 0 || !known) return 0;
      let hits = 0;
      for (const day of span) if (known.has(day)) hits++;
      return hits / span.length;
    });
    const ok = shares.map((s) => span.length >= n && s >= config.coverage.minSourceShare);
    share.set(n, shares);
    usable.set(n, ok);
    usableCount.set(n, ok.filter(Boolean).length);
  }
  return { config, today, days, activity, offset, stride: activity.windows.length, share, usable, usableCount };
}

const sumOf = (ctx: Context, summary: ActivitySummary, s: number, n: number): number => summary.sums[s * ctx.stride + (ctx.offset.get(n) ?? 0)] ?? 0;
const isReady = (ctx: Context, n: number): boolean => ctx.days.length >= n;
const isUsable = (ctx: Context, s: number, n: number): boolean => ctx.usable.get(n)?.[s] ?? false;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const labelOf = (s: number): string => SOURCE_LABELS[SOURCES[s] as Source];
const cohortName = (c: { programme: string; year: number }): string => `${c.programme} year ${c.year}`;

function median(values: Float64Array): number {
  return percentile(values, 50);
}

function buildCohortStats(ctx: Context, members: readonly Member[], programme: string, year: number): CohortStats {
  const { config } = ctx;
  const size = members.length;
  const values = new Float64Array(size);
  const medians = new Map<number, Float64Array>();
  for (const n of new Set([...EXPLAINED_WINDOWS, config.silentSource.days])) {
    const row = new Float64Array(SOURCE_COUNT).fill(Number.NaN);
    if (isReady(ctx, n) && size > 0) {
      for (let s = 0; s < SOURCE_COUNT; s++) {
        if (!isUsable(ctx, s, n)) continue;
        for (let i = 0; i < size; i++) values[i] = sumOf(ctx, (members[i] as Member).summary, s, n);
        row[s] = median(values);
      }
    }
    medians.set(n, row);
  }
  let lowPercentile = Number.NaN;
  let lowMedian = Number.NaN;
  const low = config.lowEngagement;
  if (isReady(ctx, low.days) && size > 0) {
    for (let i = 0; i < size; i++) values[i] = knownTotal(ctx, (members[i] as Member).summary, low.days);
    lowPercentile = percentile(values, low.cohortPercentile);
    lowMedian = percentile(values, 50);
  }
  return { programme, year, size, medians, lowPercentile, lowMedian };
}

function knownTotal(ctx: Context, summary: ActivitySummary, n: number): number {
  let total = 0;
  for (let s = 0; s < SOURCE_COUNT; s++) if (isUsable(ctx, s, n)) total += sumOf(ctx, summary, s, n);
  return total;
}

function buildExplanation(ctx: Context, summary: ActivitySummary, cohort: CohortStats | null): Explanation {
  const counts = {} as WindowCounts;
  const cohortMedians = {} as WindowCounts;
  const daysSinceLast = {} as Record<Source, number | null>;
  const knownShare = {} as Record<Source, number>;
  for (let s = 0; s < SOURCE_COUNT; s++) {
    const source = SOURCES[s] as Source;
    const show = (n: number): number | null => {
      const value = sumOf(ctx, summary, s, n);
      return (isReady(ctx, n) && isUsable(ctx, s, n)) || value > 0 ? value : null;
    };
    const med = (n: number): number | null => {
      const value = cohort?.medians.get(n)?.[s] ?? Number.NaN;
      return Number.isNaN(value) ? null : roundForDisplay(value);
    };
    counts[source] = { d7: show(7), d14: show(14), d21: show(21) };
    cohortMedians[source] = { d7: med(7), d14: med(14), d21: med(21) };
    const last = summary.lastActive[s] ?? null;
    daysSinceLast[source] = last === null ? null : daysBetween(last, ctx.today);
    knownShare[source] = Math.round((ctx.share.get(21)?.[s] ?? 0) * 100) / 100;
  }
  const span = ctx.days.slice(-21);
  return {
    counts,
    cohortMedians,
    daysSinceLast,
    knownShare,
    ...(cohort ? { cohort: { programme: cohort.programme, year: cohort.year, size: cohort.size } } : {}),
    windowStart: span[0] ?? null,
    windowEnd: span[span.length - 1] ?? null,
  };
}

/** Explains a student's engagement over the last 7, 14 and 21 term days, honouring unknown data (no cohort comparison). */
export function explainStudent(counts: DailyCounts | undefined, input: { coverage: Coverage; terms: readonly Term[]; today: IsoDay }): Explanation {
  const ctx = buildContext({ students: [], counts: new Map(counts ? [['_', counts]] : []), coverage: input.coverage, terms: input.terms, exemptions: [], config: DEFAULT_RULES_CONFIG, today: input.today });
  return buildExplanation(ctx, ctx.activity.students.get('_') ?? emptySummary(ctx.activity.windows), null);
}

type RuleOutcome = { rule: RuleId; outcome: 'fired' | 'not_fired' | 'not_judged'; sentence: string };

interface StudentVerdict {
  findings: Finding[];
  lines: RuleOutcome[];
  warnings: DataWarning[];
}

/** An exemption that is over (or not begun) but overlaps the window: the rule waits, so no backlog is flagged. */
function overlappingExemption(ctx: Context, exemptions: readonly Exemption[] | undefined, n: number): Exemption | null {
  if (!exemptions) return null;
  const span = ctx.days.slice(-n);
  const first = span[0];
  const last = span[span.length - 1];
  if (first === undefined || last === undefined) return null;
  return exemptions.find((e) => e.from <= last && (e.until === null || e.until >= first)) ?? null;
}

function judgeStudent(ctx: Context, member: Member, cohort: CohortStats, exemptions: readonly Exemption[] | undefined, why: boolean, hasAnyRecord: boolean, since: IsoDay): StudentVerdict {
  const { config } = ctx;
  const { summary, student } = member;
  const findings: Finding[] = [];
  const lines: RuleOutcome[] = [];
  const warnings: DataWarning[] = [];
  const minKnown = config.coverage.minKnownSources;
  const smallCohort = cohort.size < config.lowEngagement.minCohortSize;

  /** Returns true when the rule cannot be judged today, recording why. */
  const cannotJudge = (rule: RuleId, enabled: boolean, n: number, needsCohort: boolean): boolean => {
    let sentence: string | null = null;
    if (!enabled) sentence = 'switched off for this department.';
    else if (!isReady(ctx, n)) sentence = `needs ${n} term days; there are ${ctx.days.length} so far.`;
    else if ((ctx.usableCount.get(n) ?? 0) < minKnown && rule !== 'no_engagement') {
      sentence = `only ${plural(ctx.usableCount.get(n) ?? 0, 'source')} ${ctx.usableCount.get(n) === 1 ? 'has' : 'have'} complete data for the last ${n} term days; ${minKnown} are needed.`;
    } else if (needsCohort && smallCohort) sentence = `the cohort has ${plural(cohort.size, 'student')} being monitored; comparisons need ${config.lowEngagement.minCohortSize}.`;
    else {
      const blocked = overlappingExemption(ctx, exemptions, n);
      if (blocked) sentence = `waits until its ${n} term days all fall after the exemption (${blocked.reason}) that ${blocked.until === null ? 'is open-ended' : `ended on ${blocked.until}`}.`;
    }
    if (sentence === null) return false;
    if (why) lines.push({ rule, outcome: 'not_judged', sentence });
    return true;
  };

  // No engagement: silence on every known source; a count seen anywhere, even on partly covered days, is engagement.
  const ne = config.noEngagement;
  let noEngagementFired = false;
  if (!cannotJudge('no_engagement', ne.enabled, ne.days, false)) {
    let seen = 0;
    for (let s = 0; s < SOURCE_COUNT; s++) seen += sumOf(ctx, summary, s, ne.days);
    const known = ctx.usableCount.get(ne.days) ?? 0;
    if (seen > 0) {
      if (why) lines.push({ rule: 'no_engagement', outcome: 'not_fired', sentence: `${plural(seen, 'occurrence')} in the last ${ne.days} term days.` });
    } else if (known >= minKnown) {
      noEngagementFired = true;
      const sentence = hasAnyRecord
        ? `No activity recorded on any of the ${plural(known, 'source')} with complete data in the last ${ne.days} term days.`
        : `No activity recorded at all in the data we hold${since > '0000-01-01' ? ` since ${since}` : ''}; all ${plural(known, 'source')} with complete data show none over the last ${ne.days} term days.`;
      findings.push({ rule: 'no_engagement', severity: ne.severity, sentence, facts: { days: ne.days, knownSources: known, anyRecord: hasAnyRecord ? 'yes' : 'no' } });
      if (why) lines.push({ rule: 'no_engagement', outcome: 'fired', sentence });
    } else {
      const sentence = `only ${plural(known, 'source')} ${known === 1 ? 'has' : 'have'} complete data for the last ${ne.days} term days and ${known === 1 ? 'it shows' : 'they show'} no activity; ${minKnown} are needed before anyone is flagged.`;
      if (why) lines.push({ rule: 'no_engagement', outcome: 'not_judged', sentence });
      if (known > 0) {
        warnings.push({ scope: 'student', code: 'not_enough_data', studentId: student.id, source: null, cohort: null, message: `No activity seen, but ${sentence} Not flagged until more data arrives.` });
      }
    }
  }

  // Low engagement: below the cohort's bottom tail AND below an absolute floor, so an engaged cohort has no forced tail.
  const low = config.lowEngagement;
  if (!cannotJudge('low_engagement', low.enabled, low.days, true)) {
    const total = knownTotal(ctx, summary, low.days);
    const p = roundForDisplay(cohort.lowPercentile);
    if (total < cohort.lowPercentile && total < low.absoluteFloor) {
      const sentence = `${plural(total, 'occurrence')} across the known sources over the last ${low.days} term days: fewer than ${100 - low.cohortPercentile}% of their cohort (cohort median ${roundForDisplay(cohort.lowMedian)}) and under the department's floor of ${low.absoluteFloor}.`;
      findings.push({ rule: 'low_engagement', severity: low.severity, sentence, facts: { days: low.days, total, cohortPercentile: p, cohortMedian: roundForDisplay(cohort.lowMedian), floor: low.absoluteFloor } });
      if (why) lines.push({ rule: 'low_engagement', outcome: 'fired', sentence });
    } else if (why) {
      lines.push({ rule: 'low_engagement', outcome: 'not_fired', sentence: `${plural(total, 'occurrence')} over the last ${low.days} term days; it fires below both the cohort's ${low.cohortPercentile}th percentile (${p}) and the floor of ${low.absoluteFloor}.` });
    }
  }

  // Sharp drop: the recent rate against the student's own earlier rate, only when that earlier rate means something.
  const drop = config.sharpDrop;
  const dropWindow = drop.recentDays + drop.baselineDays;
  if (!cannotJudge('sharp_drop', drop.enabled, dropWindow, false)) {
    let recent = 0;
    let base = 0;
    let sources = 0;
    for (let s = 0; s < SOURCE_COUNT; s++) {
      if (!isUsable(ctx, s, dropWindow) || !isUsable(ctx, s, drop.recentDays)) continue;
      sources++;
      const r = sumOf(ctx, summary, s, drop.recentDays);
      recent += r;
      base += sumOf(ctx, summary, s, dropWindow) - r;
    }
    const basePerWeek = (base * 7) / drop.baselineDays;
    const recentPerWeek = (recent * 7) / drop.recentDays;
    if (sources < minKnown) {
      if (why) lines.push({ rule: 'sharp_drop', outcome: 'not_judged', sentence: `only ${plural(sources, 'source')} known over both periods; ${minKnown} are needed.` });
    } else if (basePerWeek < drop.minBaselinePerWeek) {
      if (why) lines.push({ rule: 'sharp_drop', outcome: 'not_fired', sentence: `their usual level (${roundForDisplay(basePerWeek)} a week) is below ${drop.minBaselinePerWeek} a week, too low to measure a drop against.` });
    } else if (recentPerWeek <= drop.ratio * basePerWeek) {
      const sentence = `${plural(recent, 'occurrence')} in the last ${drop.recentDays} term days, well below their own usual level of about ${roundForDisplay(basePerWeek)} a week over the ${drop.baselineDays} term days before.`;
      findings.push({ rule: 'sharp_drop', severity: drop.severity, sentence, facts: { recentDays: drop.recentDays, recent, baselineDays: drop.baselineDays, baselinePerWeek: roundForDisplay(basePerWeek), ratio: drop.ratio } });
      if (why) lines.push({ rule: 'sharp_drop', outcome: 'fired', sentence });
    } else if (why) {
      lines.push({ rule: 'sharp_drop', outcome: 'not_fired', sentence: `${roundForDisplay(recentPerWeek)} a week recently against ${roundForDisplay(basePerWeek)} a week before; it fires at ${Math.round(drop.ratio * 100)}% or less.` });
    }
  }

  // Silent source: one known source at zero while the cohort's median there is high; implied by no engagement.
  const silent = config.silentSource;
  if (noEngagementFired) {
    if (why) lines.push({ rule: 'silent_source', outcome: 'not_judged', sentence: 'covered by the no-engagement rule.' });
  } else if (!cannotJudge('silent_source', silent.enabled, silent.days, true)) {
    const medians = cohort.medians.get(silent.days);
    const quiet: number[] = [];
    for (let s = 0; s < SOURCE_COUNT; s++) {
      const m = medians?.[s] ?? Number.NaN;
      if (!isUsable(ctx, s, silent.days) || Number.isNaN(m) || m <= 0 || m < silent.minCohortMedian) continue;
      if (sumOf(ctx, summary, s, silent.days) === 0) quiet.push(s);
    }
    if (quiet.length > 0) {
      const named = quiet.map((s) => `${labelOf(s)} (cohort median ${roundForDisplay(medians?.[s] ?? 0)})`).join(' or ');
      const sentence = `No ${named} in the last ${silent.days} term days, while most of their cohort has some.`;
      findings.push({ rule: 'silent_source', severity: silent.severity, sentence, facts: { days: silent.days, sources: quiet.map((s) => SOURCES[s] as Source).join(','), minCohortMedian: silent.minCohortMedian } });
      if (why) lines.push({ rule: 'silent_source', outcome: 'fired', sentence });
    } else if (why) {
      lines.push({ rule: 'silent_source', outcome: 'not_fired', sentence: `no known source is at zero where the cohort median reaches ${silent.minCohortMedian} over ${silent.days} term days.` });
    }
  }
  return { findings, lines, warnings };
}

function toFlag(studentId: string, findings: Finding[], explanation: Explanation): Flag {
  const ordered = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || RULE_ORDER[a.rule] - RULE_ORDER[b.rule]);
  const severity = (ordered[0]?.severity ?? 'low') as Severity;
  return {
    studentId,
    severity,
    rules: [...findings].sort((a, b) => RULE_ORDER[a.rule] - RULE_ORDER[b.rule]).map((f) => f.rule),
    reason: ordered.map((f) => f.sentence).join(' '),
    findings: ordered,
    explanation,
  };
}

const RULE_ORDER: Record<RuleId, number> = { no_engagement: 0, low_engagement: 1, sharp_drop: 2, silent_source: 3 };

function departmentWarnings(ctx: Context): DataWarning[] {
  const { config } = ctx;
  const warnings: DataWarning[] = [];
  const dept = (code: string, message: string): DataWarning => ({ scope: 'department', code, studentId: null, source: null, cohort: null, message });
  const rules: Array<[RuleId, boolean, number]> = [
    ['no_engagement', config.noEngagement.enabled, config.noEngagement.days],
    ['low_engagement', config.lowEngagement.enabled, config.lowEngagement.days],
    ['sharp_drop', config.sharpDrop.enabled, config.sharpDrop.recentDays + config.sharpDrop.baselineDays],
    ['silent_source', config.silentSource.enabled, config.silentSource.days],
  ];
  for (const [rule, enabled, n] of rules) {
    if (!enabled) continue;
    if (!isReady(ctx, n)) {
      warnings.push(dept('window_not_ready', `Only ${plural(ctx.days.length, 'term day')} so far; the ${RULE_LABELS[rule]} rule starts once there are ${n}.`));
    } else if ((ctx.usableCount.get(n) ?? 0) < config.coverage.minKnownSources) {
      warnings.push(dept('too_few_sources', `Only ${ctx.usableCount.get(n) ?? 0} of ${SOURCE_COUNT} sources have complete data for the last ${n} term days; the ${RULE_LABELS[rule]} rule needs ${config.coverage.minKnownSources}, so it flags no one today.`));
    }
  }
  const n = Math.min(21, ctx.days.length);
  if (n > 0) {
    const shares = ctx.share.get(21) ?? [];
    for (let s = 0; s < SOURCE_COUNT; s++) {
      const share = shares[s] ?? 0;
      if (share >= config.coverage.minSourceShare) continue;
      const known = Math.round(share * n);
      warnings.push({
        scope: 'source',
        code: 'source_unknown',
        studentId: null,
        source: SOURCES[s] as Source,
        cohort: null,
        message: `${labelOf(s)}: complete data for ${known} of the last ${plural(n, 'term day')}, so it is left out of today's decisions (missing data is not counted as zero).`,
      });
    }
  }
  return warnings;
}

function cohortWarnings(ctx: Context, stats: CohortStats, members: readonly Member[]): DataWarning[] {
  const { config } = ctx;
  const warnings: DataWarning[] = [];
  const cohort = { programme: stats.programme, year: stats.year };
  const usesCohort = config.lowEngagement.enabled || config.silentSource.enabled;
  if (usesCohort && stats.size < config.lowEngagement.minCohortSize) {
    warnings.push({
      scope: 'cohort',
      code: 'cohort_too_small',
      studentId: null,
      source: null,
      cohort,
      message: `${cohortName(stats)} has ${plural(stats.size, 'student')} being monitored; cohort comparisons need ${config.lowEngagement.minCohortSize}, so the low-engagement and silent-source rules are not used for it.`,
    });
  }
  if (isReady(ctx, 21) && stats.size >= MIN_COHORT_FOR_SILENCE_WARNING) {
    for (let s = 0; s < SOURCE_COUNT; s++) {
      // Submissions follow deadlines: a cohort with none due in three weeks is ordinary.
      if (SOURCES[s] === 'moodle_submission' || !isUsable(ctx, s, 21)) continue;
      if (members.every((m) => sumOf(ctx, m.summary, s, 21) === 0)) {
        warnings.push({
          scope: 'cohort',
          code: 'cohort_source_silent',
          studentId: null,
          source: SOURCES[s] as Source,
          cohort,
          message: `All ${stats.size} students in ${cohortName(stats)} show no ${labelOf(s)} over the last 21 term days although that data is marked complete; please check the import before relying on it.`,
        });
      }
    }
  }
  return warnings;
}

function findActiveExemption(exemptions: readonly Exemption[] | undefined, today: IsoDay): Exemption | null {
  if (!exemptions) return null;
  let found: Exemption | null = null;
  for (const e of exemptions) {
    if (e.from <= today && (e.until === null || e.until >= today) && (found === null || e.reason < found.reason)) found = e;
  }
  return found;
}

const byStudentId = <T extends { studentId: string | null }>(a: T, b: T): number => ((a.studentId ?? '') < (b.studentId ?? '') ? -1 : (a.studentId ?? '') > (b.studentId ?? '') ? 1 : 0);

/**
 * Decides which students need a human to get in touch. Pure: every fact, including today, is an
 * argument, and the result does not depend on the order of any input. A source whose data is
 * unknown over a window never counts as silence; exempt students are never flagged; a rule whose
 * window overlaps an ended exemption waits, so monitoring resumes without a backlog.
 */
export function evaluateRules(input: RulesInput): RulesResult {
  const ctx = buildContext(input);
  const since = ctx.activity.since;
  const exemptionsByStudent = new Map<string, Exemption[]>();
  for (const e of input.exemptions) {
    const list = exemptionsByStudent.get(e.studentId);
    if (list) list.push(e);
    else exemptionsByStudent.set(e.studentId, [e]);
  }

  const exempt: RulesResult['exempt'] = [];
  const cohorts = new Map<string, { programme: string; year: number; members: Member[] }>();
  for (const student of input.students) {
    if (EXEMPT_STATUSES.has(student.status)) {
      exempt.push({ studentId: student.id, why: student.status });
      continue;
    }
    const active = findActiveExemption(exemptionsByStudent.get(student.id), input.today);
    if (active) {
      exempt.push({ studentId: student.id, why: active.reason });
      continue;
    }
    const key = `${student.programme}\u0000${student.year}`;
    let cohort = cohorts.get(key);
    if (!cohort) cohorts.set(key, (cohort = { programme: student.programme, year: student.year, members: [] }));
    cohort.members.push({ student, summary: ctx.activity.students.get(student.id) ?? emptySummary(ctx.activity.windows) });
  }

  const flags: Flag[] = [];
  const warnings = departmentWarnings(ctx);
  const studentWarnings: DataWarning[] = [];
  const decisions: Decision[] = [];
  let monitored = 0;
  for (const key of [...cohorts.keys()].sort()) {
    const { programme, year, members } = cohorts.get(key)!;
    const stats = buildCohortStats(ctx, members, programme, year);
    warnings.push(...cohortWarnings(ctx, stats, members));
    monitored += members.length;
    for (const member of members) {
      const id = member.student.id;
      const why = input.explain?.has(id) ?? false;
      const hasAnyRecord = member.summary.lastActive.some((d) => d !== null);
      const verdict = judgeStudent(ctx, member, stats, exemptionsByStudent.get(id), why, hasAnyRecord, since);
      studentWarnings.push(...verdict.warnings);
      const flag = verdict.findings.length > 0 ? toFlag(id, verdict.findings, buildExplanation(ctx, member.summary, stats)) : null;
      if (flag) flags.push(flag);
      if (why) {
        decisions.push({ studentId: id, flag, exempt: null, rules: verdict.lines, warnings: verdict.warnings, explanation: flag?.explanation ?? buildExplanation(ctx, member.summary, stats) });
      }
    }
  }
  for (const e of exempt) {
    if (input.explain?.has(e.studentId)) decisions.push({ studentId: e.studentId, flag: null, exempt: e.why, rules: [], warnings: [], explanation: null });
  }
  flags.sort(byStudentId);
  studentWarnings.sort(byStudentId);
  exempt.sort(byStudentId);
  decisions.sort(byStudentId);
  return { flags, warnings: [...warnings, ...studentWarnings], exempt, monitored, decisions };
}
