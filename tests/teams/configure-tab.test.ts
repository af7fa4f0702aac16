import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { startTestApp, type RunningApp } from '../support/app';
import { CONFIGURE_TAB_PATH } from '../../bot/teams/configure-tab.routes';

describe('the team tab configuration page', () => {
  let server: RunningApp;

  beforeAll(async () => {
    server = await startTestApp({ DEMO_DATA: 'false' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('when Teams asks for the configuration page, then it is served as an HTML page that loads the Teams library', async () => {
    const response = await fetch(`${server.baseUrl}${CONFIGURE_TAB_PATH}`);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('<script src="/teams/teams-js.min.js"></script>');
    expect(html).toContain('registerOnSaveHandler');
  });

  it('when the page loads the Teams library, then the service serves it itself', async () => {
    const response = await fetch(`${server.baseUrl}/teams/teams-js.min.js`);
    const script = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('javascript');
    expect(script).toContain('microsoftTeams');
  });

  describe('in a browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('when the page is opened directly, then the Teams library loads and the page says to open it from Teams', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));

      await page.goto(`${server.baseUrl}${CONFIGURE_TAB_PATH}`);
      await page.getByText('Open this page from Microsoft Teams to add the tab to a team.').waitFor({ timeout: 15_000 });

      expect(await page.evaluate(() => typeof (globalThis as unknown as { microsoftTeams?: unknown }).microsoftTeams)).toBe('object');
      expect(errors).toEqual([]);
    });

    it('when Teams hosts the page and the user presses Save, then it saves a tab showing the site root and reports success', async () => {
      const page = await browser.newPage();
      // A same-origin stand-in for the Teams client: it answers the teams-js messages the way the
      // host does for a tab's settings frame and records what the page asked for.
      const hostUrl = `${server.baseUrl}/__teams-host-stand-in`;
      await page.route(hostUrl, (route) => route.fulfill({ contentType: 'text/html', body: TEAMS_HOST_STAND_IN }));

      await page.goto(hostUrl);
      await page.waitForFunction(() => (globalThis as unknown as HostWindow).validity === true, undefined, { timeout: 15_000 });
      await page.evaluate(() => (globalThis as unknown as HostWindow).pressSave());
      await page.waitForFunction(
        () => (globalThis as unknown as HostWindow).calls.some((c) => c.func.startsWith('settings.save.')),
        undefined,
        { timeout: 15_000 },
      );
      const calls = await page.evaluate(() => (globalThis as unknown as HostWindow).calls);

      const saved = calls.find((c) => c.func === 'settings.setSettings');
      expect(saved?.args[0]).toEqual({
        entityId: 'department',
        contentUrl: `${server.baseUrl}/`,
        websiteUrl: `${server.baseUrl}/`,
        suggestedDisplayName: 'Engagement Monitor',
      });
      expect(calls.map((c) => c.func)).toContain('settings.save.success');
      expect(calls.map((c) => c.func)).not.toContain('settings.save.failure');
    });
  });
});

interface HostWindow {
  validity: boolean | undefined;
  calls: Array<{ func: string; args: unknown[] }>;
  pressSave(): void;
}

const TEAMS_HOST_STAND_IN = `<!doctype html>
<html><body>
<iframe id="tab" src="${CONFIGURE_TAB_PATH}" width="600" height="400"></iframe>
<script>
  window.calls = [];
  window.validity = undefined;
  var frame = document.getElementById('tab');
  function send(message) { frame.contentWindow.postMessage(message, window.location.origin); }
  window.addEventListener('message', function (event) {
    var m = event.data;
    if (event.source !== frame.contentWindow || !m || typeof m.func !== 'string') return;
    window.calls.push({ func: m.func, args: m.args || [] });
    function reply(args) { send({ id: m.id, uuidAsString: m.uuidAsString, args: args }); }
    if (m.func === 'initialize') reply(['settings', 'web', JSON.stringify({ apiVersion: 4, supports: { pages: { config: {} } } }), '2.0.0']);
    if (m.func === 'settings.setValidityState') window.validity = m.args[0];
    if (m.func === 'settings.setSettings') reply([true]);
  });
  window.pressSave = function () { send({ func: 'settings.save', args: [{}] }); };
</script>
</body></html>`;
