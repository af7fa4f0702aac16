import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { assertTabBuilt, launchBrowser, openTabAs } from '../support/browser';
import { seriousAccessibilityProblems } from '../support/axe';
import { startTestApp, type RunningApp } from '../support/app';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { listAudit, writeAudit } from '../../bot/store/audit.repository';
import { AuditPageSchema } from '../../shared/api/audit';

// Accented names: the CSV must keep them readable in Excel (UTF-8 with a byte order mark).
const instAdmin = buildStaff({ displayName: 'Iris Institution', roles: ['institution_admin'] });
const adminA = buildStaff({ displayName: 'Dr Ann Åberg', roles: ['department_admin'] });
const tutorA = buildStaff({ displayName: 'Dr Tomás Núñez', roles: ['personal_tutor'] });
const adminB = buildStaff({ displayName: 'Bea AdminB', roles: ['department_admin'], departmentId: 'dept-b' });
const zoe = buildStudent({ givenName: 'Zoë', familyName: 'Brontë', tutorId: tutorA.id });
const sam = buildStudent({ givenName: 'Sam', familyName: 'Okafor', tutorId: tutorA.id });
const kim = buildStudent({ givenName: 'Kim', familyName: 'Lee', departmentId: 'dept-b' });
/** Views of Sam, enough for a second page of 50. */
const SAM_VIEWS = 55;

async function seed(server: RunningApp): Promise<void> {
  const db = server.app.db;
  await seedDepartment(db);
  await seedDepartment(db, 'dept-b', 'Department B');
  await seedPeople(db, { staff: [instAdmin, adminA, tutorA, adminB], students: [zoe, sam, kim] });
  await writeAudit(
    db,
    { actorId: tutorA.id, action: 'viewed_student', subjectKind: 'student', subjectId: zoe.id },
    '2026-11-20T09:00:00.000Z',
  );
  await writeAudit(
    db,
    {
      actorId: adminA.id,
      action: 'uploaded_import',
      subjectKind: 'import',
      subjectId: 'imp-1',
      detail: { fileName: 'moodle-log.csv', source: 'moodle' },
    },
    '2026-11-21T09:00:00.000Z',
  );
  await writeAudit(
    db,
    {
      actorId: adminA.id,
      action: 'changed_rule_settings',
      subjectKind: 'department',
      subjectId: 'dept-a',
      detail: { changes: [{ setting: 'noEngagement.days', before: 14, after: 10 }] },
    },
    '2026-11-22T09:00:00.000Z',
  );
  for (let i = 0; i < SAM_VIEWS; i++)
    await writeAudit(
      db,
      { actorId: tutorA.id, action: 'viewed_student', subjectKind: 'student', subjectId: sam.id },
      `2026-11-23T09:${String(i).padStart(2, '0')}:00.000Z`,
    );
  await writeAudit(
    db,
    { actorId: adminB.id, action: 'viewed_student', subjectKind: 'student', subjectId: kim.id },
    '2026-11-24T09:00:00.000Z',
  );
}

async function openAs(page: Page, baseUrl: string, staffId: string, hash = ''): Promise<void> {
  await openTabAs(page, baseUrl, staffId, hash);
  await page.getByText(/signed in as/).waitFor();
}

const rowsText = async (page: Page) => page.getByTestId('audit-row').allTextContents();

describe('the audit page and the subject access button in a browser', () => {
  let server: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    assertTabBuilt();
    server = await startTestApp();
    await seed(server);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const api = async (path: string, staffId: string) =>
    fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Local ${staffId}` } });

  it('when an institution administrator opens the audit page, then entries from every department read as sentences, paged, with times in the institution zone whatever the browser zone', async () => {
    // A browser in New York: the page still shows the institution's times (TIME_ZONE, Europe/London by default) and says so.
    const context = await browser.newContext({ timezoneId: 'America/New_York' });
    const page = await context.newPage();
    await openAs(page, server.baseUrl, instAdmin.id);
    await page.getByRole('tab', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByTestId('audit-row').first().waitFor();
    const first = await rowsText(page);
    expect(first).toHaveLength(50);
    // Newest first, across departments: the other department's latest entry, then this one's.
    const kim = first.findIndex((r) => r.includes(`Bea AdminB viewed Kim Lee's record`));
    const sam = first.findIndex((r) => r.includes(`Dr Tomás Núñez viewed Sam Okafor's record`));
    expect(kim).toBeGreaterThanOrEqual(0);
    expect(sam).toBeGreaterThan(kim);
    await page.getByRole('button', { name: 'Older entries' }).click();
    await page
      .getByTestId('audit-summary')
      .filter({ hasText: /^Entries 51 to/ })
      .waitFor();
    expect(page.url()).toContain('#/audit?page=2');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: 'build/screenshots/audit.png', fullPage: false });
    const second = (await rowsText(page)).join('\n');
    // Settings in the Settings page's words, not their keys.
    expect(second).toContain('Dr Ann Åberg changed the rule settings: No engagement at all, term days of silence before flagging: 14 → 10');
    expect(second).not.toContain('noEngagement');
    expect(await page.getByRole('columnheader').first().textContent()).toBe('When (Europe/London time)');
    const ruleChange = page.getByTestId('audit-row').filter({ hasText: 'changed the rule settings' });
    // 09:00 UTC on 22 November is 09:00 GMT in London (04:00 in the browser's New York).
    expect(await ruleChange.locator('time').textContent()).toBe('22 Nov 2026, 09:00 GMT');
    expect(second).toContain('Dr Ann Åberg uploaded the file "moodle-log.csv" (moodle)');
    expect(second).toContain(`Dr Tomás Núñez viewed Zoë Brontë's record`);
    // No raw action codes on the page.
    expect(second).not.toMatch(/viewed_student|uploaded_import|changed_rule_settings/);
    await context.close();
  });

  it('when a department administrator filters by person, student and date, then only their department shows, the filters sit in the URL, and the export holds exactly what the filter shows', async () => {
    const page = await browser.newPage();
    await openAs(page, server.baseUrl, adminA.id, '#/audit');
    await page.getByTestId('audit-row').first().waitFor();
    const everything = (await rowsText(page)).join('\n');
    expect(everything).not.toContain('Bea AdminB');
    expect(everything).not.toContain('Kim Lee');
    // Another department's staff are not offered as a person to filter by.
    expect(await page.getByLabel('Person').locator('option').allTextContents()).not.toContain('Bea AdminB');

    await page.getByLabel('Person').selectOption({ label: 'Dr Tomás Núñez' });
    await page.getByLabel('From').fill('2026-11-20');
    await page.getByLabel('To').fill('2026-11-20');
    await page.getByTestId('audit-summary').filter({ hasText: 'Entries 1 to 1 of 1' }).waitFor();
    expect(await rowsText(page)).toEqual([expect.stringContaining(`Dr Tomás Núñez viewed Zoë Brontë's record`)]);
    expect(page.url()).toContain(`person=${tutorA.id}`);
    expect(page.url()).toContain('from=2026-11-20');

    // The filters survive a reload.
    await page.reload();
    await page.getByTestId('audit-summary').filter({ hasText: 'Entries 1 to 1 of 1' }).waitFor();

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Student ID').fill(sam.id);
    await page.getByLabel('Student ID').press('Enter');
    await page
      .getByTestId('audit-summary')
      .filter({ hasText: `of ${SAM_VIEWS} about Sam Okafor` })
      .waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export these entries as CSV' }).click(),
    ]);
    const bytes = readFileSync(await download.path());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).trim().split('\r\n');
    expect(lines).toHaveLength(SAM_VIEWS + 1);
    expect(lines.slice(1).every((l) => l.includes(`Dr Tomás Núñez viewed Sam Okafor's record`))).toBe(true);
    expect(download.suggestedFilename()).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.csv$/);

    const audit = await listAudit(server.app.db, 20);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'exported_audit_log',
          actorId: adminA.id,
          detail: expect.objectContaining({ rows: SAM_VIEWS, filters: { student: sam.id } }),
        }),
      ]),
    );
    await page.close();
  });

  it('when a personal tutor signs in, then there is no audit tab, the page does not open from its address, and the API answers 403', async () => {
    const page = await browser.newPage();
    await openAs(page, server.baseUrl, tutorA.id, '#/audit');
    await page.getByRole('tab', { name: 'Students to check in with' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Audit' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Audit log' }).count()).toBe(0);
    expect((await api('/api/audit', tutorA.id)).status).toBe(403);
    expect((await api('/api/audit/export', tutorA.id)).status).toBe(403);
    await page.close();
  });

  it('when an institution administrator opens a student, then a subject access report downloads as HTML and JSON and is audited; a tutor has no button and the API refuses them', async () => {
    const page = await browser.newPage();
    await openAs(page, server.baseUrl, instAdmin.id, `#/students/${zoe.id}`);
    await page.getByRole('heading', { name: 'Zoë Brontë' }).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Subject access report' }).click();
    const [html] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('menuitem', { name: 'Printable page (HTML)' }).click(),
    ]);
    expect(readFileSync(await html.path(), 'utf8')).toContain('Zoë');
    expect(html.suggestedFilename()).toBe(`subject-access-${zoe.id}.html`);
    await page.getByRole('button', { name: 'Subject access report' }).click();
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: 'Data file (JSON)' }).click()]);
    expect((JSON.parse(readFileSync(await json.path(), 'utf8')) as { student: { id: string } }).student.id).toBe(zoe.id);
    const audit = AuditPageSchema.parse(await (await api(`/api/audit?student=${zoe.id}&person=${instAdmin.id}`, instAdmin.id)).json());
    expect(audit.entries.filter((e) => e.action === 'exported_subject_access')).toHaveLength(2);
    expect(audit.entries[0]?.sentence).toBe('Iris Institution produced a subject access report for Zoë Brontë');
    await page.close();

    const tutorPage = await browser.newPage();
    await openAs(tutorPage, server.baseUrl, tutorA.id, `#/students/${zoe.id}`);
    await tutorPage.getByRole('heading', { name: 'Zoë Brontë' }).waitFor();
    // The button waits for the role check; the page's own requests have settled once the heading shows.
    await tutorPage.waitForLoadState('networkidle');
    expect(await tutorPage.getByRole('button', { name: 'Subject access report' }).count()).toBe(0);
    expect((await api(`/api/students/${zoe.id}/subject-access?format=json`, tutorA.id)).status).toBe(404);
    await tutorPage.close();
  });
});
