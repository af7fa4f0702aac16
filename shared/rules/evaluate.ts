import * as domain from '../domain';
import type { IsoDay, Severity, Source } from '../domain';
import * as calendar from '../calendar';
import type { Term } from '../calendar';
import { DEFAULT_RULES_CONFIG } from './config';
import * as rulesStats from './stats';
import type {
  Coverage,
  DailyCounts,
  DataWarning,
  Decision,
  Exemption,
  Explanation,
  Finding,
  Flag,
  RuleId,
  RulesInput,
  RulesResult,
  WindowCounts,
} from './types';
import * as context from './context';
import type { CohortStats, Context, Member, WindowPlan } from './context';
import { buildCohortStats } from './cohort-stats';
import { cohortWarnings, departmentWarnings } from './warnings';

// What the per-student loop reads tens of thousands of times, copied once into this module: compiled
// to CommonJS (tsx, build/), every use of an imported name goes through a getter on the other module,
// and a fresh process's first, interpreted pass over 30,000 students paid for over a million of them.
const { EXEMPT_STATUSES, SEVERITY_RANK, SOURCES } = domain;
const { daysBetween } = calendar;
const { roundForDisplay } = rulesStats;
const { EXPLAINED_WINDOWS, SOURCE_COUNT, buildContext, isReady, knownTotal, labelOf, plural, sumAt } = context;

function buildExplanation(ctx: Context, row: number, cohort: CohortStats | null): Explanation {
  const counts = {} as WindowCounts;
  const cohortMedians = {} as WindowCounts;
  const daysSinceLast = {} as Record<Source, number | null>;
  const knownShare = {} as Record<Source, number>;
  const explained = EXPLAINED_WINDOWS.map((n) => ({
    n,
    ready: isReady(ctx, n),
    usable: ctx.usable.get(n) ?? [],
    offset: ctx.offset.get(n) ?? 0,
    medians: cohort?.medians.get(n),
  }));
  const shares = ctx.share.get(21) ?? [];
  for (let s = 0; s < SOURCE_COUNT; s++) {
    const source = SOURCES[s] as Source;
    const shown: Array<number | null> = [];
    const medians: Array<number | null> = [];
    for (const w of explained) {
      const value = row < 0 ? 0 : (ctx.activity.sums[(row * SOURCE_COUNT + s) * ctx.stride + w.offset] as number);
      shown.push((w.ready && w.usable[s]) || value > 0 ? value : null);
      const m = w.medians?.[s] ?? Number.NaN;
      medians.push(Number.isNaN(m) ? null : roundForDisplay(m));
    }
    counts[source] = { d7: shown[0] ?? null, d14: shown[1] ?? null, d21: shown[2] ?? null };
    cohortMedians[source] = { d7: medians[0] ?? null, d14: medians[1] ?? null, d21: medians[2] ?? null };
    const last = row < 0 ? null : (ctx.activity.lastActive[row * SOURCE_COUNT + s] ?? null);
    daysSinceLast[source] = last === null ? null : daysBetween(last, ctx.today);
    knownShare[source] = Math.round((shares[s] ?? 0) * 100) / 100;
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
    evaluatedOn: ctx.today,
  };
}

/** Explains a student's engagement over the last 7, 14 and 21 term days, honouring unknown data (no cohort comparison). */
export function explainStudent(
  counts: DailyCounts | undefined,
  input: { coverage: Coverage; terms: readonly Term[]; today: IsoDay },
): Explanation {
  const ctx = buildContext({
    students: [],
    counts: new Map(counts ? [['_', counts]] : []),
    coverage: input.coverage,
    terms: input.terms,
    exemptions: [],
    config: DEFAULT_RULES_CONFIG,
    today: input.today,
  });
  return buildExplanation(ctx, ctx.activity.rows.get('_') ?? -1, null);
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

/** Why a rule cannot be judged for a whole cohort today (switched off, too early, too little data, cohort too small), or null. */
function cohortBlock(ctx: Context, rule: RuleId, enabled: boolean, plan: WindowPlan, cohort: CohortStats): string | null {
  const { config } = ctx;
  const minKnown = config.coverage.minKnownSources;
  if (!enabled) return 'switched off for this department.';
  if (!plan.ready) return `needs ${plan.n} term days; there are ${ctx.days.length} so far.`;
  if (rule !== 'no_engagement' && plan.usableCount < minKnown) {
    return `only ${plural(plan.usableCount, 'source')} ${plan.usableCount === 1 ? 'has' : 'have'} complete data for the last ${plan.n} term days; ${minKnown} are needed.`;
  }
  if ((rule === 'low_engagement' || rule === 'silent_source') && cohort.size < config.lowEngagement.minCohortSize) {
    return `the cohort has ${plural(cohort.size, 'student')} being monitored; comparisons need ${config.lowEngagement.minCohortSize}.`;
  }
  return null;
}

type Blocks = Record<RuleId, string | null>;

function cohortBlocks(ctx: Context, cohort: CohortStats): Blocks {
  const { config, plans } = ctx;
  return {
    no_engagement: cohortBlock(ctx, 'no_engagement', config.noEngagement.enabled, plans.noEngagement, cohort),
    low_engagement: cohortBlock(ctx, 'low_engagement', config.lowEngagement.enabled, plans.low, cohort),
    sharp_drop: cohortBlock(ctx, 'sharp_drop', config.sharpDrop.enabled, plans.dropWhole, cohort),
    silent_source: cohortBlock(ctx, 'silent_source', config.silentSource.enabled, plans.silent, cohort),
  };
}

/** The cohort-wide block, or an ended exemption overlapping this student's window: the rule waits, so no backlog is flagged. */
function blockFor(
  ctx: Context,
  blocks: Blocks,
  rule: RuleId,
  plan: WindowPlan,
  exemptions: readonly Exemption[] | undefined,
  startDay: IsoDay | null | undefined,
): string | null {
  const shared = blocks[rule];
  if (shared !== null) return shared;
  // A fresher (or a student back from a break in studies) is judged only on days they could have engaged.
  const first = ctx.days[ctx.days.length - plan.n];
  if (startDay && first !== undefined && first < startDay) {
    const since = ctx.days.filter((d) => d >= startDay).length;
    return `waits until the student has ${plan.n} term days since they started on ${startDay}; there are ${since} so far.`;
  }
  if (!exemptions) return null;
  const blocked = overlappingExemption(ctx, exemptions, plan.n);
  return blocked
    ? `waits until its ${plan.n} term days all fall after the exemption (${blocked.reason}) that ${blocked.until === null ? 'is open-ended' : `ended on ${blocked.until}`}.`
    : null;
}

const NO_LINES: RuleOutcome[] = [];

function found(findings: Finding[] | null, lines: RuleOutcome[], why: boolean, finding: Finding): Finding[] {
  const out = findings ?? [];
  out.push(finding);
  if (why) lines.push({ rule: finding.rule, outcome: 'fired', sentence: finding.sentence });
  return out;
}

function judgeStudent(
  ctx: Context,
  member: Member,
  cohort: CohortStats,
  blocks: Blocks,
  exemptions: readonly Exemption[] | undefined,
  why: boolean,
  hasAnyRecord: boolean,
  since: IsoDay,
): StudentVerdict | null {
  const { config, plans } = ctx;
  const { row, student } = member;
  let findings: Finding[] | null = null;
  // Sentences are only written for students being explained; everyone else shares one empty list.
  const lines: RuleOutcome[] = why ? [] : NO_LINES;
  let warnings: DataWarning[] | null = null;
  const minKnown = config.coverage.minKnownSources;

  // No engagement: silence on every known source; a count seen anywhere, even on partly covered days, is engagement.
  const ne = config.noEngagement;
  let noEngagementFired = false;
  const neBlock = blockFor(ctx, blocks, 'no_engagement', plans.noEngagement, exemptions, student.startDay);
  if (neBlock !== null) {
    if (why) lines.push({ rule: 'no_engagement', outcome: 'not_judged', sentence: neBlock });
  } else {
    let seen = 0;
    for (let s = 0; s < SOURCE_COUNT; s++) seen += sumAt(ctx, row, s, plans.noEngagement);
    const known = plans.noEngagement.usableCount;
    if (seen > 0) {
      if (why)
        lines.push({
          rule: 'no_engagement',
          outcome: 'not_fired',
          sentence: `${plural(seen, 'occurrence')} in the last ${ne.days} term days.`,
        });
    } else if (known >= minKnown) {
      noEngagementFired = true;
      const sentence = hasAnyRecord
        ? `No activity recorded on any of the ${plural(known, 'source')} with complete data in the last ${ne.days} term days.`
        : `No activity recorded at all in the data we hold${since > '0000-01-01' ? ` since ${since}` : ''}; all ${plural(known, 'source')} with complete data show none over the last ${ne.days} term days.`;
      findings = found(findings, lines, why, {
        rule: 'no_engagement',
        severity: ne.severity,
        sentence,
        facts: { days: ne.days, knownSources: known, anyRecord: hasAnyRecord ? 'yes' : 'no' },
      });
    } else {
      const sentence = `only ${plural(known, 'source')} ${known === 1 ? 'has' : 'have'} complete data for the last ${ne.days} term days and ${known === 1 ? 'it shows' : 'they show'} no activity; ${minKnown} are needed before anyone is flagged.`;
      if (why) lines.push({ rule: 'no_engagement', outcome: 'not_judged', sentence });
      if (known > 0) {
        (warnings ??= []).push({
          scope: 'student',
          code: 'not_enough_data',
          studentId: student.id,
          source: null,
          cohort: null,
          message: `No activity seen, but ${sentence} Not flagged until more data arrives.`,
        });
      }
    }
  }

  // Low engagement: below the cohort's bottom tail AND below an absolute floor, so an engaged cohort has no forced tail.
  const low = config.lowEngagement;
  const lowBlock = blockFor(ctx, blocks, 'low_engagement', plans.low, exemptions, student.startDay);
  if (lowBlock !== null) {
    if (why) lines.push({ rule: 'low_engagement', outcome: 'not_judged', sentence: lowBlock });
  } else {
    const total = knownTotal(ctx, row, plans.low);
    if (total < cohort.lowPercentile && total < low.absoluteFloor) {
      findings = found(findings, lines, why, {
        rule: 'low_engagement',
        severity: low.severity,
        sentence: `${plural(total, 'occurrence')} across the known sources over the last ${low.days} term days: fewer than ${100 - low.cohortPercentile}% of their cohort (cohort median ${roundForDisplay(cohort.lowMedian)}) and under the department's floor of ${low.absoluteFloor}.`,
        facts: {
          days: low.days,
          total,
          cohortPercentile: roundForDisplay(cohort.lowPercentile),
          cohortMedian: roundForDisplay(cohort.lowMedian),
          floor: low.absoluteFloor,
        },
      });
    } else if (why) {
      lines.push({
        rule: 'low_engagement',
        outcome: 'not_fired',
        sentence: `${plural(total, 'occurrence')} over the last ${low.days} term days; it fires below both the cohort's ${low.cohortPercentile}th percentile (${roundForDisplay(cohort.lowPercentile)}) and the floor of ${low.absoluteFloor}.`,
      });
    }
  }

  // Sharp drop: the recent rate against the student's own earlier rate, only when that earlier rate means something.
  const drop = config.sharpDrop;
  const dropBlock = blockFor(ctx, blocks, 'sharp_drop', plans.dropWhole, exemptions, student.startDay);
  if (dropBlock !== null) {
    if (why) lines.push({ rule: 'sharp_drop', outcome: 'not_judged', sentence: dropBlock });
  } else {
    let recent = 0;
    let base = 0;
    let sources = 0;
    for (let s = 0; s < SOURCE_COUNT; s++) {
      if (!plans.dropWhole.usable[s] || !plans.dropRecent.usable[s]) continue;
      sources++;
      const r = sumAt(ctx, row, s, plans.dropRecent);
      recent += r;
      base += sumAt(ctx, row, s, plans.dropWhole) - r;
    }
    const basePerWeek = (base * 7) / drop.baselineDays;
    const recentPerWeek = (recent * 7) / drop.recentDays;
    if (sources < minKnown) {
      if (why)
        lines.push({
          rule: 'sharp_drop',
          outcome: 'not_judged',
          sentence: `only ${plural(sources, 'source')} known over both periods; ${minKnown} are needed.`,
        });
    } else if (basePerWeek < drop.minBaselinePerWeek) {
      if (why)
        lines.push({
          rule: 'sharp_drop',
          outcome: 'not_fired',
          sentence: `their usual level (${roundForDisplay(basePerWeek)} a week) is below ${drop.minBaselinePerWeek} a week, too low to measure a drop against.`,
        });
    } else if (recentPerWeek <= drop.ratio * basePerWeek) {
      findings = found(findings, lines, why, {
        rule: 'sharp_drop',
        severity: drop.severity,
        sentence: `${plural(recent, 'occurrence')} in the last ${drop.recentDays} term days, well below their own usual level of about ${roundForDisplay(basePerWeek)} a week over the ${drop.baselineDays} term days before.`,
        facts: {
          recentDays: drop.recentDays,
          recent,
          baselineDays: drop.baselineDays,
          baselinePerWeek: roundForDisplay(basePerWeek),
          ratio: drop.ratio,
        },
      });
    } else if (why) {
      lines.push({
        rule: 'sharp_drop',
        outcome: 'not_fired',
        sentence: `${roundForDisplay(recentPerWeek)} a week recently against ${roundForDisplay(basePerWeek)} a week before; it fires at ${Math.round(drop.ratio * 100)}% or less.`,
      });
    }
  }

  // Silent source: one known source at zero while the cohort's median there is high; implied by no engagement.
  const silent = config.silentSource;
  const silentBlock = noEngagementFired
    ? 'covered by the no-engagement rule.'
    : blockFor(ctx, blocks, 'silent_source', plans.silent, exemptions, student.startDay);
  if (silentBlock !== null) {
    if (why) lines.push({ rule: 'silent_source', outcome: 'not_judged', sentence: silentBlock });
  } else {
    const medians = cohort.medians.get(silent.days);
    let quiet: number[] | null = null;
    for (let s = 0; s < SOURCE_COUNT; s++) {
      const m = medians?.[s] ?? Number.NaN;
      if (!plans.silent.usable[s] || Number.isNaN(m) || m <= 0 || m < silent.minCohortMedian) continue;
      if (sumAt(ctx, row, s, plans.silent) === 0) (quiet ??= []).push(s);
    }
    if (quiet !== null) {
      const named = quiet.map((s) => `${labelOf(s)} (cohort median ${roundForDisplay(medians?.[s] ?? 0)})`).join(' or ');
      findings = found(findings, lines, why, {
        rule: 'silent_source',
        severity: silent.severity,
        sentence: `No ${named} in the last ${silent.days} term days, while most of their cohort has some.`,
        facts: { days: silent.days, sources: quiet.map((s) => SOURCES[s] as Source).join(','), minCohortMedian: silent.minCohortMedian },
      });
    } else if (why) {
      lines.push({
        rule: 'silent_source',
        outcome: 'not_fired',
        sentence: `no known source is at zero where the cohort median reaches ${silent.minCohortMedian} over ${silent.days} term days.`,
      });
    }
  }
  if (findings === null && warnings === null && !why) return null;
  return { findings: findings ?? [], lines, warnings: warnings ?? [] };
}

function toFlag(studentId: string, findings: Finding[], explanation: Explanation): Flag {
  const ordered = [...findings].sort(
    (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || RULE_ORDER[a.rule] - RULE_ORDER[b.rule],
  );
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

function findActiveExemption(exemptions: readonly Exemption[] | undefined, today: IsoDay): Exemption | null {
  if (!exemptions) return null;
  let found: Exemption | null = null;
  for (const e of exemptions) {
    if (e.from <= today && (e.until === null || e.until >= today) && (found === null || e.reason < found.reason)) found = e;
  }
  return found;
}

const byStudentId = <T extends { studentId: string | null }>(a: T, b: T): number =>
  (a.studentId ?? '') < (b.studentId ?? '') ? -1 : (a.studentId ?? '') > (b.studentId ?? '') ? 1 : 0;

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
  type Cohort = { programme: string; year: number; members: Member[] };
  const cohorts = new Map<string, Map<number, Cohort>>();
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
    let byYear = cohorts.get(student.programme);
    if (!byYear) cohorts.set(student.programme, (byYear = new Map()));
    let cohort = byYear.get(student.year);
    if (!cohort) byYear.set(student.year, (cohort = { programme: student.programme, year: student.year, members: [] }));
    cohort.members.push({ student, row: ctx.activity.rows.get(student.id) ?? -1 });
  }

  const flags: Flag[] = [];
  const warnings = departmentWarnings(ctx);
  const studentWarnings: DataWarning[] = [];
  const decisions: Decision[] = [];
  let monitored = 0;
  const ordered = [...cohorts.values()]
    .flatMap((byYear) => [...byYear.values()])
    .sort((a, b) => (a.programme < b.programme ? -1 : a.programme > b.programme ? 1 : a.year - b.year));
  for (const { programme, year, members } of ordered) {
    const stats = buildCohortStats(ctx, members, programme, year);
    const blocks = cohortBlocks(ctx, stats);
    warnings.push(...cohortWarnings(ctx, stats, members));
    monitored += members.length;
    for (const member of members) {
      const id = member.student.id;
      const why = input.explain?.has(id) ?? false;
      let hasAnyRecord = false;
      for (let s = 0; s < SOURCE_COUNT && member.row >= 0 && !hasAnyRecord; s++)
        hasAnyRecord = ctx.activity.lastActive[member.row * SOURCE_COUNT + s] != null;
      const verdict = judgeStudent(ctx, member, stats, blocks, exemptionsByStudent.get(id), why, hasAnyRecord, since);
      if (verdict === null) continue;
      studentWarnings.push(...verdict.warnings);
      const flag = verdict.findings.length > 0 ? toFlag(id, verdict.findings, buildExplanation(ctx, member.row, stats)) : null;
      if (flag) flags.push(flag);
      if (why) {
        decisions.push({
          studentId: id,
          flag,
          exempt: null,
          rules: verdict.lines,
          warnings: verdict.warnings,
          explanation: flag?.explanation ?? buildExplanation(ctx, member.row, stats),
        });
      }
    }
  }
  for (const e of exempt) {
    if (input.explain?.has(e.studentId))
      decisions.push({ studentId: e.studentId, flag: null, exempt: e.why, rules: [], warnings: [], explanation: null });
  }
  flags.sort(byStudentId);
  studentWarnings.sort(byStudentId);
  exempt.sort(byStudentId);
  decisions.sort(byStudentId);
  return { flags, warnings: [...warnings, ...studentWarnings], exempt, monitored, decisions };
}
