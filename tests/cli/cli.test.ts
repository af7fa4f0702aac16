import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess } from '../support/cli';
import { freePort } from '../support/ports';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

function run(script: string, args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [TSX, join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr.split('\n').filter((l) => l && !l.includes('DEP0111') && !l.includes('trace-deprecation')),
  };
}

describe('the engagement command and the service entry point', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'em-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when the installed engagement command is asked for help, then it lists every job', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'engagement.js'), '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    for (const command of ['serve', 'migrate', 'demo', 'evaluate', 'notify', 'playground']) expect(result.stdout).toContain(command);
  });

  it('when the sources have been built (npm install, npm test), then the engagement command runs the compiled JavaScript', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'engagement.js'), '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain('running them through tsx');
    // The libraries of many small files are required from their one-file bundles in build/vendor/ (scripts/build.mjs).
    const database = readFileSync(join(ROOT, 'build', 'bot', 'store', 'database.js'), 'utf8');
    expect(database).toContain('require("../../vendor/kysely.js")');
    expect(database).not.toMatch(/require\("kysely"\)/);
    expect(readFileSync(join(ROOT, 'build', 'bot', 'config', 'env.js'), 'utf8')).toContain('require("../../vendor/zod.js")');
  });

  it('when `npx engagement serve` runs in the repository, then it starts the service with its tab, and stops on SIGTERM', async () => {
    const port = await freePort();
    // detached: npx runs the command through a shell of its own, so SIGTERM goes to the whole group.
    const child = spawn('npx', ['--no-install', 'engagement', 'serve'], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${join(dir, 'serve.sqlite')}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const health = () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    try {
      let healthy = false;
      for (let i = 0; i < 600 && !healthy && child.exitCode === null; i++) {
        healthy = await health();
        if (!healthy) await new Promise((r) => setTimeout(r, 100));
      }
      expect({ healthy, stderr }).toEqual({ healthy: true, stderr: '' });
      const tab = await fetch(`http://127.0.0.1:${port}/`);
      expect(tab.status).toBe(200);
      expect(await tab.text()).toBe(readFileSync(join(ROOT, 'tab', 'dist', 'index.html'), 'utf8'));
    } finally {
      process.kill(-(child.pid as number), 'SIGTERM');
    }
    let stopped = false;
    for (let i = 0; i < 200 && !stopped; i++) {
      stopped = !(await health());
      if (!stopped) await new Promise((r) => setTimeout(r, 100));
    }
    expect(stopped).toBe(true);
  });

  it('when the database is unreachable, then the service exits non-zero with one clear line and no stack trace', () => {
    const result = run('bot/main.ts', [], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(result.status).toBe(1);
    expect(result.stderr).toEqual([
      'engagement-monitor: Cannot reach the database (PostgreSQL at 127.0.0.1:1/none): connection refused (is the server running?)',
    ]);
  });

  it('when DATABASE_URL is malformed and PORT is not a number, then both problems are named in one line', () => {
    const result = run('bot/main.ts', [], { DATABASE_URL: 'mysql://x', PORT: 'eighty' });
    expect(result.status).toBe(1);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toContain('PORT: expected a whole number');
    expect(result.stderr[0]).toContain('DATABASE_URL: expected postgres://');
  });

  it('when demo and evaluate run with --json, then they print machine-readable results and the same seed gives the same department', async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'a.sqlite')}` };
    const demo = await runCliInProcess(['demo', '--seed', '7', '--today', '2026-11-27', '--json'], env);
    expect(demo.code).toBe(0);
    const summary = JSON.parse(demo.stdout) as { students: number; staff: number; countRows: number };
    expect(summary).toMatchObject({ students: 600, staff: 30 });

    const again = await runCliInProcess(['demo', '--seed', '7', '--today', '2026-11-27', '--json'], {
      DATABASE_URL: `sqlite:${join(dir, 'b.sqlite')}`,
    });
    expect(JSON.parse(again.stdout)).toEqual(summary);

    const evaluation = await runCliInProcess(['evaluate', '--as-of', '2026-11-27', '--json'], env);
    expect(evaluation.code).toBe(0);
    const [result] = (JSON.parse(evaluation.stdout) as { departments: Array<{ flagged: number; opened: number }> }).departments;
    expect(result?.flagged).toBeGreaterThan(0);
    expect(result?.opened).toBe(result?.flagged);
  });

  it('when the demo is loaded into a database that already holds a department, then it refuses and exits non-zero', async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'c.sqlite')}` };
    expect((await runCliInProcess(['demo', '--json'], env)).code).toBe(0);
    const second = await runCliInProcess(['demo', '--json'], env);
    expect(second.code).toBe(1);
    expect(second.stderr.join('\n')).toContain('the demo is only loaded into an empty database');
  });

  it('when the running service receives SIGTERM, then it stops serving and exits cleanly', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [TSX, join(ROOT, 'bot', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'd.sqlite')}` },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let healthy = false;
    let ended = false;
    void exited.then(() => (ended = true));
    // Bounded by count, not time: start-up with the demo is slow on a loaded 2-core machine.
    for (let i = 0; i < 1500 && !healthy && !ended; i++) {
      healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    expect(healthy).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 240_000);
});
