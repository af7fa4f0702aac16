#!/usr/bin/env node
// The one CLI. It runs the compiled JavaScript in build/, which `npm install` makes (the `prepare`
// script) and `npm start`, `npm test` and `npm run build` refresh. When build/ is missing or older
// than the TypeScript sources it says so and runs the sources through tsx instead: slower to start,
// never stale.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

// restify pulls in http-deceiver, which touches process.binding: a harmless warning on every run.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.code !== 'DEP0111') console.error(w.stack ?? String(w));
});

const root = join(__dirname, '..');
const compiled = join(root, 'build', 'bot', 'cli.js');

/** True when some .ts file under the folder changed after `since` (a few hundred stat calls: milliseconds). */
function changedSince(dir, since) {
  return readdirSync(dir, { withFileTypes: true }).some((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return changedSince(path, since);
    return entry.name.endsWith('.ts') && statSync(path).mtimeMs > since;
  });
}

function isBuildCurrent() {
  if (!existsSync(compiled)) return false;
  const builtAt = statSync(compiled).mtimeMs;
  return !['bot', 'shared'].some((dir) => existsSync(join(root, dir)) && changedSince(join(root, dir), builtAt));
}

if (isBuildCurrent()) {
  require(compiled).runCli(process.argv);
} else {
  console.error('engagement: build/ is missing or older than the sources; running them through tsx (run `npm run build` to start faster).');
  const { spawnSync } = require('node:child_process');
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child = spawnSync(process.execPath, ['--disable-warning=DEP0111', tsx, join(root, 'bot', 'cli.ts'), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}
