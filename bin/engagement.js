#!/usr/bin/env node
// The one CLI: runs the TypeScript sources through tsx so there is no separate build step.
require('tsx/cjs');
require('../bot/cli.ts');
