import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { assertTabBuilt, launchBrowser } from '../support/browser';
import { seriousAccessibilityProblems } from '../support/axe';
import { startTestApp, type RunningApp } from '../support/app';
import { FlagPageSchema, type FlagPage } from '../../shared/api/flags';
import { addDays } from '../../shared/calendar';
import { insertStaff } from '../../bot/store/staff.repository';
import { insertStudents, listStudents, type Student } from '../../bot/store/student.repository';
import { upsertCounts } from '../../bot/store/activity.repository';
import { findOpenCases } from '../../bot/store/case.repository';
import { DEMO_DEPARTMENT } from '../../bot/demo/generate';
import {
  AUTUMN,
  buildStaff,
  buildStudent,
  insertTerm,
  NOW,
  seedDepartment,
  seedFullCoverage,
  seedPeople,
  TODAY,
} from '../support/factories';
import { seedCase } from '../support/cases';

const SCREENSHOTS = 'build/screenshots';
const DIRECTOR = 'demo-staff-01';
const QUIET_TUTOR = 'worklist-quiet-tutor';
const SIZES = [
  { width: 1366, height: 768 },
  { width: 1024, height: 768 },
  { width: 800, height: 600 },
] as const;
const THEMES = ['light', 'dark', 'contrast'] as const;
type Theme = (typeof THEMES)[number];

async function openAs(
  browser: Browser,
  baseUrl: string,
  staffId: string,
  size: { width: number; height: number },
  theme: Theme,
  hash = '',
) {
  const page = await browser.newPage({ viewport: size });
  await page.emulateMedia({ colorScheme: theme === 'dark' ? 'dark' : 'light', forcedColors: theme === 'contrast' ? 'active' : 'none' });
  await page.goto(baseUrl);
  await page.evaluate(`sessionStorage.setItem('engagement-monitor.local-staff', 'Local ${staffId}')`);
  await page.goto(`${baseUrl}/${hash}`);
  if (hash) await page.reload(); // a change of hash alone does not reload the page, and the sign-in is read on load
  await page.getByRole('heading', { name: 'Students who may need a check-in' }).waitFor();
  return page;
}

/** What a person sees of the list: rows wholly inside the window, sideways overflow, the pictures' sizes and colours. */
async function layout(page: Page) {
  return (await page.evaluate(`(() => {
    const rows = [...document.querySelectorAll('[data-testid="flag-row"]')];
    const inView = rows.filter((r) => { const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight; });
    const pictures = inView.map((r) => r.querySelector('[data-testid="sparkline"]'));
    const box = (e) => e ? e.getBoundingClientRect() : { width: 0, height: 0 };
    const fill = (e) => e ? getComputedStyle(e).fill : 'missing';
    const anyPath = document.querySelector('[data-testid="sparkline"] path');
    const headers = [...document.querySelectorAll('thead th')].filter((th) => th.getBoundingClientRect().width > 0).map((th) => th.textContent.trim());
    return {
      rows: rows.length,
      inView: inView.length,
      sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      pictures: pictures.filter((p) => p && box(p).width >= 100 && box(p).height >= 35).length,
      labels: document.querySelector('[data-testid="sparkline"] text') ? [...document.querySelectorAll('[data-testid="sparkline"]')[0].querySelectorAll('text')].map((t) => t.textContent) : [],
      zeroFill: fill(document.querySelector('[data-testid="sparkline"] g path')),
      pathFill: fill(anyPath),
      background: getComputedStyle(document.querySelector('main')).backgroundColor,
      cornerIsApp: document.elementFromPoint(1, 1)?.closest('main') !== null,
      headers,
    };
  })()`)) as {
    rows: number;
    inView: number;
    sideways: number;
    pictures: number;
    labels: string[];
    zeroFill: string;
    pathFill: string;
    background: string;
    cornerIsApp: boolean;
    headers: string[];
  };
}

describe('the worklist at three window sizes in light, dark and forced colours', () => {
  let server: RunningApp;
  let browser: Browser;
  let all: FlagPage;
  let unflagged: Student;

  const api = async (query: string, staffId = DIRECTOR) =>
    FlagPageSchema.parse(
      await (await fetch(`${server.baseUrl}/api/flags${query}`, { headers: { authorization: `Local ${staffId}` } })).json(),
    );

  beforeAll(async () => {
    assertTabBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    // An empty database: the demo department is loaded through the store and flagged by the real rules.
    server = await startTestApp({ DEMO_DATA: 'true' });
    browser = await launchBrowser();
    const db = server.app.db;
    all = await api('');
    const open = new Set((await findOpenCases(db, DEMO_DEPARTMENT.id)).map((c) => c.studentId));
    unflagged = (await listStudents(db, DEMO_DEPARTMENT.id)).find((s) => !open.has(s.id) && s.status === 'active')!;
    // A tutor whose two tutees are active every few days: nobody of theirs is flagged.
    const now = new Date().toISOString();
    await insertStaff(
      db,
      [
        {
          id: QUIET_TUTOR,
          departmentId: DEMO_DEPARTMENT.id,
          displayName: 'Dr Quiet Week',
          email: null,
          entraId: null,
          roles: ['personal_tutor'],
        },
      ],
      now,
    );
    const tutees: Student[] = ['Chloé Dubois', 'Łukasz Nowak'].map((name, i) => ({
      id: `WL00000${i}`,
      departmentId: DEMO_DEPARTMENT.id,
      givenName: name.split(' ')[0]!,
      familyName: name.split(' ')[1]!,
      email: null,
      entraId: null,
      programme: 'BSc Physics',
      year: 2,
      status: 'active',
      tutorId: QUIET_TUTOR,
    }));
    await insertStudents(db, tutees, now);
    await upsertCounts(
      db,
      tutees.flatMap((t) =>
        [1, 3, 5, 8, 12].map((d) => ({
          studentId: t.id,
          day: addDays(all.days.at(-1)!, 1 - d),
          source: 'moodle_login' as const,
          count: 2,
        })),
      ),
    );
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('when the demo department is loaded, then there are more flagged students than fit on a screen and an unflagged one to search for', () => {
    expect(all.total).toBeGreaterThan(12);
    expect(unflagged).toBeDefined();
  });

  describe.each(SIZES)('at $width x $height', (size) => {
    it.each(THEMES)(
      'in %s, then the rows are compact, nothing scrolls sideways, every visible row has a readable picture, and axe finds nothing serious',
      async (theme) => {
        const page = await openAs(browser, server.baseUrl, DIRECTOR, size, theme);
        await page.getByTestId('flag-row').first().waitFor();
        const seen = await layout(page);
        expect(seen.rows).toBe(Math.min(all.total, 50));
        expect(seen.inView).toBeGreaterThanOrEqual(size.width === 1366 ? 12 : size.width === 1024 ? 10 : 5);
        expect(seen.sideways).toBeLessThanOrEqual(0);
        expect(seen.pictures).toBe(seen.inView);
        expect(seen.labels).toEqual(['ML', 'Su', 'LV', 'SL', 'TM']);
        expect(seen.zeroFill).not.toBe('none');
        expect(seen.pathFill).not.toBe(seen.background);
        expect(seen.cornerIsApp).toBe(true);
        // Columns fold away in order as the window narrows; the essentials stay.
        expect(seen.headers).toEqual(expect.arrayContaining(['Student', 'Severity', 'Why', 'Last 21 days', 'Status']));
        expect(seen.headers.includes('Last action')).toBe(size.width >= 1200);
        expect(seen.headers.includes('Last activity')).toBe(size.width >= 900);
        if (theme === 'dark') expect(Math.max(...seen.background.match(/\d+/g)!.slice(0, 3).map(Number))).toBeLessThan(80);
        if (theme === 'contrast') {
          // System colours: the bars are drawn in Highlight and the labels in CanvasText, never the page background.
          const colours = (await page.evaluate(`(() => {
            const svg = document.querySelector('[data-testid="sparkline"]');
            return { text: getComputedStyle(svg.querySelector('text')).fill, canvas: getComputedStyle(document.body).backgroundColor };
          })()`)) as { text: string; canvas: string };
          expect(colours.text).not.toBe(colours.canvas);
        }
        expect(await seriousAccessibilityProblems(page)).toEqual([]);
        await page.screenshot({ path: `${SCREENSHOTS}/list-${size.width}x${size.height}-${theme}.png` });

        // A searched view: everyone matching in scope, flagged or not, and one row opened in place.
        const flagged = all.flags[0]!;
        await page.getByRole('searchbox').fill(flagged.studentName.split(' ')[0]!);
        await page.getByTestId('search-matches').waitFor();
        await page.getByRole('button', { name: `Show details for ${flagged.studentName}` }).click();
        await page.getByText('The rules’ figures').waitFor();
        expect((await layout(page)).sideways).toBeLessThanOrEqual(0);
        expect(await seriousAccessibilityProblems(page)).toEqual([]);
        await page.screenshot({ path: `${SCREENSHOTS}/list-search-${size.width}x${size.height}-${theme}.png` });
        await page.close();

        // A personal tutor with nobody flagged: their tutees at a glance, not "nobody matches".
        const tutor = await openAs(browser, server.baseUrl, QUIET_TUTOR, size, theme);
        await tutor.getByTestId('tutee-summary').waitFor();
        expect(await tutor.getByTestId('tutee-row').count()).toBe(2);
        expect(await tutor.getByTestId('tutee-summary').textContent()).toContain('None of your 2 tutees needs a check-in today.');
        expect(await tutor.getByTestId('tutee-summary').getByTestId('sparkline').count()).toBe(2);
        expect((await layout(tutor)).sideways).toBeLessThanOrEqual(0);
        expect(await seriousAccessibilityProblems(tutor)).toEqual([]);
        await tutor.screenshot({ path: `${SCREENSHOTS}/list-tutor-empty-${size.width}x${size.height}-${theme}.png` });
        await tutor.close();
      },
    );
  });

  it('when a student who is not flagged is searched for, then the search finds them, says so, and opens their page', async () => {
    const page = await openAs(browser, server.baseUrl, DIRECTOR, SIZES[0], 'light');
    await page.getByRole('searchbox').fill(unflagged.id);
    const match = page.getByTestId('search-match').filter({ hasText: unflagged.id });
    await match.waitFor();
    expect(await match.textContent()).toContain('Not flagged');
    await page.getByTestId('list-summary').filter({ hasText: 'Nobody flagged matches these filters.' }).waitFor();
    await match.getByRole('link').click();
    await page.getByRole('heading', { name: `${unflagged.givenName} ${unflagged.familyName}` }).waitFor();
    await page.close();
  });

  it('when a filtered, sorted second page is opened from its address, then the list shows exactly that view', async () => {
    const expected = await api('?severity=medium&sort=name&pageSize=25&page=2');
    const hash = '#/?severity=medium&sort=name&page=2&pageSize=25';
    const page = await openAs(
      browser,
      server.baseUrl,
      DIRECTOR,
      SIZES[0],
      'light',
      expected.total > 25 ? hash : hash.replace('page=2', 'page=1'),
    );
    await page.getByTestId('flag-row').first().waitFor();
    expect(await page.getByLabel('Severity').inputValue()).toBe('medium');
    expect(await page.getByLabel('Sort by').inputValue()).toBe('name:asc');
    const names = await page.locator('[data-testid="flag-row"] a[data-student]').allTextContents();
    const want = expected.total > 25 ? expected.flags : (await api('?severity=medium&sort=name&pageSize=25')).flags;
    expect(names).toEqual(want.map((f) => f.studentName));
    await page.close();
  });

  it('when only the keyboard is used, then a filter is set, a student opened, an action taken, and Back returns to the same filtered list with focus on that student', async () => {
    const page = await openAs(browser, server.baseUrl, DIRECTOR, SIZES[0], 'light');
    await page.getByTestId('flag-row').first().waitFor();
    const tabTo = async (description: string, test: string, backwards = false) => {
      for (let presses = 0; presses < 80; presses++) {
        if (await page.evaluate(`(() => { const el = document.activeElement; return Boolean(el && (${test})); })()`)) return;
        await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
      }
      throw new Error(`the keyboard never reached ${description}`);
    };
    await tabTo('the severity filter', `el.tagName === 'SELECT' && el.closest('[role=search]') && el.querySelector('option[value=high]')`);
    await page.keyboard.press('ArrowDown');
    const high = await api('?severity=high');
    await page
      .getByTestId('list-summary')
      .filter({ hasText: `of ${high.total} ` })
      .waitFor();
    expect(page.url()).toContain('severity=high');
    const target = high.flags.find((f) => f.status === 'open')!;
    await tabTo(`the link to ${target.studentName}`, `el.getAttribute('data-student') === ${JSON.stringify(target.studentId)}`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: target.studentName }).waitFor();
    await tabTo('the Acknowledge button', `el.tagName === 'BUTTON' && el.textContent.trim() === 'Acknowledge'`);
    await page.keyboard.press('Enter');
    await page.getByTestId('case-status').filter({ hasText: 'Acknowledged' }).waitFor();
    await tabTo('the way back', `el.tagName === 'BUTTON' && el.textContent.includes('Back to the list')`, true);
    await page.keyboard.press('Enter');
    await page.getByTestId('list-summary').filter({ hasText: 'Showing' }).waitFor();
    expect(page.url()).toContain('severity=high');
    expect(await page.getByLabel('Severity').inputValue()).toBe('high');
    await page.waitForFunction(`document.activeElement?.getAttribute('data-student') === ${JSON.stringify(target.studentId)}`);

    // The browser's own Back from a student keeps the filters too.
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: target.studentName }).waitFor();
    await page.goBack();
    await page.getByTestId('flag-row').first().waitFor();
    expect(page.url()).toContain('severity=high');
    expect(await page.getByLabel('Severity').inputValue()).toBe('high');
    await page.close();
  });
});

describe('the 21-day picture when some days are unknown', () => {
  it('when a source has no data for the last days, then those days are drawn as dashed empty boxes, unlike days with nothing, in every theme', async () => {
    assertTabBuilt();
    const server = await startTestApp({}, { now: () => new Date(NOW) });
    const browser = await launchBrowser();
    try {
      const db = server.app.db;
      const director = buildStaff({ roles: ['director_of_studies'] });
      const student = buildStudent({ givenName: 'Renée', familyName: 'Unknown-Days' });
      await seedDepartment(db);
      await insertTerm(db, AUTUMN);
      // Every source is known up to ten days ago; the last nine days of the 21 are unknown.
      await seedFullCoverage(db, AUTUMN.start, addDays(TODAY, -10));
      await seedPeople(db, { staff: [director], students: [student] });
      await seedCase(db, student.id, { severity: 'medium' });
      await upsertCounts(db, [{ studentId: student.id, day: addDays(TODAY, -15), source: 'moodle_login', count: 3 }]);
      for (const theme of THEMES) {
        const page = await openAs(browser, server.baseUrl, director.id, SIZES[0], theme);
        await page.getByTestId('flag-row').first().waitFor();
        const lane = (await page.evaluate(`(() => {
          const g = document.querySelector('[data-testid="sparkline"] g[data-source="moodle_login"]');
          const paths = [...g.querySelectorAll('path')].map((p) => {
            const cs = getComputedStyle(p);
            return { fill: cs.fill, stroke: cs.stroke, dash: cs.strokeDasharray, marks: (p.getAttribute('d').match(/M/g) || []).length };
          });
          return { title: g.querySelector('title').textContent, paths, canvas: getComputedStyle(document.querySelector('main')).backgroundColor };
        })()`)) as { title: string; paths: Array<{ fill: string; stroke: string; dash: string; marks: number }>; canvas: string };
        expect(lane.title).toBe('Moodle logins: 3 on 1 day, 9 days unknown');
        const unknown = lane.paths.find((p) => p.fill === 'none');
        const known = lane.paths.filter((p) => p.fill !== 'none');
        expect(unknown).toEqual(expect.objectContaining({ marks: 9 }));
        expect(unknown!.dash).not.toBe('none');
        expect(unknown!.stroke).not.toBe(lane.canvas);
        expect(known.map((p) => p.marks).sort((a, b) => a - b)).toEqual([1, 11]);
        for (const p of known) expect(p.fill).not.toBe(lane.canvas);
        await page.screenshot({
          path: `${SCREENSHOTS}/list-unknown-days-1366x768-${theme}.png`,
          clip: { x: 0, y: 0, width: 1366, height: 320 },
        });
        await page.close();
      }
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
