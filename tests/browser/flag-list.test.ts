import type { Browser } from 'playwright-core';
import { assertTabBuilt, launchBrowser } from '../support/browser';
import { startTestApp, type RunningApp } from '../support/app';

describe('the tab in a browser, on the demo department', () => {
  let server: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    assertTabBuilt();
    server = await startTestApp({ DEMO_DATA: 'true' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('when a director of studies signs in locally, then the flagged list shows the demo department with its demo label', async () => {
    const page = await browser.newPage();
    await page.goto(server.baseUrl);
    await page.getByRole('combobox').click();
    await page.getByRole('option', { name: /Director of Studies/ }).click();
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Students who may need a check-in' }).waitFor();
    const rows = page.getByTestId('flag-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThan(10);
    expect(await page.getByText('Demo data: every student and member of staff here is synthetic.').isVisible()).toBe(true);
    expect(await rows.first().textContent()).toContain('High');
    await page.screenshot({ path: 'build/screenshots/flag-list.png', fullPage: false });
  });

  it('when a personal tutor signs in, then only their own tutees are listed', async () => {
    const page = await browser.newPage();
    const tutorId = 'demo-staff-06';
    await page.goto(server.baseUrl);
    await page.evaluate(`sessionStorage.setItem('engagement-monitor.local-staff', 'Local ${tutorId}')`);
    await page.reload();
    await page.getByRole('heading', { name: 'Students who may need a check-in' }).waitFor();
    const api = (await (await fetch(`${server.baseUrl}/api/flags`, { headers: { authorization: `Local ${tutorId}` } })).json()) as { flags: Array<{ tutorName: string }> };
    const rows = page.getByTestId('flag-row');
    if (api.flags.length > 0) await rows.first().waitFor();
    expect(await rows.count()).toBe(api.flags.length);
    expect(new Set(api.flags.map((f) => f.tutorName)).size).toBeLessThanOrEqual(1);
  });
});
