import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Figure } from '../types';
import { writeMoodleLog } from './moodle-log-generator';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'engagement.js');

/** Median wall time of `node <args>` over five runs, in ms; throws when a run fails. */
function timeNode(args: string[], env: Record<string, string> = {}): number {
  const runs = Array.from({ length: 5 }, () => {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
    const ms = performance.now() - started;
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
    if (result.stderr.includes('running them through tsx')) throw new Error('build/ is stale: run `npm run build:service` first');
    return ms;
  });
  return runs.sort((a, b) => a - b)[2] ?? Number.NaN;
}

/**
 * How quickly the installed `engagement` command answers (issue 18): `--help`, and a whole dry-run
 * import of a 10-row Moodle log into a new SQLite file (config, migrations, read, count, print), which
 * bounds the time until an import starts reading. The reference is a bare `node -e 0` in the same run.
 */
export const cliBenchmark: Benchmark = {
  name: 'cli',
  description: 'the engagement command: --help, and a small dry-run import, against a bare node start',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'em-bench-cli-'));
    try {
      const small = join(dir, 'moodle-10.csv');
      await writeMoodleLog(small, { rows: 10 });
      const node = timeNode(['-e', '0']);
      const help = timeNode([BIN, '--help']);
      const importMs = timeNode([BIN, 'import', 'moodle', small, '--dry-run', '--json'], {
        DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}`,
        LOG_LEVEL: 'silent',
      });
      const ms = (value: number, target?: number): Figure => ({
        value: Math.round(value),
        unit: 'ms',
        ...(target === undefined ? {} : { target: `< ${target}`, met: value < target }),
      });
      return {
        'cli.node_start_ms': ms(node),
        'cli.help_ms': ms(help, 500),
        'cli.help_vs_node_start': { value: Math.round((help / node) * 10) / 10, unit: 'x' },
        'cli.small_import_ms': ms(importMs, 1000),
        'cli.small_import_vs_node_start': { value: Math.round((importMs / node) * 10) / 10, unit: 'x' },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
