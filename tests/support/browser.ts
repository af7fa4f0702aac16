import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** The browser tests need the built tab; npm test builds it before jest runs. */
export function assertTabBuilt(): void {
  const index = join(__dirname, '..', '..', 'tab', 'dist', 'index.html');
  if (!existsSync(index)) throw new Error('tab/dist is missing: run "npm run build:tab" first (npm test does it).');
}

/**
 * Opens the tab at `hash` signed in as a local staff member. The local sign-in is read from session storage when
 * the tab loads, so it is written before any of the page's scripts run: one load, no reload to race.
 */
export async function openTabAs(page: Page, baseUrl: string, staffId: string, hash = ''): Promise<void> {
  await page.addInitScript(`sessionStorage.setItem('engagement-monitor.local-staff', 'Local ${staffId}')`);
  await page.goto(`${baseUrl}/${hash}`);
}
