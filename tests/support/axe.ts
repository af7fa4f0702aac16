import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/**
 * axe-core's serious and critical findings on the current page; an empty list means none. Fluent's
 * focus manager (tabster) adds aria-hidden sentinel elements that hand focus straight on to a real
 * control; axe reports them as aria-hidden-focus, so they alone are left out of the scan.
 */
export async function seriousAccessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated through the debugging protocol: the tab's Content-Security-Policy rightly refuses an injected inline script.
  if (!(await page.evaluate('typeof axe !== "undefined"')))
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const result = (await page.evaluate(`axe.run({ exclude: [['[data-tabster-dummy]']] }, { resultTypes: ['violations'] })`)) as {
    violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[]; html: string; any: Array<{ data: unknown }> }> }>;
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}) at ${v.nodes.map((n) => `${n.target.join(' ')} ${n.html.slice(0, 80)} ${JSON.stringify(n.any[0]?.data ?? '')}`).join(', ')}`,
    );
}
