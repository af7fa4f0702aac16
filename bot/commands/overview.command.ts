import { OutcomeSchema, OUTCOMES, type Outcome } from '../../shared/api/case-actions';
import { FIRST_CONTACT_BANDS, type Overview } from '../../shared/api/overview';
import { CASE_OUTCOMES, type CaseOutcome } from '../../shared/cases';
import { addDays, daysBetween } from '../../shared/calendar';
import type { IsoDay } from '../../shared/domain';
import type { Db } from '../store/database';
import type { Staff } from '../store/staff.repository';
import { countOpenCasesByCohort, listCaseSpans, listCasesWithFirstStaffAction } from '../store/case.repository';
import { writeAudit } from '../store/audit.repository';
import { forbidden } from '../errors';
import { seesWholeDepartment } from './viewer';

/** The outcome a tutor records when the flag was wrong ("Not a concern (incorrectly flagged)"). */
const INCORRECTLY_FLAGGED: Outcome = 'not_a_concern';

/** The overview looks back over roughly an academic year. */
const LOOKBACK_DAYS = 365;

function percentileOf(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
}

/**
 * Per day from the first case opened in the period (or still open at its start) to today: cases open
 * at the end of the day, opened that day and closed that day. Days are UTC calendar days of the stored instants.
 */
export function flaggedPerDay(
  spans: ReadonlyArray<{ openedAt: string; closedAt: string | null }>,
  since: IsoDay,
  today: IsoDay,
): Overview['flaggedOverTime'] {
  if (spans.length === 0) return [];
  const firstOpened = spans.reduce((min, s) => (s.openedAt.slice(0, 10) < min ? s.openedAt.slice(0, 10) : min), today);
  const first = firstOpened < since ? since : firstOpened;
  const length = daysBetween(first, today) + 1;
  if (length <= 0) return [];
  const change = new Array<number>(length + 1).fill(0);
  const opened = new Array<number>(length).fill(0);
  const closed = new Array<number>(length).fill(0);
  const index = (day: IsoDay) => Math.max(0, Math.min(length, daysBetween(first, day)));
  for (const s of spans) {
    const openDay = s.openedAt.slice(0, 10);
    const o = index(openDay);
    change[o]!++;
    if (openDay >= first && o < length) opened[o]!++;
    if (s.closedAt) {
      const closeDay = s.closedAt.slice(0, 10);
      const c = index(closeDay);
      change[c]!--;
      if (closeDay >= first && c < length) closed[c]!++;
    }
  }
  const out: Overview['flaggedOverTime'] = [];
  let open = 0;
  for (let i = 0; i < length; i++) {
    open += change[i]!;
    out.push({ day: addDays(first, i), flagged: open, opened: opened[i]!, closed: closed[i]! });
  }
  return out;
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
  const [spans, byCohort, cases] = await Promise.all([
    listCaseSpans(db, viewer.departmentId, `${since}T00:00:00.000Z`, `${addDays(today, 1)}T00:00:00.000Z`),
    countOpenCasesByCohort(db, viewer.departmentId),
    listCasesWithFirstStaffAction(db, viewer.departmentId, `${since}T00:00:00.000Z`),
  ]);
  const outcomes = new Map<Outcome, number>();
  const rules = new Map<string, { closed: number; incorrectlyFlagged: number }>();
  const byRule = new Map<string, { noOutcomeYet: number; outcomes: Map<CaseOutcome, number> }>();
  const hours: number[] = [];
  let waiting = 0;
  for (const c of cases) {
    const outcome = OutcomeSchema.safeParse(c.outcome);
    if (outcome.success) outcomes.set(outcome.data, (outcomes.get(outcome.data) ?? 0) + 1);
    for (const rule of c.rules) {
      const r = byRule.get(rule) ?? { noOutcomeYet: 0, outcomes: new Map<CaseOutcome, number>() };
      if (c.outcome) r.outcomes.set(c.outcome, (r.outcomes.get(c.outcome) ?? 0) + 1);
      else r.noOutcomeYet++;
      byRule.set(rule, r);
    }
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
  const bands = FIRST_CONTACT_BANDS.map(() => 0);
  for (const h of hours) {
    const band = FIRST_CONTACT_BANDS.findIndex((b) => b.upToHours === null || h <= b.upToHours);
    bands[band]!++;
  }
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  await writeAudit(db, { actorId: viewer.id, action: 'viewed_overview', subjectKind: 'department', subjectId: viewer.departmentId }, now);
  return {
    flaggedOverTime: flaggedPerDay(spans, since, today),
    openByCohort: byCohort,
    outcomes: OUTCOMES.map((o) => ({ outcome: o, cases: outcomes.get(o) ?? 0 })),
    firstContact: {
      cases: hours.length,
      medianHours: round(percentileOf(hours, 0.5)),
      p25Hours: round(percentileOf(hours, 0.25)),
      p75Hours: round(percentileOf(hours, 0.75)),
      p90Hours: round(percentileOf(hours, 0.9)),
      waiting,
      bands,
    },
    ruleQuality: [...rules].map(([rule, r]) => ({ rule, ...r })).sort((a, b) => a.rule.localeCompare(b.rule)),
    outcomesByRule: [...byRule]
      .map(([rule, r]) => ({
        rule,
        noOutcomeYet: r.noOutcomeYet,
        outcomes: CASE_OUTCOMES.map((o) => ({ outcome: o, cases: r.outcomes.get(o) ?? 0 })),
      }))
      .sort((a, b) => a.rule.localeCompare(b.rule)),
  };
}
