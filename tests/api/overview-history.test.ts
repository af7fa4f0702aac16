import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { AUTUMN, NOW, buildStaff, buildStudent, insertTerm, seedDepartment, seedFullCoverage, seedPeople } from '../support/factories';
import { upsertCounts, type ActivityCount } from '../../bot/store/activity.repository';
import { findOpenCases, insertCase, listCaseSpans } from '../../bot/store/case.repository';
import { buildExplanation } from '../support/cases';
import { saveRuleConfig } from '../../bot/store/rule-config.repository';
import { evaluateDepartment } from '../../bot/rules/evaluate.command';
import { performCaseAction } from '../../bot/commands/case-actions.command';
import { describeOverview, flaggedPerDay } from '../../bot/commands/overview.command';
import { OverviewSchema } from '../../shared/api/overview';
import { addDays } from '../../shared/calendar';
import type { IsoDay } from '../../shared/domain';

const at = (day: IsoDay, time = '09:00:00') => `${day}T${time}.000Z`;
const depsAt = (t: TestDatabase, day: IsoDay, time = '09:00:00') => ({
  db: t.db,
  logger: silentLogger,
  now: () => new Date(at(day, time)),
});
const daily = (studentId: string, from: IsoDay, to: IsoDay): ActivityCount[] => {
  const out: ActivityCount[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) out.push({ studentId, day, source: 'moodle_login', count: 2 });
  return out;
};

describe('flaggedPerDay, from case spans', () => {
  it('when a case opens and closes on the same day, then it counts as opened and closed but not open at the end of that day', () => {
    expect(flaggedPerDay([{ openedAt: at('2026-11-20'), closedAt: at('2026-11-20', '15:00:00') }], '2026-01-01', '2026-11-21')).toEqual([
      { day: '2026-11-20', flagged: 0, opened: 1, closed: 1 },
      { day: '2026-11-21', flagged: 0, opened: 0, closed: 0 },
    ]);
  });

  it('when a case opened before the period is still open, then the chart starts at the period with it already counted', () => {
    expect(flaggedPerDay([{ openedAt: at('2025-10-01'), closedAt: null }], '2026-11-20', '2026-11-21')).toEqual([
      { day: '2026-11-20', flagged: 1, opened: 0, closed: 0 },
      { day: '2026-11-21', flagged: 1, opened: 0, closed: 0 },
    ]);
    expect(flaggedPerDay([], '2026-11-20', '2026-11-21')).toEqual([]);
  });
});

describe.each(DATABASE_KINDS)('the overview built from case records on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await insertTerm(t.db, AUTUMN);
  });
  afterEach(async () => t.drop());

  it('when the rules flag students on different days and a tutor acts on one, then flagged over time, first contact and outcomes per rule follow the cases', async () => {
    const director = buildStaff({ roles: ['director_of_studies'] });
    const tutor = buildStaff();
    // Three students fall silent on successive days; four peers keep going all term.
    const fading = ['2026-11-16', '2026-11-17', '2026-11-18'].map((lastDay) => ({ student: buildStudent({ tutorId: tutor.id }), lastDay }));
    const peers = [1, 2, 3, 4].map(() => buildStudent({ tutorId: tutor.id }));
    await seedPeople(t.db, { staff: [director, tutor], students: [...fading.map((f) => f.student), ...peers] });
    await seedFullCoverage(t.db, AUTUMN.start, '2026-11-30');
    await saveRuleConfig(t.db, 'dept-a', { noEngagement: { days: 3 } }, null, NOW);
    await upsertCounts(t.db, [
      ...fading.flatMap((f) => daily(f.student.id, '2026-11-09', f.lastDay)),
      ...peers.flatMap((p) => daily(p.id, '2026-11-09', '2026-11-30')),
    ]);

    // An empty store has no history at all.
    expect((await describeOverview(t.db, director, '2026-11-18', at('2026-11-18'))).flaggedOverTime).toEqual([]);

    for (let day: IsoDay = '2026-11-18'; day <= '2026-11-24'; day = addDays(day, 1))
      await evaluateDepartment(depsAt(t, day), 'dept-a', day);
    const open = await findOpenCases(t.db, 'dept-a');
    expect(open.length).toBe(3);
    const openedOn = [...new Set(open.map((c) => c.openedAt.slice(0, 10)))].sort();
    expect(openedOn.length).toBe(3);

    // The tutor acknowledges the first case 26 hours after it opened and records an outcome that closes it.
    const firstCase = open.sort((a, b) => a.openedAt.localeCompare(b.openedAt))[0]!;
    const acted = new Date(Date.parse(firstCase.openedAt) + 26 * 3_600_000);
    const actionDeps = { db: t.db, logger: silentLogger, now: () => acted };
    await performCaseAction(actionDeps, { actor: tutor, caseId: firstCase.id, action: { action: 'acknowledge' } });
    await performCaseAction(actionDeps, {
      actor: tutor,
      caseId: firstCase.id,
      action: { action: 'record_outcome', outcome: 'contacted_fine' },
    });
    const closedOn = acted.toISOString().slice(0, 10);

    const overview = OverviewSchema.parse(await describeOverview(t.db, director, '2026-11-25', at('2026-11-25')));
    const points = overview.flaggedOverTime;
    expect(points[0]!.day).toBe(openedOn[0]);
    expect(points.at(-1)!.day).toBe('2026-11-25');
    expect(points.filter((p) => p.opened > 0).map((p) => p.day)).toEqual(openedOn);
    expect(points.reduce((a, p) => a + p.opened, 0)).toBe(3);
    expect(points.find((p) => p.day === closedOn)?.closed).toBe(1);
    // Open at the end of each day: one more on each day a case opened, one fewer from the day it closed.
    for (const p of points) {
      const expected = open.filter((c) => c.openedAt.slice(0, 10) <= p.day && !(c.id === firstCase.id && closedOn <= p.day)).length;
      expect(p.flagged).toBe(expected);
    }
    expect(points.at(-1)!.flagged).toBe(2);

    expect(overview.firstContact).toEqual(expect.objectContaining({ cases: 1, medianHours: 26, p90Hours: 26, waiting: 2 }));
    expect(overview.firstContact.bands).toEqual([0, 0, 1, 0, 0, 0]);
    const rules = new Set(open.flatMap((c) => c.rules));
    expect(overview.outcomesByRule.map((r) => r.rule)).toEqual([...rules].sort());
    for (const r of overview.outcomesByRule) {
      const withRule = open.filter((c) => c.rules.includes(r.rule as never));
      const fine = withRule.some((c) => c.id === firstCase.id) ? 1 : 0;
      expect(r.outcomes.find((o) => o.outcome === 'contacted_fine')?.cases).toBe(fine);
      expect(r.noOutcomeYet).toBe(withRule.length - fine);
    }
  });

  it('when cases closed before the period or opened after its end, then the spans leave them out', async () => {
    const student = buildStudent();
    const other = buildStudent();
    await seedPeople(t.db, { students: [student, other] });
    const base = {
      departmentId: 'dept-a',
      severity: 'high' as const,
      rules: ['no_engagement' as const],
      reason: 'r',
      explanation: buildExplanation(),
      ownerId: null,
      updatedAt: NOW,
    };
    await insertCase(t.db, {
      ...base,
      studentId: student.id,
      status: 'closed',
      outcome: 'contacted_fine',
      openedAt: at('2026-10-01'),
      closedAt: at('2026-10-05'),
    });
    await insertCase(t.db, { ...base, studentId: other.id, status: 'open', outcome: null, openedAt: at('2026-11-30'), closedAt: null });
    const spans = await listCaseSpans(t.db, 'dept-a', at('2026-11-01', '00:00:00'), at('2026-11-29', '00:00:00'));
    expect(spans).toEqual([]);
    const later = await listCaseSpans(t.db, 'dept-a', at('2026-10-04', '00:00:00'), at('2026-12-01', '00:00:00'));
    expect(later.map((s) => s.studentId)).toEqual([student.id, other.id]);
  });
});
