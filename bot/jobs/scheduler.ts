import type { Logger } from 'pino';
import { handleError } from '../errors';
import type { Config } from '../config';
import type { Services } from '../services';

/**
 * A job as declared in bot/jobs/index.ts: the server schedules it and the CLI runs the same `run`
 * with the same services, so the two cannot drift apart.
 */
export interface JobDeclaration<Result = unknown> {
  name: string;
  /** How often it runs under this configuration, or null when the configuration turns it off. */
  schedule(config: Config): { everyMs: number; runAtStart: boolean } | null;
  /** Said once at start when the job is off, so an operator knows why it never runs. */
  offMessage?: string;
  run(services: Services): Promise<Result>;
}

/** A scheduled job: the scheduler runs it every `everyMs`, never two runs of one job at once in a process. */
export interface Job {
  name: string;
  everyMs: number;
  /** Run once as soon as the scheduler starts. */
  runAtStart: boolean;
  run: () => Promise<unknown>;
}

export interface Scheduler {
  start(): void;
  /** Runs a job now (or joins the run already going) and resolves when it finishes. */
  trigger(name: string): Promise<void>;
  /** Stops scheduling and waits for runs in flight: the drain half of a graceful shutdown. */
  stop(): Promise<void>;
}

export function createScheduler(jobs: readonly Job[], logger: Logger): Scheduler {
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  const runJob = (job: Job): Promise<void> => {
    const current = running.get(job.name);
    if (current) return current;
    const run = (async () => {
      try {
        await job.run();
      } catch (error) {
        handleError(error, logger, { job: job.name });
      } finally {
        running.delete(job.name);
      }
    })();
    running.set(job.name, run);
    return run;
  };

  const schedule = (job: Job, delay: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      void runJob(job).then(() => schedule(job, job.everyMs));
    }, delay);
    timer.unref();
    timers.set(job.name, timer);
  };

  return {
    start() {
      for (const job of jobs) schedule(job, job.runAtStart ? 0 : job.everyMs);
    },
    async trigger(name) {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`no job named ${name}`);
      if (!stopped) await runJob(job);
    },
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      await Promise.all(running.values());
    },
  };
}
