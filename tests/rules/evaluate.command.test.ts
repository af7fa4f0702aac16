import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { AUTUMN, NOW, buildStaff, buildStudent, insertTerm, seedDepartment, seedFullCoverage, seedPeople } from '../support/factories';
import { summariseDepartmentActivity, upsertCounts, type ActivityCount } from '../../bot/store/activity.repository';
import { findOpenCases } from '../../bot/store/case.repository';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { findRuleConfig, saveRuleConfig } from '../../bot/store/rule-config.repository';
import { assessDepartment, evaluateDepartment } from '../../bot/rules/evaluate.command';
import { insertExemptions } from '../../bot/store/exemption.repository';
import { evaluateRules } from '../../shared/rules/evaluate';
import { summariseDailyCounts } from '../../shared/rules/summarise';
import { DEFAULT_RULES_CONFIG, RulesConfigError, requiredWindows } from '../../shared/rules/config';
import { addDays, lastTermDays } from '../../shared/calendar';
import { SOURCES, type IsoDay, type Source } from '../../shared/domain';
import type { DailyCounts } from '../../shared/rules/types';
import { AppError } from '../../bot/errors';

const depsAt = (t: TestDatabase, today: IsoDay) => ({ db: t.db, logger: silentLogger, now: () => new Date(`${today}T09:00:00.000Z`) });
const daily = (studentId: string, from: IsoDay, to: IsoDay, perDay: number, source: Source = 'moodle_login'): ActivityCount[] => {
  const out: ActivityCount[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) out.push({ studentId, day, source, count: perDay });
  return out;
};
const kinds = async (t: TestDatabase, caseId: string) => (await listCaseEvents(t.db, caseId)).map((e) => e.kind);

describe.each(DATABASE_KINDS)('evaluation on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await insertTerm(t.db, AUTUMN);
  });
  afterEach(async () => t.drop());

  it('when the database sums the windows, then it agrees with summing the same daily counts in memory, vacation and all', async () => {
    const students = Array.from({ length: 6 }, () => buildStudent());
    await seedPeople(t.db, { students });
    const counts: ActivityCount[] = [];
    let seed = 3;
    for (const [i, s] of students.entries()) {
      for (let day = '2026-10-01'; day <= '2026-11-27'; day = addDays(day, 1)) {
        for (const source of SOURCES) {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          if (seed % 5 < i) counts.push({ studentId: s.id, day, source, count: 1 + (seed % 3) });
        }
      }
    }
    await upsertCounts(t.db, counts);
    const today = '2026-11-20';
    const windows = requiredWindows(DEFAULT_RULES_CONFIG);
    const termDays = lastTermDays(today, 28, [AUTUMN]);
    const since = '2026-10-05';

    const fromSql = await summariseDepartmentActivity(t.db, 'dept-a', { termDays, windows, since, today });
    const byStudent = new Map<string, Map<IsoDay, Partial<Record<Source, number>>>>();
    for (const c of counts) {
      const days = byStudent.get(c.studentId) ?? new Map<IsoDay, Partial<Record<Source, number>>>();
      days.set(c.day, { ...(days.get(c.day) ?? {}), [c.source]: c.count });
      byStudent.set(c.studentId, days);
    }
    const inMemory = summariseDailyCounts(byStudent as Map<string, DailyCounts>, termDays, windows, today, since);

    const base = {
      students,
      coverage: new Map(SOURCES.map((s) => [s, new Set(termDays)])),
      terms: [AUTUMN],
      exemptions: [],
      config: DEFAULT_RULES_CONFIG,
      today,
      explain: new Set(students.map((s) => s.id)),
    };
    expect(evaluateRules({ ...base, activity: fromSql })).toEqual(evaluateRules({ ...base, activity: inMemory }));
    expect(fromSql.rows.size).toBe(5);
  });

  it('when a flag rises from medium to high, then the case is raised, a second digest is queued, and a re-run adds nothing', async () => {
    const tutor = buildStaff();
    const student = buildStudent({ tutorId: tutor.id });
    await seedPeople(t.db, { staff: [tutor], students: [student] });
    await seedFullCoverage(t.db, AUTUMN.start, '2026-12-11');
    await saveRuleConfig(
      t.db,
      'dept-a',
      { noEngagement: { days: 3 }, sharpDrop: { recentDays: 3, baselineDays: 6, minBaselinePerWeek: 1 } },
      null,
      NOW,
    );
    await upsertCounts(t.db, [...daily(student.id, '2026-11-16', '2026-11-21', 5), ...daily(student.id, '2026-11-22', '2026-11-22', 1)]);

    const first = await evaluateDepartment(depsAt(t, '2026-11-25'), 'dept-a', '2026-11-25');
    const raised = await evaluateDepartment(depsAt(t, '2026-11-28'), 'dept-a', '2026-11-28');
    const again = await evaluateDepartment(depsAt(t, '2026-11-28'), 'dept-a', '2026-11-28');

    expect(first).toMatchObject({ opened: 1, digestsQueued: 1 });
    expect(first.flags[0]).toMatchObject({ severity: 'medium', rules: ['sharp_drop'] });
    expect(raised).toMatchObject({ opened: 0, escalated: 1, digestsQueued: 1 });
    expect(again).toMatchObject({ opened: 0, escalated: 0, unchanged: 1, digestsQueued: 0 });
    const [open] = await findOpenCases(t.db, 'dept-a');
    expect(open).toMatchObject({ severity: 'high', rules: ['no_engagement', 'sharp_drop'] });
    expect(await kinds(t, open!.id)).toEqual(['flagged', 'alert_queued', 'severity_raised', 'alert_queued']);
    expect(await listDeliveries(t.db, { recipientStaffId: tutor.id })).toHaveLength(2);
  });

  it('when a student stays flagged at the same severity, then the case shows the new figures without a new alert, and a same-day re-run writes nothing', async () => {
    const tutor = buildStaff();
    const student = buildStudent({ tutorId: tutor.id });
    await seedPeople(t.db, { staff: [tutor], students: [student] });
    await seedFullCoverage(t.db, AUTUMN.start, '2026-12-11');
    await saveRuleConfig(t.db, 'dept-a', { noEngagement: { days: 3 } }, null, NOW);
    // Activity weeks ago: the reason ("no activity ... in the last 3 term days") reads the same on both days.
    await upsertCounts(t.db, daily(student.id, '2026-11-02', '2026-11-06', 2));

    await evaluateDepartment(depsAt(t, '2026-11-20'), 'dept-a', '2026-11-20');
    const [before] = await findOpenCases(t.db, 'dept-a');
    const later = await evaluateDepartment(depsAt(t, '2026-11-23'), 'dept-a', '2026-11-23');
    const [after] = await findOpenCases(t.db, 'dept-a');
    await evaluateDepartment({ ...depsAt(t, '2026-11-23'), now: () => new Date('2026-11-23T18:00:00.000Z') }, 'dept-a', '2026-11-23');
    const [again] = await findOpenCases(t.db, 'dept-a');

    expect(later).toMatchObject({ opened: 0, escalated: 0, unchanged: 1, digestsQueued: 0 });
    expect(before?.explanation.evaluatedOn).toBe('2026-11-20');
    expect(after).toMatchObject({ id: before?.id, reason: before?.reason, updatedAt: '2026-11-23T09:00:00.000Z' });
    expect(after?.explanation).toMatchObject({ evaluatedOn: '2026-11-23', windowEnd: '2026-11-22' });
    expect(again).toEqual(after);
    expect(await kinds(t, before!.id)).toEqual(['flagged', 'alert_queued']);
  });

  it('when a flagged student recovers, then recovery is noted, the case closes, and a new flag within the cool-down raises no alert', async () => {
    const tutor = buildStaff();
    const student = buildStudent({ tutorId: tutor.id });
    await seedPeople(t.db, { staff: [tutor], students: [student] });
    await seedFullCoverage(t.db, AUTUMN.start, '2026-12-11');
    await saveRuleConfig(t.db, 'dept-a', { noEngagement: { days: 3 }, cases: { closeAfterRecoveryDays: 2, coolDownDays: 14 } }, null, NOW);

    await evaluateDepartment(depsAt(t, '2026-11-20'), 'dept-a', '2026-11-20');
    await upsertCounts(t.db, daily(student.id, '2026-11-20', '2026-11-22', 2));
    const recovered = await evaluateDepartment(depsAt(t, '2026-11-23'), 'dept-a', '2026-11-23');
    const stillOpen = await findOpenCases(t.db, 'dept-a');
    const closed = await evaluateDepartment(depsAt(t, '2026-11-25'), 'dept-a', '2026-11-25');
    const cooling = await evaluateDepartment(depsAt(t, '2026-11-29'), 'dept-a', '2026-11-29');
    const reopened = await evaluateDepartment(depsAt(t, '2026-12-10'), 'dept-a', '2026-12-10');

    expect(recovered).toMatchObject({ recovered: 1, closed: 0 });
    expect(stillOpen[0]?.recoveredOn).toBe('2026-11-23');
    expect(await kinds(t, stillOpen[0]!.id)).toEqual(['flagged', 'alert_queued', 'recovered', 'closed']);
    expect(closed).toMatchObject({ closed: 1 });
    expect(cooling).toMatchObject({ flagged: 1, coolingDown: 1, opened: 0, digestsQueued: 0 });
    expect(reopened).toMatchObject({ opened: 1, digestsQueued: 1 });
    expect(await findOpenCases(t.db, 'dept-a')).toHaveLength(1);
    expect(await listDeliveries(t.db, { recipientStaffId: tutor.id })).toHaveLength(2);
  });

  it('when a recovered student is flagged again before the case closes, then the relapse is on the timeline and no alert repeats', async () => {
    const tutor = buildStaff();
    const student = buildStudent({ tutorId: tutor.id });
    await seedPeople(t.db, { staff: [tutor], students: [student] });
    await seedFullCoverage(t.db, AUTUMN.start, '2026-12-11');
    await saveRuleConfig(t.db, 'dept-a', { noEngagement: { days: 3 }, cases: { closeAfterRecoveryDays: null } }, null, NOW);

    await evaluateDepartment(depsAt(t, '2026-11-20'), 'dept-a', '2026-11-20');
    await upsertCounts(t.db, daily(student.id, '2026-11-20', '2026-11-20', 1));
    await evaluateDepartment(depsAt(t, '2026-11-21'), 'dept-a', '2026-11-21');
    const relapse = await evaluateDepartment(depsAt(t, '2026-11-26'), 'dept-a', '2026-11-26');

    expect(relapse).toMatchObject({ relapsed: 1, opened: 0, escalated: 0, digestsQueued: 0 });
    const [open] = await findOpenCases(t.db, 'dept-a');
    expect(open?.recoveredOn).toBeNull();
    expect(await kinds(t, open!.id)).toEqual(['flagged', 'alert_queued', 'recovered', 'relapsed']);
  });

  it('when a student has a current exemption, then no case is opened and the student is counted as exempt', async () => {
    const student = buildStudent();
    await seedPeople(t.db, { students: [student] });
    await seedFullCoverage(t.db);
    await insertExemptions(
      t.db,
      [{ studentId: student.id, reason: 'Medical certificate', from: '2026-11-01', until: null, setBy: null }],
      NOW,
    );
    const summary = await evaluateDepartment(depsAt(t, '2026-11-27'), 'dept-a', '2026-11-27');
    expect(summary).toMatchObject({ flagged: 0, exempt: 1, opened: 0 });
    expect(await findOpenCases(t.db, 'dept-a')).toEqual([]);
  });

  it('when an import is missing for most sources, then no case is opened and the evaluation says why', async () => {
    const student = buildStudent();
    await seedPeople(t.db, { students: [student] });
    const summary = await evaluateDepartment(depsAt(t, '2026-11-27'), 'dept-a', '2026-11-27');
    expect(summary.opened).toBe(0);
    expect(summary.warnings).toContain(
      'Only 0 of 5 sources have complete data for the last 14 term days; the no engagement rule needs 3, so it flags no one today.',
    );
  });

  it('when a department stores invalid settings, then saving is refused with every problem named and nothing is stored', async () => {
    await expect(saveRuleConfig(t.db, 'dept-a', { noEngagement: { days: 0 }, lowEngagment: {} }, null, NOW)).rejects.toThrow(
      RulesConfigError,
    );
    expect(await findRuleConfig(t.db, 'dept-a')).toBeUndefined();
  });

  it('when stored settings no longer validate, then evaluation stops with a clear error naming the department', async () => {
    await t.db
      .insertInto('rule_configs')
      .values({ department_id: 'dept-a', config: '{"sharpDrop":{"ratio":3}}', updated_at: NOW, updated_by: null })
      .execute();
    const attempt = assessDepartment(t.db, 'dept-a', '2026-11-27');
    await expect(attempt).rejects.toThrow(AppError);
    await expect(assessDepartment(t.db, 'dept-a', '2026-11-27')).rejects.toThrow(
      'The rule configuration of department dept-a is not valid: sharpDrop.ratio must be below 1',
    );
  });
});
