import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import {
  AUTUMN,
  NOW,
  TODAY,
  buildStaff,
  buildStudent,
  insertTerm,
  seedDepartment,
  seedFullCoverage,
  seedPeople,
} from '../support/factories';
import { upsertCounts } from '../../bot/store/activity.repository';
import { listAudit } from '../../bot/store/audit.repository';
import { findRuleConfig } from '../../bot/store/rule-config.repository';
import { describeSettings, previewRules, saveRules } from '../../bot/commands/settings.command';

const adminA = buildStaff({ roles: ['department_admin'] });
const adminB = buildStaff({ roles: ['department_admin'], departmentId: 'dept-b' });
const tutor = buildStaff({ roles: ['personal_tutor'] });
const inst = buildStaff({ roles: ['institution_admin'], departmentId: 'dept-b' });
/** Last seen on 20 November: silent over the last 5 term days, not over 14. */
const quiet = buildStudent({ givenName: 'Quinn', familyName: 'Quiet' });
/** Never seen: flagged by "no engagement" whatever its length. */
const absent = buildStudent({ givenName: 'Ada', familyName: 'Absent' });
const busy = buildStudent({ givenName: 'Bo', familyName: 'Busy' });

describe.each(DATABASE_KINDS)('rule settings from the tab, on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedDepartment(t.db, 'dept-b', 'Department B');
    await insertTerm(t.db, AUTUMN);
    await seedFullCoverage(t.db);
    await seedPeople(t.db, { staff: [adminA, adminB, tutor, inst], students: [quiet, absent, busy] });
    const days: string[] = [];
    for (let d = new Date('2026-10-01T00:00:00Z'); d <= new Date('2026-11-26T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1))
      days.push(d.toISOString().slice(0, 10));
    await upsertCounts(t.db, [
      ...days.map((day) => ({ studentId: busy.id, day, source: 'moodle_login' as const, count: 3 })),
      { studentId: quiet.id, day: '2026-11-20', source: 'moodle_login', count: 3 },
    ]);
  });
  afterEach(async () => t.drop());

  it('when a change is previewed, then the students newly flagged and no longer flagged are named against today, and nothing is stored', async () => {
    const shorter = await previewRules(t.db, adminA, { rules: { noEngagement: { days: 5 } } }, TODAY);
    expect(shorter.newlyFlagged).toEqual([{ studentId: quiet.id, name: 'Quinn Quiet' }]);
    expect(shorter.noLongerFlagged).toEqual([]);
    expect(shorter.proposed.flagged).toBe(shorter.current.flagged + 1);
    const off = await previewRules(t.db, adminA, { rules: { noEngagement: { enabled: false } } }, TODAY);
    expect(off.noLongerFlagged).toEqual([{ studentId: absent.id, name: 'Ada Absent' }]);
    expect(await findRuleConfig(t.db, 'dept-a')).toBeUndefined();
  });

  it('when settings are saved, then they are merged into what the department stored, validated by the shared schema, and audited setting by setting', async () => {
    await saveRules(t.db, adminA, { rules: { noEngagement: { days: 10 }, sharpDrop: { ratio: 0.3 } } }, NOW);
    const settings = await saveRules(t.db, adminA, { rules: { cases: { closeAfterRecoveryDays: null } } }, NOW);
    expect(settings.rules.noEngagement.days).toBe(10);
    expect(settings.rules.sharpDrop.ratio).toBe(0.3);
    expect(settings.rules.cases.closeAfterRecoveryDays).toBeNull();
    // Only what the department changed is stored, so later changes to the defaults still reach it.
    expect((await findRuleConfig(t.db, 'dept-a'))?.overrides).toEqual({
      noEngagement: { days: 10 },
      sharpDrop: { ratio: 0.3 },
      cases: { closeAfterRecoveryDays: null },
    });
    const changes = (await listAudit(t.db, 50)).filter((a) => a.action === 'changed_rule_settings').map((a) => a.detail);
    expect(changes).toEqual(
      expect.arrayContaining([
        {
          changes: [
            { setting: 'noEngagement.days', before: 14, after: 10 },
            { setting: 'sharpDrop.ratio', before: 0.25, after: 0.3 },
          ],
        },
        { changes: [{ setting: 'cases.closeAfterRecoveryDays', before: 7, after: null }] },
      ]),
    );

    const bad = saveRules(
      t.db,
      adminA,
      { rules: { sharpDrop: { recentDays: 30, baselineDays: 20 }, coverage: { minKnownSources: 9 } } },
      NOW,
    );
    await expect(bad).rejects.toMatchObject({
      status: 400,
      details: [
        'coverage.minKnownSources must be at most 5 (there are five sources)',
        'sharpDrop.baselineDays must be at least sharpDrop.recentDays, or the baseline is not meaningful',
      ],
    });
    expect((await findRuleConfig(t.db, 'dept-a'))?.overrides).toEqual(expect.objectContaining({ noEngagement: { days: 10 } }));
  });

  it("when someone other than that department's administrators or an institution administrator tries, then they are refused", async () => {
    await expect(saveRules(t.db, tutor, { rules: { noEngagement: { days: 9 } } }, NOW)).rejects.toMatchObject({ status: 403 });
    await expect(previewRules(t.db, tutor, { rules: {} }, TODAY)).rejects.toMatchObject({ status: 403 });
    await expect(describeSettings(t.db, tutor, NOW)).rejects.toMatchObject({ status: 403 });
    await expect(saveRules(t.db, adminB, { rules: { noEngagement: { days: 9 } } }, NOW, 'dept-a')).rejects.toMatchObject({ status: 403 });
    // An institution administrator may change any department's, named explicitly.
    const byInst = await saveRules(t.db, inst, { rules: { noEngagement: { days: 9 } } }, NOW, 'dept-a');
    expect(byInst.department).toEqual({ id: 'dept-a', name: 'Department A' });
    expect(byInst.rules.noEngagement.days).toBe(9);
    await expect(describeSettings(t.db, inst, NOW, 'no-such-dept')).rejects.toMatchObject({ status: 404 });
    expect((await describeSettings(t.db, inst, NOW)).departments.map((d) => d.id)).toEqual(['dept-a', 'dept-b']);
    const own = await describeSettings(t.db, adminB, NOW);
    expect(own.rules.noEngagement.days).toBe(14);
    expect(own.departments).toEqual([{ id: 'dept-b', name: 'Department B' }]);
  });
});
