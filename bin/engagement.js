#!/usr/bin/env node
// The one CLI: runs the TypeScript sources through tsx so there is no separate build step.
// restify pulls in http-deceiver, which touches process.binding: a harmless warning on every run.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.code !== 'DEP0111') console.error(w.stack ?? String(w));
});
require('tsx/cjs');
require('../bot/cli.ts').runCli(process.argv);
