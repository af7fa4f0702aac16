import type { Logger } from 'pino';
import { handleError } from '../errors';
import type { Config } from '../config';
import type { Services } from '../services';
import type { JobLocks } from './job-locks';
import type { DatabaseHealth } from '../store/database-health';
import { isDatabaseUnreachable, type Db } from '../store/database';
import { claimJobRun } from '../store/job-run.repository';

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
  /**
   * True for a job every instance runs side by side (delivery: claims keep them apart). Every other
   * job is a singleton: one instance at a time runs it, once per schedule across instances.
   */
  everyInstance?: boolean;
  run(services: Services): Promise<Result>;
}

/** A scheduled job: the scheduler runs it every `everyMs`, never two runs of one job at once in a process. */
export interface Job {
  name: string;
  everyMs: number;
  /** Run once as soon as the scheduler starts. */
  runAtStart: boolean;
  everyInstance?: boolean;
  run: () => Promise<unknown>;
}

export interface Scheduler {
  start(): void;
  /**
   * Runs a job now (or joins the run already going) and resolves when it finishes. A singleton job
   * runs only on the instance holding its lock; with `onlyIfDue` only when no instance has run it
   * within its period (the first evaluation at start, on instances started together).
   */
  trigger(name: string, opts?: { onlyIfDue?: boolean }): Promise<void>;
  /** Stops scheduling and waits for runs in flight: the drain half of a graceful shutdown. */
  stop(): Promise<void>;
}

export interface SchedulerDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  /** Who this instance is, in job_runs. */
  instance: string;
  locks: JobLocks;
  health: DatabaseHealth;
  /** How often an instance that does not hold a singleton job asks for it again. */
  takeoverMs: number;
}

export function createScheduler(jobs: readonly Job[], deps: SchedulerDeps): Scheduler {
  const { logger } = deps;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  /** For a singleton job: whether this instance runs it now (holds the lock, and the job is due). */
  const mayRun = async (job: Job, due: 'always' | 'if-due' | 'scheduled'): Promise<boolean> => {
    if (job.everyInstance) return true;
    if (!(await deps.locks.acquire(job.name))) return false;
    if (due === 'always') {
      await claimJobRun(deps.db, { name: job.name, instance: deps.instance, now: deps.now(), everyMs: 0, firstRun: true });
      return true;
    }
    return claimJobRun(deps.db, {
      name: job.name,
      instance: deps.instance,
      now: deps.now(),
      everyMs: job.everyMs,
      firstRun: due === 'if-due' || job.runAtStart,
    });
  };

  const runJob = (job: Job, due: 'always' | 'if-due' | 'scheduled'): Promise<void> => {
    const current = running.get(job.name);
    if (current) return current;
    // The body starts on the next tick, after the run is registered: a run that ends at once (jobs
    // paused while the database is away) must not delete its entry before it is set, or the settled
    // run would stay registered and every later run of the job would join it instead of running.
    const run = Promise.resolve().then(async () => {
      try {
        if (!deps.health.available()) return;
        if (!(await mayRun(job, due))) return;
        await job.run();
      } catch (error) {
        if (isDatabaseUnreachable(error)) deps.health.reportUnreachable(error);
        else handleError(error, logger, { job: job.name });
      } finally {
        running.delete(job.name);
      }
    });
    running.set(job.name, run);
    return run;
  };

  // A singleton job is asked for at least every takeoverMs, so a dead holder is replaced quickly;
  // job_runs keeps it to once per period however many instances ask.
  const interval = (job: Job) => (job.everyInstance ? job.everyMs : Math.min(job.everyMs, deps.takeoverMs));

  const schedule = (job: Job, delay: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      void runJob(job, 'scheduled').then(() => schedule(job, interval(job)));
    }, delay);
    timer.unref();
    timers.set(job.name, timer);
  };

  return {
    start() {
      for (const job of jobs) schedule(job, job.runAtStart || !job.everyInstance ? 0 : job.everyMs);
    },
    async trigger(name, opts = {}) {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`no job named ${name}`);
      if (!stopped) await runJob(job, opts.onlyIfDue ? 'if-due' : 'always');
    },
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      await Promise.all(running.values());
      deps.health.stop();
      await deps.locks.close();
    },
  };
}
