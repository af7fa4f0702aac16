import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { seriousAccessibilityProblems } from '../support/axe';
import { assertTabBuilt, launchBrowser, openTabAs } from '../support/browser';
import { startTestApp, type RunningApp } from '../support/app';
import { listStudents, type Student } from '../../bot/store/student.repository';
import { recordStudentMessage } from '../../bot/commands/student-message.command';
import { listAudit } from '../../bot/store/audit.repository';
import { createWellbeingClassifier } from '../../shared/wellbeing/classify';

const SCREENSHOTS = 'build/screenshots';
const TUTOR = 'demo-staff-06';
const OTHER_TUTOR = 'demo-staff-07';
const ADMIN = 'demo-staff-04';
/** A student experience officer: sees the whole department's list, and the student's words. */
const SEO = 'demo-staff-02';
const WORDS = "honestly i dont want to be here anymore, i've had enough";

/** Signs in and waits until the tab has asked for urgent messages and drawn the list, so an absent panel is truly absent. */
async function openListAs(page: Page, baseUrl: string, staffId: string): Promise<void> {
  const urgentAnswered = page.waitForResponse((r) => r.url().endsWith('/api/urgent') && r.request().method() === 'GET');
  await openTabAs(page, baseUrl, staffId);
  await page.getByRole('heading', { name: 'Students who may need a check-in' }).waitFor();
  await urgentAnswered;
  await page.getByTestId('flag-row').first().waitFor();
}

describe('an urgent message pinned above the list, in a browser', () => {
  let server: RunningApp;
  let browser: Browser;
  let student: Student;

  beforeAll(async () => {
    assertTabBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await startTestApp({ DEMO_DATA: 'true' });
    browser = await launchBrowser();
    student = (await listStudents(server.app.db, 'demo-natsci')).find((s) => s.tutorId === TUTOR)!;
    const result = await recordStudentMessage(
      { db: server.app.db, now: () => new Date(), wellbeingRole: 'student_experience_officer' },
      { student, message: WORDS, wellbeing: createWellbeingClassifier()(WORDS) },
    );
    expect(result.tier).toBe('risk');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const name = () => `${student.givenName} ${student.familyName}`;

  it('when a tutor of another student opens the list, then no urgent panel is shown', async () => {
    const page = await browser.newPage();
    await openListAs(page, server.baseUrl, OTHER_TUTOR);
    expect(await page.getByTestId('urgent-alert').count()).toBe(0);
    await page.close();
  });

  it('when a department administrator opens the list, then the panel shows who is at risk and who was told, but not the student’s words', async () => {
    const page = await browser.newPage();
    await openListAs(page, server.baseUrl, ADMIN);
    const panel = page.getByTestId('urgent-alert');
    await panel.waitFor();
    await panel.getByRole('button', { name: 'Details' }).click();
    const text = (await panel.textContent()) ?? '';
    expect(text).toContain(`Urgent: ${name()} may need help now`);
    expect(text).not.toContain(WORDS);
    expect(text).toContain('shown only to the staff told and the wellbeing team');
    await page.close();
  });

  it('when an urgent message is pinned at 1366x768, then it takes one line above the list, at least 12 flagged rows stay in view, and axe finds nothing serious', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await openListAs(page, server.baseUrl, SEO);
    const panel = page.getByTestId('urgent-alert');
    await panel.waitFor();
    expect(await panel.textContent()).toContain(`Urgent: ${name()} may need help now`);
    const seen = (await page.evaluate(`(() => {
      const rows = [...document.querySelectorAll('[data-testid="flag-row"]')];
      const panel = document.querySelector('[data-testid="urgent-alert"]').getBoundingClientRect();
      const first = rows[0].getBoundingClientRect();
      return {
        rows: rows.length,
        inView: rows.filter((r) => { const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight; }).length,
        panelTop: panel.top, panelHeight: panel.height, firstRowTop: first.top,
        bottoms: rows.slice(0, 13).map((r) => Math.round(r.getBoundingClientRect().bottom)),
      };
    })()`)) as { rows: number; inView: number; panelTop: number; panelHeight: number; firstRowTop: number; bottoms: number[] };
    expect(seen.rows).toBeGreaterThanOrEqual(12);
    // On failure the geometry says what took the room (a taller row, or something above the list).
    expect({ inView: seen.inView >= 12, seen }).toEqual({ inView: true, seen });
    // First and in view: above the list, near the top of the window.
    expect(seen.panelTop).toBeLessThan(seen.firstRowTop);
    expect(seen.panelTop + seen.panelHeight).toBeLessThan(768 / 2);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/urgent-panel-1366x768.png`, fullPage: false });
    await page.close();
  });

  it('when the student’s tutor opens the list, then the message is pinned above it until they record that they have acted', async () => {
    const page = await browser.newPage();
    await openListAs(page, server.baseUrl, TUTOR);
    const panel = page.getByTestId('urgent-alert');
    await panel.waitFor();
    // One line until opened: the words are one click away, behind a button that says what it shows.
    expect(await panel.textContent()).not.toContain(WORDS);
    const reveal = panel.getByRole('button', { name: 'Read their message' });
    expect(await reveal.getAttribute('aria-expanded')).toBe('false');
    await reveal.click();
    expect(await panel.getByRole('button', { name: 'Hide details' }).getAttribute('aria-expanded')).toBe('true');
    const text = (await panel.textContent()) ?? '';
    expect(text).toContain(`“${WORDS}”`);
    expect(text).toMatch(/Told at once: .*you/);
    // Above the list: the panel comes before the first row in the page.
    const panelTop = (await panel.boundingBox())!.y;
    const rowTop = (await page.getByTestId('flag-row').first().boundingBox())!.y;
    expect(panelTop).toBeLessThan(rowTop);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/urgent-panel.png`, fullPage: false });

    await panel.getByRole('button', { name: 'I’ve acted' }).click();
    const save = panel.getByRole('button', { name: 'Save' });
    expect(await save.isDisabled()).toBe(true);
    await panel.getByLabel(/What have you done/).fill('Phoned them; they are safe with a friend and seeing their GP tomorrow.');
    await save.click();
    await page.getByTestId('urgent-alert').waitFor({ state: 'detached' });

    const audit = await listAudit(server.app.db);
    expect(audit.find((a) => a.action === 'urgent.acted' && a.actorId === TUTOR)?.subjectId).toBe(student.id);
    await openListAs(page, server.baseUrl, TUTOR);
    expect(await page.getByTestId('urgent-alert').count()).toBe(0);
    await page.close();
  });
});
