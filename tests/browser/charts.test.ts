import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { seriousAccessibilityProblems } from '../support/axe';
import { assertTabBuilt, launchBrowser, openTabAs } from '../support/browser';
import { startTestApp, type RunningApp } from '../support/app';
import { silentLogger } from '../support/databases';
import { loadDemo } from '../../bot/demo/load-demo.command';
import { listDepartments } from '../../bot/store/department.repository';
import { insertImport } from '../../bot/store/import.repository';
import { newId } from '../../bot/store/ids';
import { evaluateDepartment } from '../../bot/rules/evaluate.command';
import { addDays } from '../../shared/calendar';
import { FlagPageSchema } from '../../shared/api/flags';
import { OverviewSchema } from '../../shared/api/overview';

const SCREENSHOTS = 'build/screenshots';
const DIRECTOR = 'demo-staff-01';
const SIZES = [
  [1366, 768],
  [1024, 768],
  [800, 600],
] as const;
const THEMES = ['light', 'dark', 'contrast'] as const;
type ThemeCase = (typeof THEMES)[number];

async function openAs(browser: Browser, baseUrl: string, theme: ThemeCase, [width, height]: readonly [number, number], hash: string) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.emulateMedia({ colorScheme: theme === 'dark' ? 'dark' : 'light', forcedColors: theme === 'contrast' ? 'active' : 'none' });
  await openTabAs(page, baseUrl, DIRECTOR, hash);
  return page;
}

const horizontalOverflow = (page: Page) =>
  page.evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`) as Promise<number>;

/** Elements inside a region whose background is near white: the "white frame" a dark theme must not show. */
const whiteBackgrounds = (page: Page, selector: string) =>
  page.evaluate(`[...document.querySelectorAll(${JSON.stringify(`${selector}, ${selector} *`)})]
    .filter((el) => { const m = getComputedStyle(el).backgroundColor.match(/[\\d.]+/g); return m && (m[3] === undefined || Number(m[3]) > 0.5) && Math.min(...m.slice(0, 3).map(Number)) > 200; })
    .map((el) => el.tagName + '.' + el.getAttribute('class'))`) as Promise<string[]>;

/** The computed colour of a chart part, and of the page's Canvas, for the forced-colours checks. */
const colourOf = (page: Page, selector: string, property: 'fill' | 'stroke') =>
  page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(selector)}))[${JSON.stringify(property)}]`) as Promise<string>;

/** What a CSS system colour resolves to on this page (read from a probe element). */
const systemColour = (page: Page, name: 'Highlight' | 'CanvasText' | 'GrayText' | 'Canvas') =>
  page.evaluate(`(() => { const p = document.createElement('span'); p.style.color = ${JSON.stringify(name)}; document.body.append(p);
    const c = getComputedStyle(p).color; p.remove(); return c; })()`) as Promise<string>;

describe('the charts in a browser, on a department whose cases the rules opened over several days', () => {
  let server: RunningApp;
  let browser: Browser;
  let studentId: string;
  let studentName: string;

  beforeAll(async () => {
    assertTabBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    // An empty store: the synthetic department is loaded, then the real rules run once a day for a week.
    server = await startTestApp({});
    const db = server.app.db;
    const today = server.app.services.today();
    await loadDemo(db, { seed: 42, today, now: new Date().toISOString() });
    // Samis exports stop 15 days ago and start again 8 days ago: six days in between are unknown, not zero.
    await db
      .updateTable('imports')
      .set({ period_end: addDays(today, -15) })
      .where('source', '=', 'samis_login')
      .execute();
    await insertImport(db, {
      id: newId(),
      source: 'samis_login',
      fileName: 'samis-later.csv',
      fileHash: null,
      periodStart: addDays(today, -8),
      periodEnd: addDays(today, -1),
      rowsRead: 0,
      rowsCounted: 0,
      rowsIgnored: 0,
      rowsRejected: 0,
      status: 'succeeded',
      errors: [],
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
    });
    const [department] = await listDepartments(db);
    for (let day = addDays(today, -7); day <= today; day = addDays(day, 1)) {
      const at = day === today ? new Date() : new Date(`${day}T08:00:00.000Z`);
      await evaluateDepartment({ db, logger: silentLogger, now: () => at }, department!.id, day);
    }
    const flags = FlagPageSchema.parse(
      await (await fetch(`${server.baseUrl}/api/flags?severity=high`, { headers: { authorization: `Local ${DIRECTOR}` } })).json(),
    );
    // A director acts on a few cases through the API, so first contact and outcomes have figures.
    for (const [i, f] of flags.flags.slice(0, 4).entries()) {
      const action =
        i % 2 === 0 ? { action: 'acknowledge' } : { action: 'record_outcome', outcome: i === 1 ? 'contacted_fine' : 'not_a_concern' };
      const res = await fetch(`${server.baseUrl}/api/cases/${f.caseId}/actions`, {
        method: 'POST',
        headers: { authorization: `Local ${DIRECTOR}`, 'content-type': 'application/json' },
        body: JSON.stringify(action),
      });
      expect(res.status).toBe(200);
    }
    // A student with some activity on record, so the charts hold bars as well as the band and the windows.
    const everyone = FlagPageSchema.parse(
      await (await fetch(`${server.baseUrl}/api/flags`, { headers: { authorization: `Local ${DIRECTOR}` } })).json(),
    );
    const target = everyone.flags.find(
      (f) => f.daysSinceLastActivity !== null && !flags.flags.slice(0, 4).some((a) => a.caseId === f.caseId),
    )!;
    studentId = target.studentId;
    studentName = target.studentName;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('when the overview is asked for, then flagged over time has a point for each day since the first case, opened on several days', async () => {
    const overview = OverviewSchema.parse(
      await (await fetch(`${server.baseUrl}/api/overview`, { headers: { authorization: `Local ${DIRECTOR}` } })).json(),
    );
    expect(overview.flaggedOverTime.length).toBeGreaterThanOrEqual(3);
    expect(overview.flaggedOverTime.filter((p) => p.opened > 0).length).toBeGreaterThanOrEqual(3);
    expect(overview.firstContact.cases).toBeGreaterThanOrEqual(3);
    expect(overview.outcomesByRule.length).toBeGreaterThan(0);
  });

  describe.each(THEMES)('in the %s theme', (theme) => {
    it.each(SIZES)(
      'when the student page is shown at %ix%i, then every chart has dates, term weeks, a value scale, the windows and the flag, without sideways scrolling',
      async (w, h) => {
        const page = await openAs(browser, server.baseUrl, theme, [w, h], `#/students/${encodeURIComponent(studentId)}`);
        await page.getByRole('heading', { name: studentName }).waitFor();
        const charts = page.getByTestId('term-chart');
        await charts.first().waitFor();
        const count = await charts.count();
        expect(count).toBeGreaterThanOrEqual(3);
        const first = charts.first();
        expect(await first.getAttribute('aria-label')).toMatch(
          /^Moodle logins: \d+ over \d+ days with data.* from \d{1,2} \w{3} to \d{1,2} \w{3}; last 7 days .*flagged on \d{1,2} \w{3}\.$/,
        );
        expect(await first.getByTestId('date-tick').count()).toBeGreaterThanOrEqual(3);
        expect(await first.locator('text').allTextContents()).toEqual(
          expect.arrayContaining([expect.stringMatching(/^\d{1,2} [A-Z][a-z]{2}$/), 'Wk 2', '0']),
        );
        expect(await first.getByTestId('window').count()).toBe(3);
        expect(await page.getByTestId('flag-marker').count()).toBe(count);
        // The Samis gap is hatched over the whole height and said in words; it is never a zero bar.
        const samis = page.getByRole('img', { name: /^Samis logins: / });
        expect(await samis.getAttribute('aria-label')).toContain('6 days unknown');
        expect(await samis.locator('[data-part="unknown"]').count()).toBe(6);
        expect(
          await page
            .getByRole('img', { name: /^Moodle logins: / })
            .locator('[data-part="unknown"]')
            .count(),
        ).toBe(0);
        expect(await page.getByRole('list', { name: 'Chart legend' }).textContent()).toContain('Middle half of the cohort');
        expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
        if (theme === 'dark') expect(await whiteBackgrounds(page, 'article')).toEqual([]);
        if (theme === 'contrast') {
          // Forced colours: bars in Highlight, the median and the flag marker in CanvasText, unknown days hatched in GrayText.
          expect(await colourOf(page, '[data-part="bar"]', 'fill')).toBe(await systemColour(page, 'Highlight'));
          expect(await colourOf(page, '[data-testid="term-chart"] [data-part="median"]', 'stroke')).toBe(
            await systemColour(page, 'CanvasText'),
          );
          expect(await colourOf(page, '[data-testid="flag-marker"] line', 'stroke')).toBe(await systemColour(page, 'CanvasText'));
          expect(await colourOf(page, 'pattern path', 'stroke')).toBe(await systemColour(page, 'GrayText'));
          expect(
            new Set([await systemColour(page, 'Highlight'), await systemColour(page, 'CanvasText'), await systemColour(page, 'Canvas')])
              .size,
          ).toBe(3);
        }
        expect(await seriousAccessibilityProblems(page)).toEqual([]);
        await page.screenshot({ path: `${SCREENSHOTS}/student-charts-${theme}-${w}x${h}.png`, fullPage: true });
        await page.close();
      },
    );

    it.each(SIZES)(
      'when the overview is shown at %ix%i, then flagged over time, first contact and outcomes per rule are drawn with dates and data',
      async (w, h) => {
        const page = await openAs(browser, server.baseUrl, theme, [w, h], '#/overview');
        await page.getByRole('heading', { name: 'Students flagged over time' }).waitFor();
        const chart = page.getByTestId('flagged-chart');
        await chart.waitFor();
        expect(await chart.getAttribute('aria-label')).toMatch(/^Students flagged over time, \d{1,2} \w{3} \d{4} to \d{1,2} \w{3} \d{4}: /);
        const days = await chart.getByTestId('flagged-point').evaluateAll((els) => els.map((e) => e.getAttribute('data-day')));
        expect(days.length).toBeGreaterThanOrEqual(3);
        expect(await chart.getByTestId('date-tick').count()).toBeGreaterThanOrEqual(2);
        expect(await page.getByTestId('first-contact-chart').getAttribute('aria-label')).toMatch(/^Time to first contact: /);
        expect(await page.getByTestId('outcomes-chart').getAttribute('aria-label')).toMatch(/^Outcomes per rule: .*contacted and fine 1/);
        expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
        if (theme === 'dark') expect(await whiteBackgrounds(page, 'main')).toEqual([]);
        if (theme === 'contrast') {
          expect(await colourOf(page, '[data-testid="flagged-point"]', 'fill')).toBe(await systemColour(page, 'Highlight'));
          expect(await colourOf(page, '[data-testid="flagged-chart"] polyline', 'stroke')).toBe(await systemColour(page, 'Highlight'));
        }
        expect(await seriousAccessibilityProblems(page)).toEqual([]);
        await page.screenshot({ path: `${SCREENSHOTS}/overview-charts-${theme}-${w}x${h}.png`, fullPage: true });
        await page.close();
      },
    );
  });
});
