import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/ports';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export interface ServiceProcess {
  baseUrl: string;
  child: ChildProcess;
  /** What the service wrote to stderr so far (its one-line refusals, or a crash). */
  stderr(): string;
  isRunning(): boolean;
  /** Resident memory of the service process in MB, from /proc (the node process running bot/main.ts, not tsx's launcher). */
  rssMb(): number;
  stop(): Promise<void>;
}

/**
 * tsx's command line starts a second node process that runs the service and only relays signals
 * itself, so the service's memory is its child's; without a child (plain node) it is the process itself.
 */
function servicePid(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children.length === 1 ? Number(children[0]) : pid;
}

/** Starts `bot/main.ts` as its own process, as `npm start` would, and waits until /healthz answers. */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [TSX, join(ROOT, 'bot', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', JOBS_ENABLED: 'false', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const baseUrl = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    baseUrl,
    child,
    stderr: () => stderr,
    isRunning: () => !exited,
    rssMb() {
      const status = readFileSync(`/proc/${servicePid(child.pid!)}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
  // Generous: on a loaded machine tsx takes a long while to compile the service before it listens.
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline && !exited) {
    const healthy = await fetch(`${baseUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) return service;
    await new Promise((r) => setTimeout(r, 100));
  }
  await service.stop();
  throw new Error(`the service did not start: ${stderr}`);
}

/** Runs `bot/main.ts` expecting it to refuse to start; resolves with its exit code and stderr. */
export async function startExpectingRefusal(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [TSX, join(ROOT, 'bot', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', JOBS_ENABLED: 'false', PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), 150_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stderr };
}
