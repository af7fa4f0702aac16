import type { Logger } from 'pino';
import { SEVERITY_RANK, type IsoDay } from '../../shared/domain';
import { addDays, daysBetween, isTermDay, lastTermDays, type Term } from '../../shared/calendar';
import { evaluateRules } from '../../shared/rules/evaluate';
import { parseRulesConfig, requiredWindows, RulesConfigError, type RulesConfig } from '../../shared/rules/config';
import type { DataWarning, Decision, Flag, RulesResult } from '../../shared/rules/types';
import { AppError } from '../errors';
import type { CaseEventKind } from '../../shared/cases';
import type { Db } from '../store/database';
import { listDepartments } from '../store/department.repository';
import { listStudentsForRules, type Student } from '../store/student.repository';

type EvaluatedStudent = Pick<Student, 'id' | 'programme' | 'year' | 'status' | 'tutorId' | 'startDay'>;
import { listStaffWithRole } from '../store/staff.repository';
import { summariseDepartmentActivity } from '../store/activity.repository';
import { loadCoverage } from '../store/import.repository';
import { listDepartmentExemptions } from '../store/exemption.repository';
import { listTerms } from '../store/calendar.repository';
import { appendCaseEvents, type CaseEvent } from '../store/case-event.repository';
import {
  changeCaseStatus,
  findOpenCasesForEvaluation,
  findRecentlyClosedCases,
  insertCases,
  setCaseRecovery,
  updateCaseAssessment,
  type Case,
} from '../store/case.repository';
import { queueDailyDigests } from '../store/digest-queue.repository';
import { DEFAULT_SEND_SCHEDULE, nextDigestTime, type SendSchedule } from '../../shared/send-schedule';
import { recordEvaluation } from '../store/evaluation.repository';
import { findRuleConfig } from '../store/rule-config.repository';

/** How far back "days since last activity" looks: enough for the longest window and a vacation, bounded so the load stays cheap. */
const LOOKBACK_DAYS = 70;
/** Warnings that mean no one's recovery can be judged today: silence from the data is not a recovery. */
const BLIND_WARNINGS = new Set(['too_few_sources', 'window_not_ready']);

export interface EvaluationSummary {
  departmentId: string;
  today: IsoDay;
  monitored: number;
  flagged: number;
  opened: number;
  escalated: number;
  unchanged: number;
  /** Flags held back because the student's last case closed within the cool-down. */
  coolingDown: number;
  recovered: number;
  relapsed: number;
  closed: number;
  exempt: number;
  /** Digests created or given new alerts: each goes once, at the next working day's digest time. */
  digestsQueued: number;
  warnings: string[];
  /** Decisions for the students asked about in `explain`, in words and figures. */
  decisions: Decision[];
  /** Every flag with its reasons, for `--json`. */
  flags: Flag[];
  /** Where the time went, in milliseconds: loading (summing in the database), the pure rules, writing cases. */
  timings: { loadMs: number; rulesMs: number; persistMs: number };
}

export interface EvaluateDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  /** When digests go (DIGEST_TIME in TIME_ZONE on working days); the defaults when unset. */
  schedule?: SendSchedule;
}

/** Reads a department's rule settings; a stored configuration that no longer validates stops its evaluation with a clear error. */
export async function loadRulesConfig(db: Db, departmentId: string): Promise<RulesConfig> {
  const stored = await findRuleConfig(db, departmentId);
  try {
    return parseRulesConfig(stored?.overrides);
  } catch (error) {
    if (error instanceof RulesConfigError)
      throw new AppError(
        500,
        'bad_rule_config',
        `The rule configuration of department ${departmentId} is not valid: ${error.problems.join('; ')}`,
        { problems: error.problems },
      );
    throw error;
  }
}

/** Department and cohort warnings verbatim; per-student ones as one count, so thirty thousand of them stay readable. */
function summariseWarnings(warnings: readonly DataWarning[]): string[] {
  const shared = warnings.filter((w) => w.scope !== 'student').map((w) => w.message);
  const students = warnings.filter((w) => w.scope === 'student').length;
  if (students > 0)
    shared.push(
      `${students} student${students === 1 ? '' : 's'} showed no activity on the sources with data, but too few sources had complete data to flag them; they will be judged once more data arrives.`,
    );
  return shared;
}

const sameRules = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((r, i) => r === b[i]);

/** Runs the pure rules for one department over data summed by the database. */
export async function assessDepartment(
  db: Db,
  departmentId: string,
  today: IsoDay,
  explain: readonly string[] = [],
  /** Settings to try instead of the department's own (the tab's live preview); nothing is stored. */
  proposed?: RulesConfig,
): Promise<{ result: RulesResult; students: EvaluatedStudent[]; config: RulesConfig; terms: Term[]; loadMs: number; rulesMs: number }> {
  const started = performance.now();
  const [config, terms] = await Promise.all([proposed ?? loadRulesConfig(db, departmentId), listTerms(db)]);
  const windows = requiredWindows(config);
  const termDays = lastTermDays(today, windows[windows.length - 1] ?? 21, terms);
  const lookback = addDays(today, -LOOKBACK_DAYS);
  const since = termDays[0] !== undefined && termDays[0] < lookback ? termDays[0] : lookback;
  const [students, activity, coverage, exemptions] = await Promise.all([
    listStudentsForRules(db, departmentId),
    summariseDepartmentActivity(db, departmentId, { termDays, windows, since, today }),
    loadCoverage(db, termDays[0] ?? today, addDays(today, -1), departmentId),
    listDepartmentExemptions(db, departmentId),
  ]);
  const loaded = performance.now();
  const result = evaluateRules({ students, activity, coverage, terms, exemptions, config, today, explain: new Set(explain) });
  return { result, students, config, terms, loadMs: loaded - started, rulesMs: performance.now() - loaded };
}

/**
 * Runs the rules for one department and keeps one case per student in step with them: a new flag
 * opens a case (unless the student's last case closed within the cool-down and the flag is no more
 * severe), a more severe flag raises it, the same severity tells no one anything new; a student no
 * longer flagged has their recovery noted, and the case closes itself once recovery has held long
 * enough (if nobody has taken it up). Every change is a case event; each new or raised case goes on
 * its tutor's one digest for the next working day's digest time. Re-running gives the same state.
 */
export async function evaluateDepartment(
  deps: EvaluateDeps,
  departmentId: string,
  today: IsoDay,
  opts: { explain?: readonly string[] } = {},
): Promise<EvaluationSummary> {
  const { db } = deps;
  const { result, students, config, terms, loadMs, rulesMs } = await assessDepartment(db, departmentId, today, opts.explain);
  // Outside term the cases still follow the rules (the tab shows them) but nobody is alerted.
  const inTerm = isTermDay(today, terms);
  const persistStarted = performance.now();
  const byId = new Map(students.map((s) => [s.id, s]));
  const at = deps.now().toISOString();
  const summary: EvaluationSummary = {
    departmentId,
    today,
    monitored: result.monitored,
    flagged: result.flags.length,
    opened: 0,
    escalated: 0,
    unchanged: 0,
    coolingDown: 0,
    recovered: 0,
    relapsed: 0,
    closed: 0,
    exempt: result.exempt.length,
    digestsQueued: 0,
    warnings: [
      ...(inTerm
        ? []
        : [`${today} is not a term day in the calendar: cases are kept up to date, but no alerts are sent until term resumes.`]),
      ...summariseWarnings(result.warnings),
    ],
    decisions: result.decisions,
    flags: result.flags,
    timings: { loadMs: Math.round(loadMs), rulesMs: Math.round(rulesMs), persistMs: 0 },
  };
  const flagged = new Set(result.flags.map((f) => f.studentId));
  const exempt = new Set(result.exempt.map((e) => e.studentId));
  const unjudged = new Set(result.warnings.filter((w) => w.scope === 'student' && w.studentId !== null).map((w) => w.studentId as string));
  const blind = result.warnings.some((w) => BLIND_WARNINGS.has(w.code));
  const coolDownSince = new Date(Date.parse(at) - config.cases.coolDownDays * 86_400_000).toISOString();

  await db.transaction().execute(async (trx) => {
    const open = new Map((await findOpenCasesForEvaluation(trx, departmentId)).map((c) => [c.studentId, c]));
    const recentlyClosed =
      config.cases.coolDownDays > 0 ? await findRecentlyClosedCases(trx, departmentId, coolDownSince) : new Map<string, Case>();
    const events: Array<Omit<CaseEvent, 'id'>> = [];
    const event = (caseId: string, kind: CaseEventKind, note: string | null, data: Record<string, unknown>) =>
      events.push({ caseId, at, kind, actorKind: 'system', actorId: null, note, data });
    const alerts: Array<{ caseId: string; student: EvaluatedStudent }> = [];
    const toOpen: Array<{ flag: Flag; student: EvaluatedStudent }> = [];

    for (const flag of result.flags) {
      const student = byId.get(flag.studentId);
      if (!student) continue;
      const existing = open.get(flag.studentId);
      const assessment = { severity: flag.severity, rules: flag.rules, reason: flag.reason, explanation: flag.explanation, updatedAt: at };
      if (!existing) {
        const last = recentlyClosed.get(flag.studentId);
        if (last && SEVERITY_RANK[flag.severity] <= SEVERITY_RANK[last.severity]) {
          summary.coolingDown++;
          continue;
        }
        toOpen.push({ flag, student });
        continue;
      }
      if (existing.recoveredOn) {
        await setCaseRecovery(trx, existing.id, null, at);
        event(existing.id, 'relapsed', flag.reason, { severity: flag.severity, rules: flag.rules, recoveredOn: existing.recoveredOn });
        summary.relapsed++;
      }
      if (SEVERITY_RANK[flag.severity] > SEVERITY_RANK[existing.severity]) {
        await updateCaseAssessment(trx, existing.id, assessment);
        event(existing.id, 'severity_raised', flag.reason, { ...flagData(flag), from: existing.severity });
        alerts.push({ caseId: existing.id, student });
        summary.escalated++;
        continue;
      }
      summary.unchanged++;
      if (!sameRules(existing.rules, flag.rules))
        event(existing.id, 'reassessed', flag.reason, { ...flagData(flag), previousRules: existing.rules });
      // Fresh figures for whoever opens the case, without a new alert; the case keeps its highest severity.
      if (
        existing.reason !== flag.reason ||
        existing.explanationJson !== JSON.stringify(flag.explanation) ||
        !sameRules(existing.rules, flag.rules)
      ) {
        await updateCaseAssessment(trx, existing.id, { ...assessment, severity: existing.severity });
      }
    }

    const opened = await insertCases(
      trx,
      toOpen.map(({ flag }) => ({
        studentId: flag.studentId,
        departmentId,
        severity: flag.severity,
        status: 'open',
        rules: flag.rules,
        reason: flag.reason,
        explanation: flag.explanation,
        ownerId: null,
        outcome: null,
        openedAt: at,
        updatedAt: at,
        closedAt: null,
        recoveredOn: null,
      })),
    );
    opened.forEach((c, i) => {
      const { flag, student } = toOpen[i]!;
      event(c.id, 'flagged', flag.reason, { ...flagData(flag), findings: flag.findings.map((f) => ({ rule: f.rule, facts: f.facts })) });
      alerts.push({ caseId: c.id, student });
    });
    summary.opened = opened.length;

    // Recovery: judged today, not flagged, not exempt, and the data was good enough to tell.
    if (!blind) {
      for (const existing of open.values()) {
        const id = existing.studentId;
        if (flagged.has(id) || exempt.has(id) || unjudged.has(id) || !byId.has(id)) continue;
        let recoveredOn = existing.recoveredOn ?? null;
        if (recoveredOn === null) {
          recoveredOn = today;
          await setCaseRecovery(trx, existing.id, today, at);
          event(existing.id, 'recovered', 'No rule flags this student any more; engagement looks back to their usual level.', {
            on: today,
          });
          summary.recovered++;
        }
        const after = config.cases.closeAfterRecoveryDays;
        // Only a case nobody has taken up closes itself: a tutor mid-conversation decides when theirs is done.
        if (
          after !== null &&
          existing.status === 'open' &&
          daysBetween(recoveredOn, today) >= after &&
          (await changeCaseStatus(trx, existing.id, ['open'], { status: 'closed', outcome: 'recovered', closedAt: at, updatedAt: at }))
        ) {
          event(existing.id, 'closed', `Closed automatically: no rule has flagged the student since ${recoveredOn}.`, {
            outcome: 'recovered',
            recoveredOn,
          });
          summary.closed++;
        }
      }
    }

    const fallback = (await listStaffWithRole(trx, departmentId, 'director_of_studies'))[0]?.id ?? null;
    const byRecipient = new Map<string, string[]>();
    for (const alert of inTerm ? alerts : []) {
      const recipient = alert.student.tutorId ?? fallback;
      if (!recipient) continue;
      const caseIds = byRecipient.get(recipient);
      if (caseIds) caseIds.push(alert.caseId);
      else byRecipient.set(recipient, [alert.caseId]);
    }
    const send = nextDigestTime(new Date(at), deps.schedule ?? DEFAULT_SEND_SCHEDULE);
    const queued = await queueDailyDigests(
      trx,
      [...byRecipient].map(([staffId, caseIds]) => ({ staffId, caseIds })),
      { day: send.day, at: send.at.toISOString() },
      at,
    );
    for (const digest of queued) {
      summary.digestsQueued++;
      for (const id of digest.caseIds) event(id, 'alert_queued', null, { recipientStaffId: digest.staffId, sendAt: send.at.toISOString() });
    }
    await appendCaseEvents(trx, events);
    await recordEvaluation(trx, { departmentId, today, evaluatedAt: at, flags: result.flags.length, warnings: summary.warnings });
  });
  summary.timings.persistMs = Math.round(performance.now() - persistStarted);
  const { decisions: _decisions, flags: _flags, ...logged } = summary;
  deps.logger.info({ evaluation: logged }, 'evaluation finished');
  return summary;
}

function flagData(flag: Flag): Record<string, unknown> {
  return { severity: flag.severity, rules: flag.rules };
}

/** Evaluates every department, one after another. */
export async function evaluateAll(
  deps: EvaluateDeps,
  today: IsoDay,
  opts: { explain?: readonly string[] } = {},
): Promise<EvaluationSummary[]> {
  const out: EvaluationSummary[] = [];
  for (const department of await listDepartments(deps.db)) out.push(await evaluateDepartment(deps, department.id, today, opts));
  return out;
}
