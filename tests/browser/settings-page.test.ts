import type { Browser, Page } from 'playwright-core';
import { assertTabBuilt, launchBrowser } from '../support/browser';
import { seriousAccessibilityProblems } from '../support/axe';
import { startTestApp, type RunningApp } from '../support/app';
import { AUTUMN, NOW, buildStaff, buildStudent, insertTerm, seedDepartment, seedFullCoverage, seedPeople } from '../support/factories';
import { upsertCounts } from '../../bot/store/activity.repository';
import { listAudit } from '../../bot/store/audit.repository';
import { findRuleConfig } from '../../bot/store/rule-config.repository';

const admin = buildStaff({ displayName: 'Dr Ann Admin', roles: ['department_admin'] });
const tutor = buildStaff({ displayName: 'Dr Tom Tutor', roles: ['personal_tutor'] });
const inst = buildStaff({ displayName: 'Iris Institution', roles: ['institution_admin'] });
/** Last seen on 20 November: silent over the last 5 term days, not over 14. */
const quiet = buildStudent({ givenName: 'Quinn', familyName: 'Quiet', tutorId: tutor.id });
const absent = buildStudent({ givenName: 'Ada', familyName: 'Absent' });
const busy = buildStudent({ givenName: 'Bo', familyName: 'Busy' });

async function openAs(page: Page, baseUrl: string, staffId: string, hash: string): Promise<void> {
  await page.goto(`${baseUrl}/${hash}`);
  await page.evaluate(`sessionStorage.setItem('engagement-monitor.local-staff', 'Local ${staffId}')`);
  await page.reload();
  await page.getByText(/signed in as/).waitFor();
}

describe('the rule settings in a browser', () => {
  let server: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    assertTabBuilt();
    server = await startTestApp({}, { now: () => new Date(NOW) });
    const db = server.app.db;
    await seedDepartment(db);
    await seedDepartment(db, 'dept-b', 'Department B');
    await insertTerm(db, AUTUMN);
    await seedFullCoverage(db);
    await seedPeople(db, { staff: [admin, tutor, inst], students: [quiet, absent, busy] });
    const days: string[] = [];
    for (let d = new Date('2026-10-01T00:00:00Z'); d <= new Date('2026-11-26T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1))
      days.push(d.toISOString().slice(0, 10));
    await upsertCounts(db, [
      ...days.map((day) => ({ studentId: busy.id, day, source: 'moodle_login' as const, count: 3 })),
      { studentId: quiet.id, day: '2026-11-20', source: 'moodle_login', count: 3 },
    ]);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('when an administrator enters invalid values, then each field shows its own message and Save is disabled; a valid change names who would be newly flagged, and saving it is audited', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await openAs(page, server.baseUrl, admin.id, '#/settings');
    const preview = page.getByTestId('rules-preview');
    await preview.filter({ hasText: 'These are the settings in force.' }).waitFor();
    const save = page.getByRole('button', { name: /^Save/ });
    expect(await save.isDisabled()).toBe(true);

    await page.getByLabel('Term days of silence before flagging').fill('0');
    await page.getByLabel('Share of data that must be known (0 to 1)').fill('3');
    await page.getByText('Must be at least 1 term day').waitFor();
    await page.getByText('Must be between 0 and 1').waitFor();
    // Each message belongs to its own field, once, and the old combined message is gone.
    expect(await page.getByText('Must be at least 1 term day').count()).toBe(1);
    expect(await page.getByText(/is not valid/).count()).toBe(0);
    expect(await page.getByLabel('Term days of silence before flagging').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Sources that must be known (1 to 5)').getAttribute('aria-invalid')).not.toBe('true');
    await preview.filter({ hasText: '2 settings need correcting before saving.' }).waitFor();
    expect(await save.isDisabled()).toBe(true);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);

    // A problem across two fields is shown on one of them, in words.
    await page.getByLabel('Share of data that must be known (0 to 1)').fill('0.8');
    await page.getByLabel('Term days of silence before flagging').fill('5');
    await page.getByLabel('Recent term days').fill('30');
    await page.getByText('Must be at least "recent term days", or the baseline is not meaningful').waitFor();
    expect(await save.isDisabled()).toBe(true);
    await page.getByLabel('Recent term days').fill('7');

    await preview.filter({ hasText: 'Against today: +1 newly flagged, −0 no longer flagged' }).waitFor();
    expect(await save.isEnabled()).toBe(true);
    await page.getByText('Show the 1 newly flagged').click();
    await page.getByTestId('newly-flagged').getByText(`Quinn Quiet (${quiet.id})`).waitFor();
    await page.screenshot({ path: 'build/screenshots/settings-rules.png', fullPage: true });

    await save.click();
    await page.getByText('Settings saved. The next evaluation uses them.').waitFor();
    await preview.filter({ hasText: 'These are the settings in force.' }).waitFor();
    expect((await findRuleConfig(server.app.db, 'dept-a'))?.overrides).toEqual({ noEngagement: { days: 5 } });
    const audit = await listAudit(server.app.db, 20);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'changed_rule_settings',
          actorId: admin.id,
          detail: { changes: [{ setting: 'noEngagement.days', before: 14, after: 5 }] },
        }),
      ]),
    );
    await page.close();
  });

  it("when an institution administrator chooses another department, then that department's settings are shown and saved there", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await openAs(page, server.baseUrl, inst.id, '#/settings');
    await page.getByText('For Department A.', { exact: false }).waitFor();
    await page.getByLabel('Department', { exact: true }).selectOption({ label: 'Department B' });
    await page.getByText('For Department B.', { exact: false }).waitFor();
    await page.getByLabel('Days after closing before a similar flag reopens').fill('21');
    await page.getByRole('button', { name: /^Save/ }).click();
    await page.getByText('Settings saved. The next evaluation uses them.').waitFor();
    expect((await findRuleConfig(server.app.db, 'dept-b'))?.overrides).toEqual({ cases: { coolDownDays: 21 } });
    expect((await findRuleConfig(server.app.db, 'dept-a'))?.overrides).not.toEqual(expect.objectContaining({ cases: expect.anything() }));
    await page.close();
  });

  it('when a personal tutor signs in, then there is no settings tab and the settings API refuses them', async () => {
    const page = await browser.newPage();
    await openAs(page, server.baseUrl, tutor.id, '#/settings');
    await page.getByRole('tab', { name: 'Students to check in with' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Settings' }).count()).toBe(0);
    expect(await page.getByTestId('rules-preview').count()).toBe(0);
    const post = (path: string) =>
      fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Local ${tutor.id}`, 'content-type': 'application/json' },
        body: JSON.stringify({ rules: { noEngagement: { days: 9 } } }),
      });
    expect((await post('/api/settings/rules')).status).toBe(403);
    expect((await post('/api/settings/preview')).status).toBe(403);
    await page.close();
  });
});
