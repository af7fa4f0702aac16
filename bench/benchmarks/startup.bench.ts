import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark } from '../types';
import { freePort } from '../../tests/support/ports';

const ROOT = join(__dirname, '..', '..');

/** Spawns the real service (the compiled build, as `npm start` runs it) on an empty SQLite file and times start-up until /healthz answers with the demo loaded. */
async function timeStartup(): Promise<{ ms: number; flagged: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'em-bench-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'build', 'bot', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'bench.sqlite')}`, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 60_000) throw new Error('service did not start within 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = performance.now() - started;
    const flags = (await (
      await fetch(`http://127.0.0.1:${port}/api/flags`, { headers: { authorization: 'Local demo-staff-01' } })
    ).json()) as { total: number };
    return { ms, flagged: flags.total };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

export const startupBenchmark: Benchmark = {
  name: 'startup',
  description: 'fresh start on an empty SQLite database: migrate, load the demo, evaluate, serve',
  async run() {
    const runs = [await timeStartup(), await timeStartup(), await timeStartup()];
    const median = runs.map((r) => r.ms).sort((a, b) => a - b)[1] ?? Number.NaN;
    return {
      'startup.to_serving_ms': { value: Math.round(median), unit: 'ms', target: '< 15000', met: median < 15_000 },
      'startup.demo_flagged_students': { value: runs[0]?.flagged ?? 0, unit: 'students' },
    };
  },
};
