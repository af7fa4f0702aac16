import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { assertTabBuilt, launchBrowser } from '../support/browser';
import { seriousAccessibilityProblems } from '../support/axe';
import { startTestApp, UNIVERSITY_CONTACTS_ENV, type RunningApp } from '../support/app';
import { listAudit } from '../../bot/store/audit.repository';
import { FlagPageSchema } from '../../shared/api/flags';
import { RulesPreviewSchema } from '../../shared/api/settings';

const SCREENSHOTS = 'build/screenshots';
const DIRECTOR = 'demo-staff-01';
const ADMIN = 'demo-staff-04';

async function signInAs(page: Page, baseUrl: string, staffId: string): Promise<void> {
  await page.goto(baseUrl);
  await page.evaluate(`sessionStorage.setItem('engagement-monitor.local-staff', 'Local ${staffId}')`);
  await page.goto(baseUrl);
  await page.getByRole('heading', { name: 'Students who may need a check-in' }).waitFor();
  await page.getByTestId('flag-row').first().waitFor();
}

describe('the tab in a browser, on the demo department', () => {
  let server: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    assertTabBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await startTestApp({ DEMO_DATA: 'true' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const api = async (query: string, staffId = DIRECTOR) =>
    FlagPageSchema.parse(
      await (await fetch(`${server.baseUrl}/api/flags${query}`, { headers: { authorization: `Local ${staffId}` } })).json(),
    );

  it('when a director of studies signs in locally, then the flagged list shows the demo department, most severe first, with no serious accessibility problems', async () => {
    const page = await browser.newPage();
    await page.goto(server.baseUrl);
    await page.getByRole('combobox').click();
    await page.getByRole('option', { name: /Director of Studies/ }).click();
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Students who may need a check-in' }).waitFor();
    const rows = page.getByTestId('flag-row');
    await rows.first().waitFor();
    const expected = await api('');
    expect(await rows.count()).toBe(Math.min(expected.total, 50));
    expect(expected.total).toBeGreaterThan(10);
    expect(await page.getByText('Demo data: every student and member of staff here is synthetic.').isVisible()).toBe(true);
    expect(await rows.first().textContent()).toContain('High');
    expect(await page.getByRole('img', { name: /^Last 21 days: Moodle logins/ }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SCREENSHOTS}/flag-list.png`, fullPage: false });
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.close();
  });

  it('when the list is filtered by programme and year and searched by id, then only matching students remain', async () => {
    const page = await browser.newPage();
    await signInAs(page, server.baseUrl, DIRECTOR);
    const all = await api('');
    const programme = all.flags[0]!.programme;
    const filtered = await api(`?programme=${encodeURIComponent(programme)}&year=${all.flags[0]!.year}`);
    expect(filtered.total).toBeLessThan(all.total);
    await page.getByLabel('Programme').selectOption(programme);
    await page.getByLabel('Year').selectOption(String(all.flags[0]!.year));
    await page
      .getByTestId('list-summary')
      .filter({ hasText: `of ${filtered.total} ` })
      .waitFor();
    const cells = await page.getByTestId('flag-row').locator('td:first-child').allTextContents();
    expect(cells.length).toBe(filtered.flags.length);
    for (const cell of cells) expect(cell).toContain(`${programme}, Y${all.flags[0]!.year}`);

    const target = filtered.flags[0]!;
    await page.getByRole('searchbox').fill(target.studentId);
    await page.getByTestId('list-summary').filter({ hasText: 'of 1 student' }).waitFor();
    expect(await page.getByTestId('flag-row').count()).toBe(1);
    expect(await page.getByTestId('flag-row').first().textContent()).toContain(target.studentName);
    await page.close();
  });

  it('when the keyboard is used, then a column can be sorted and a student opened without a mouse', async () => {
    const page = await browser.newPage();
    await signInAs(page, server.baseUrl, DIRECTOR);
    const byName = await api('?sort=name');
    const nameHeader = page.getByRole('columnheader', { name: 'Student' });
    await nameHeader.getByRole('button').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      `document.querySelector('[data-testid="flag-row"] a')?.textContent === ${JSON.stringify(byName.flags[0]!.studentName)}`,
    );
    expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending');

    await page.getByRole('link', { name: byName.flags[0]!.studentName }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: byName.flags[0]!.studentName }).waitFor();
    expect(page.url()).toContain(`#/students/${byName.flags[0]!.studentId}`);
    await page.close();
  });

  it('when a student is opened and an outcome recorded, then it appears in the timeline, the case closes and the view is audited', async () => {
    const page = await browser.newPage();
    await signInAs(page, server.baseUrl, DIRECTOR);
    const target = (await api('?status=open&severity=high')).flags[0]!;
    await page.getByRole('searchbox').fill(target.studentId);
    await page.getByTestId('list-summary').filter({ hasText: 'of 1 student' }).waitFor();
    await page.getByTestId('flag-row').getByRole('link', { name: target.studentName }).click();
    await page.getByRole('heading', { name: target.studentName }).waitFor();
    await page.getByRole('img', { name: /^Moodle logins: / }).waitFor();
    expect(await page.getByTestId('timeline').textContent()).toContain('Flagged');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/student.png`, fullPage: true });

    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByTestId('case-status').filter({ hasText: 'Acknowledged' }).waitFor();
    await page.getByLabel('Outcome', { exact: true }).selectOption('contacted_fine');
    await page.getByLabel(/^Note with the outcome/).fill('Met on Teams; study skills session booked.');
    await page.getByRole('button', { name: 'Record outcome' }).click();
    await page.getByTestId('case-status').filter({ hasText: 'Closed' }).waitFor();
    const timeline = await page.getByTestId('timeline').textContent();
    expect(timeline).toContain('Acknowledged');
    expect(timeline).toContain('Outcome recorded');
    expect(timeline).toContain('Met on Teams; study skills session booked.');
    await page.screenshot({ path: `${SCREENSHOTS}/student-after-outcome.png`, fullPage: true });

    expect((await api(`?q=${target.studentId}`)).total).toBe(0);
    const audit = await listAudit(server.app.db, 200);
    expect(audit).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'viewed_student', subjectId: target.studentId, actorId: DIRECTOR })]),
    );
    await page.close();
  });

  it('when the current view is exported, then a CSV of exactly that view downloads and the export is audited', async () => {
    const page = await browser.newPage();
    await signInAs(page, server.baseUrl, DIRECTOR);
    const programme = (await api('')).facets.programmes[0]!;
    const low = await api(`?programme=${encodeURIComponent(programme)}`);
    await page.getByLabel('Programme').selectOption(programme);
    await page
      .getByTestId('list-summary')
      .filter({ hasText: `of ${low.total} ` })
      .waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export this view as CSV' }).click(),
    ]);
    const path = await download.path();
    const bytes = readFileSync(path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // Excel reads UTF-8 (accented names) only after a BOM
    const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
    expect(download.suggestedFilename()).toMatch(/^flagged-students-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(lines[0]!.startsWith('Student ID,')).toBe(true);
    expect(lines).toHaveLength(low.total + 1);
    const audit = await listAudit(server.app.db, 200);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'exported_flag_list', actorId: DIRECTOR, detail: expect.objectContaining({ rows: low.total }) }),
      ]),
    );
    await page.close();
  });

  it('when the data page is opened, then each source shows its freshness', async () => {
    const page = await browser.newPage();
    await signInAs(page, server.baseUrl, DIRECTOR);
    await page.getByRole('tab', { name: 'Data' }).click();
    await page.getByRole('heading', { name: 'Where the counts come from' }).waitFor();
    expect(await page.getByTestId('source-row').count()).toBe(5);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/data.png`, fullPage: true });
    await page.close();
  });

  it('when an administrator opens the overview and settings, then the figures and a live threshold preview show without serious accessibility problems', async () => {
    const page = await browser.newPage();
    await signInAs(page, server.baseUrl, ADMIN);
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Students flagged over time' }).waitFor();
    await page.getByRole('img', { name: /^Students flagged over time, / }).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/overview.png`, fullPage: true });

    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByTestId('rules-preview').waitFor();
    await page.getByLabel('Term days of silence before flagging').fill('7');
    const expected = RulesPreviewSchema.parse(
      await (
        await fetch(`${server.baseUrl}/api/settings/preview`, {
          method: 'POST',
          headers: { authorization: `Local ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ rules: { noEngagement: { days: 7 } } }),
        })
      ).json(),
    );
    await page
      .getByTestId('rules-preview')
      .filter({
        hasText:
          expected.newlyFlagged.length + expected.noLongerFlagged.length === 0
            ? `No change against today: ${expected.current.flagged} students flagged either way`
            : `${expected.current.flagged} now, ${expected.proposed.flagged} with these settings`,
      })
      .waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/settings.png`, fullPage: true });
    await page.close();
  });

  it('when an administrator uploads a Moodle log on the data page, then it is imported and appears in the history', async () => {
    const page = await browser.newPage();
    await signInAs(page, server.baseUrl, ADMIN);
    await page.getByRole('tab', { name: 'Data' }).click();
    await page.getByRole('heading', { name: 'Upload an export' }).waitFor();
    await page.getByLabel('Kind of export').selectOption('moodle');
    await page.getByLabel('Export file').setInputFiles(join(__dirname, '..', 'fixtures', 'moodle', 'site-log.csv'));
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.getByText(/^Imported: \d+ of \d+ rows counted/).waitFor();
    await page.getByRole('cell', { name: 'site-log.csv' }).first().waitFor(); // one history row per source the log feeds
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/data-upload.png`, fullPage: true });
    await page.close();
  });

  it('when the browser asks for dark mode or forced colours, then the tab follows with Teams dark and high-contrast themes', async () => {
    const page = await browser.newPage();
    await page.emulateMedia({ colorScheme: 'dark' });
    await signInAs(page, server.baseUrl, DIRECTOR);
    const dark = await page.evaluate(`getComputedStyle(document.querySelector('main')).backgroundColor`);
    await page.screenshot({ path: `${SCREENSHOTS}/flag-list-dark.png` });
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light', forcedColors: 'active' });
    await page.reload();
    await page.getByTestId('flag-row').first().waitFor();
    const contrast = await page.evaluate(`getComputedStyle(document.querySelector('main')).backgroundColor`);
    await page.emulateMedia({ colorScheme: 'light', forcedColors: 'none' });
    await page.reload();
    await page.getByTestId('flag-row').first().waitFor();
    const light = await page.evaluate(`getComputedStyle(document.querySelector('main')).backgroundColor`);
    expect(dark).not.toBe(light);
    expect(contrast).not.toBe(light);
    // Dark backgrounds have low channel values; the Teams light background is near white.
    expect(Math.max(...String(dark).match(/\d+/g)!.slice(0, 3).map(Number))).toBeLessThan(80);
    expect(Math.min(...String(light).match(/\d+/g)!.slice(0, 3).map(Number))).toBeGreaterThan(200);
    await page.close();
  });

  it('when a personal tutor signs in, then only their own tutees are listed', async () => {
    const page = await browser.newPage();
    const tutorId = 'demo-staff-06';
    await page.goto(server.baseUrl);
    await page.evaluate(`sessionStorage.setItem('engagement-monitor.local-staff', 'Local ${tutorId}')`);
    await page.reload();
    await page.getByRole('heading', { name: 'Students who may need a check-in' }).waitFor();
    const list = await api('', tutorId);
    const rows = page.getByTestId('flag-row');
    if (list.total > 0) await rows.first().waitFor();
    else await page.getByTestId('tutee-summary').waitFor();
    expect(list.scope).toBe('tutees');
    expect(await rows.count()).toBe(Math.min(list.total, 50));
    expect(new Set(list.flags.map((f) => f.tutorId))).toEqual(list.total > 0 ? new Set([tutorId]) : new Set());
    expect(await page.getByLabel('Personal tutor').count()).toBe(0);
    await page.close();
  });
});

describe('the tab in a browser, on a production server outside Teams', () => {
  it('when the tab is opened in a plain browser, then it asks to open the app in Teams and shows no sign-in', async () => {
    assertTabBuilt();
    const server = await startTestApp({
      ...UNIVERSITY_CONTACTS_ENV,
      APP_MODE: 'production',
      MICROSOFT_APP_ID: '11111111-2222-4333-8444-555555555555',
      MICROSOFT_APP_TENANT_ID: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      MICROSOFT_APP_PASSWORD: 'test-secret',
      PUBLIC_URL: 'https://engagement.example.ac.uk',
      PRIVACY_NOTICE_URL: 'https://engagement.example.ac.uk/privacy',
    });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(server.baseUrl);
      await page.getByRole('heading', { name: 'Please open Engagement Monitor in Microsoft Teams' }).waitFor();
      expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
      await page.screenshot({ path: `${SCREENSHOTS}/open-in-teams.png` });
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
