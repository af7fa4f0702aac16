import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { SEVERITY_RANK, type IsoDay } from '../../shared/domain';
import { addDays } from '../../shared/calendar';
import { evaluateRules } from '../../shared/rules/evaluate';
import { DEFAULT_RULES_CONFIG, type Flag } from '../../shared/rules/types';
import type { Db } from '../store/database';
import { listDepartments } from '../store/department.repository';
import { listStudents, type Student } from '../store/student.repository';
import { listStaffWithRole } from '../store/staff.repository';
import { loadDepartmentCounts } from '../store/activity.repository';
import { loadCoverage } from '../store/import.repository';
import { listDepartmentExemptions, listTerms } from '../store/calendar.repository';
import { appendCaseEvent, findOpenCases, insertCase, updateCaseAssessment, type Case } from '../store/case.repository';
import { enqueueDelivery } from '../store/outbox.repository';
import { recordEvaluation } from '../store/evaluation.repository';

/** How far back counts are loaded: 21 term days plus room for a vacation inside the window. */
const LOOKBACK_DAYS = 70;

export interface EvaluationSummary {
  departmentId: string;
  today: IsoDay;
  flagged: number;
  opened: number;
  escalated: number;
  unchanged: number;
  exempt: number;
  digestsQueued: number;
  warnings: string[];
}

export interface EvaluateDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
}

/** The key that makes a digest idempotent: the same staff member and the same set of new alerts. */
function digestKey(staffId: string, alerts: ReadonlyArray<{ caseId: string; severity: string }>): string {
  const fingerprint = createHash('sha256')
    .update(alerts.map((a) => `${a.caseId}:${a.severity}`).sort().join(','))
    .digest('hex')
    .slice(0, 24);
  return `digest:${staffId}:${fingerprint}`;
}

/**
 * Runs the rules for one department and turns flags into cases: a new flag opens a case, a more
 * severe flag raises it, the same severity changes nothing that a tutor would be told about. Each new
 * or raised case queues one digest per responsible tutor. Re-running gives the same state.
 */
export async function evaluateDepartment(deps: EvaluateDeps, departmentId: string, today: IsoDay): Promise<EvaluationSummary> {
  const { db } = deps;
  const [students, counts, coverage, terms, exemptions] = await Promise.all([
    listStudents(db, departmentId),
    loadDepartmentCounts(db, departmentId, addDays(today, -LOOKBACK_DAYS), addDays(today, -1)),
    loadCoverage(db, addDays(today, -LOOKBACK_DAYS), addDays(today, -1)),
    listTerms(db),
    listDepartmentExemptions(db, departmentId),
  ]);
  const result = evaluateRules({ students, counts, coverage, terms, exemptions, config: DEFAULT_RULES_CONFIG, today });
  const byId = new Map(students.map((s) => [s.id, s]));
  const at = deps.now().toISOString();
  const summary: EvaluationSummary = {
    departmentId,
    today,
    flagged: result.flags.length,
    opened: 0,
    escalated: 0,
    unchanged: 0,
    exempt: result.exempt.length,
    digestsQueued: 0,
    warnings: result.warnings.map((w) => w.message),
  };

  await db.transaction().execute(async (trx) => {
    const open = new Map((await findOpenCases(trx, departmentId)).map((c) => [c.studentId, c]));
    const alerts: Array<{ case: Case; student: Student }> = [];
    for (const flag of result.flags) {
      const student = byId.get(flag.studentId);
      if (!student) continue;
      const existing = open.get(flag.studentId);
      const assessment = { severity: flag.severity, rules: flag.rules, reason: flag.reason, explanation: flag.explanation, updatedAt: at };
      if (!existing) {
        const opened = await insertCase(trx, { ...assessment, studentId: flag.studentId, departmentId, status: 'open', ownerId: null, outcome: null, openedAt: at, closedAt: null });
        await appendCaseEvent(trx, { caseId: opened.id, at, kind: 'flagged', actorKind: 'system', actorId: null, note: flag.reason, data: flagData(flag) });
        alerts.push({ case: opened, student });
        summary.opened++;
      } else if (SEVERITY_RANK[flag.severity] > SEVERITY_RANK[existing.severity]) {
        await updateCaseAssessment(trx, existing.id, assessment);
        await appendCaseEvent(trx, { caseId: existing.id, at, kind: 'severity_raised', actorKind: 'system', actorId: null, note: flag.reason, data: { ...flagData(flag), from: existing.severity } });
        alerts.push({ case: { ...existing, ...assessment }, student });
        summary.escalated++;
      } else {
        // Fresh figures for whoever opens the case, without a new alert.
        await updateCaseAssessment(trx, existing.id, { ...assessment, severity: existing.severity });
        summary.unchanged++;
      }
    }

    const fallback = (await listStaffWithRole(trx, departmentId, 'director_of_studies'))[0]?.id ?? null;
    const byRecipient = new Map<string, Array<{ case: Case; student: Student }>>();
    for (const alert of alerts) {
      const recipient = alert.student.tutorId ?? fallback;
      if (!recipient) continue;
      byRecipient.set(recipient, [...(byRecipient.get(recipient) ?? []), alert]);
    }
    for (const [staffId, items] of byRecipient) {
      const caseIds = items.map((i) => i.case.id);
      const queued = await enqueueDelivery(
        trx,
        { idempotencyKey: digestKey(staffId, items.map((i) => ({ caseId: i.case.id, severity: i.case.severity }))), kind: 'digest', recipientStaffId: staffId, payload: { caseIds } },
        at,
      );
      if (!queued) continue;
      summary.digestsQueued++;
      for (const id of caseIds) {
        await appendCaseEvent(trx, { caseId: id, at, kind: 'alert_queued', actorKind: 'system', actorId: null, note: null, data: { recipientStaffId: staffId } });
      }
    }
    await recordEvaluation(trx, { departmentId, today, evaluatedAt: at, flags: result.flags.length, warnings: summary.warnings });
  });
  deps.logger.info({ evaluation: summary }, 'evaluation finished');
  return summary;
}

function flagData(flag: Flag): Record<string, unknown> {
  return { severity: flag.severity, rules: flag.rules };
}

/** Evaluates every department, one after another. */
export async function evaluateAll(deps: EvaluateDeps, today: IsoDay): Promise<EvaluationSummary[]> {
  const out: EvaluationSummary[] = [];
  for (const department of await listDepartments(deps.db)) out.push(await evaluateDepartment(deps, department.id, today));
  return out;
}
