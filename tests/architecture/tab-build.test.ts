import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('the tab build', () => {
  it('when the tab is built with NODE_ENV=test in the environment (as under jest, or a CI that sets it), then it is still the production bundle with the page margin reset', () => {
    const out = mkdtempSync(join(tmpdir(), 'em-tab-build-'));
    try {
      const run = spawnSync(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
          'build',
          '--config',
          'tab/vite.config.mts',
          '--outDir',
          out,
          '--logLevel',
          'warn',
        ],
        { cwd: ROOT, env: { ...process.env, NODE_ENV: 'test' }, encoding: 'utf8', timeout: 180_000 },
      );
      expect(run.status).toBe(0);
      const assets = readdirSync(join(out, 'assets')).filter((f) => f.endsWith('.js'));
      const bundle = assets.map((f) => readFileSync(join(out, 'assets', f), 'utf8')).join('\n');
      // React's development build carries its dev-only runtime and DevTools hint; production has neither.
      expect(bundle).not.toContain('react-devtools');
      expect(bundle).not.toContain('jsxDEV');
      expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(
        /<style>\s*html,\s*body\s*\{\s*margin:\s*0;?\s*padding:\s*0;?\s*\}\s*<\/style>/,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 200_000);
});
