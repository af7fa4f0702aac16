import { OutcomeSchema, OUTCOMES, type Outcome } from '../../shared/api/case-actions';
import type { Overview } from '../../shared/api/overview';
import { addDays } from '../../shared/calendar';
import type { IsoDay } from '../../shared/domain';
import type { Db } from '../store/database';
import type { Staff } from '../store/staff.repository';
import { countOpenCasesByCohort, listCasesWithFirstStaffAction } from '../store/case.repository';
import { listDailyEvaluations } from '../store/evaluation.repository';
import { writeAudit } from '../store/audit.repository';
import { forbidden } from '../errors';
import { seesWholeDepartment } from './viewer';

/** The outcome a tutor records when the flag was wrong ("Not a concern (incorrectly flagged)"). */
const INCORRECTLY_FLAGGED: Outcome = 'not_a_concern';

/** The overview looks back over roughly an academic year. */
const LOOKBACK_DAYS = 365;

function percentileOf(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? null;
}

/**
 * Department-level figures for those who see the whole department: flagged over time, open cases by
 * cohort, outcomes, time to first contact and how often each rule was marked "incorrectly flagged".
 * Aggregates only; no student is named.
 */
export async function describeOverview(db: Db, viewer: Staff, today: IsoDay, now: string): Promise<Overview> {
  if (!seesWholeDepartment(viewer))
    throw forbidden('The overview is for directors of studies, student experience officers and department administrators.');
  const since = addDays(today, -LOOKBACK_DAYS);
  const [evaluations, byCohort, cases] = await Promise.all([
    listDailyEvaluations(db, viewer.departmentId, since),
    countOpenCasesByCohort(db, viewer.departmentId),
    listCasesWithFirstStaffAction(db, viewer.departmentId, `${since}T00:00:00.000Z`),
  ]);
  const outcomes = new Map<Outcome, number>();
  const rules = new Map<string, { closed: number; incorrectlyFlagged: number }>();
  const hours: number[] = [];
  let waiting = 0;
  for (const c of cases) {
    const outcome = OutcomeSchema.safeParse(c.outcome);
    if (outcome.success) outcomes.set(outcome.data, (outcomes.get(outcome.data) ?? 0) + 1);
    if (c.status === 'closed') {
      for (const rule of c.rules) {
        const r = rules.get(rule) ?? { closed: 0, incorrectlyFlagged: 0 };
        r.closed++;
        if (c.outcome === INCORRECTLY_FLAGGED) r.incorrectlyFlagged++;
        rules.set(rule, r);
      }
    }
    if (c.firstStaffAt) hours.push((Date.parse(c.firstStaffAt) - Date.parse(c.openedAt)) / 3_600_000);
    else if (c.status !== 'closed') waiting++;
  }
  hours.sort((a, b) => a - b);
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  await writeAudit(db, { actorId: viewer.id, action: 'viewed_overview', subjectKind: 'department', subjectId: viewer.departmentId }, now);
  return {
    flaggedOverTime: evaluations.map((e) => ({ day: e.day, flagged: e.flags })),
    openByCohort: byCohort,
    outcomes: OUTCOMES.map((o) => ({ outcome: o, cases: outcomes.get(o) ?? 0 })),
    firstContact: { cases: hours.length, medianHours: round(percentileOf(hours, 0.5)), p90Hours: round(percentileOf(hours, 0.9)), waiting },
    ruleQuality: [...rules].map(([rule, r]) => ({ rule, ...r })).sort((a, b) => a.rule.localeCompare(b.rule)),
  };
}
