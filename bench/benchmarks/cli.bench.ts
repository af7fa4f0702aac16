import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Figure } from '../types';
import { writeMoodleLog } from './moodle-log-generator';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'engagement.js');

const HOOK = join(ROOT, 'bench', 'support', 'first-open-hook.cjs');
const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** One run of `node <args>`: wall time, and the moment (ms after the spawn) the hook saw the file first opened, if any. */
function runNode(args: string[], env: Record<string, string>): { ms: number; firstOpenMs: number | null; cpuBeforeOpenMs: number | null } {
  const spawnedAt = Date.now();
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  const ms = performance.now() - started;
  // An import of a log naming nobody in the empty identity map reads every row and then fails (exit 1): that is the run measured.
  const readAll = result.status === 1 && /"rowsRead": 10,/.test(result.stdout);
  if (result.status !== 0 && !readAll) throw new Error(`node ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
  if (result.stderr.includes('running them through tsx')) throw new Error('build/ is stale: run `npm run build:service` first');
  const opened = /first-open (\d+) ([\d.]+)/.exec(result.stderr);
  return { ms, firstOpenMs: opened ? Number(opened[1]) - spawnedAt : null, cpuBeforeOpenMs: opened ? Number(opened[2]) : null };
}

/** Median wall time of `node <args>` over five runs, in ms; throws when a run fails. */
function timeNode(args: string[], env: Record<string, string> = {}): number {
  return median(Array.from({ length: 5 }, () => runNode(args, env).ms));
}

/**
 * How quickly the installed `engagement` command answers (issue 18): `--help`, and a whole dry-run
 * import of a 10-row Moodle log into a new SQLite file (config, migrations, read, count, print), and
 * the time until an import starts reading its file (seen by bench/support/first-open-hook.cjs). The
 * reference is a bare `node -e 0` in the same run.
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
      // When `engagement import` starts reading: the first open of the file, seen by a preloaded fs hook, from
      // the spawn. Into a database the import has already brought up to date, as on every import but the first.
      const readRuns = Array.from({ length: 5 }, () => {
        const { firstOpenMs, cpuBeforeOpenMs } = runNode(['-r', HOOK, BIN, 'import', 'moodle', small, '--dry-run', '--json'], {
          DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}`,
          LOG_LEVEL: 'silent',
          FIRST_OPEN_PATH: small,
        });
        if (firstOpenMs === null || cpuBeforeOpenMs === null) throw new Error('engagement import never opened the file');
        return { firstOpenMs, cpuBeforeOpenMs };
      });
      const firstRead = median(readRuns.map((r) => r.firstOpenMs));
      // The same hook in a bare node that opens the file at once: the CPU any process spends before its first read.
      const bareCpu = median(
        Array.from({ length: 5 }, () => {
          const { cpuBeforeOpenMs } = runNode(['-r', HOOK, '-e', `require('node:fs').openSync(${JSON.stringify(small)})`], {
            FIRST_OPEN_PATH: small,
          });
          if (cpuBeforeOpenMs === null) throw new Error('the bare node never opened the file');
          return cpuBeforeOpenMs;
        }),
      );
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
        'cli.import_starts_reading_ms': ms(firstRead, 1000),
        'cli.import_starts_reading_vs_node_start': { value: Math.round((firstRead / node) * 10) / 10, unit: 'x' },
        // The CPU the process used before that first read: the work itself, which other processes on the machine do not stretch.
        'cli.import_cpu_before_reading_ms': ms(median(readRuns.map((r) => r.cpuBeforeOpenMs))),
        'cli.bare_node_cpu_before_reading_ms': ms(bareCpu),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
