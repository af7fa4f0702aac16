import type { Logger } from 'pino';
import type { Services } from '../services';
import { evaluateAll } from '../rules/evaluate.command';
import { escalateUnacknowledged, type EscalationSummary } from './escalate.command';
import { followCases, type CaseCareSummary } from './case-care.command';
import { drainDue, type DeliverySummary } from '../teams/deliver.command';
import { importDropFolder } from '../ingest/drop-folder.command';
import { collectAttendanceJob } from './collect-attendance.job';
import { pullMoodleJob } from './pull-moodle.job';
import { syncDirectoryJob } from './sync-directory.job';
import { createScheduler, type Job, type JobDeclaration, type Scheduler } from './scheduler';
import { applyRetention, type RetentionSummary } from '../commands/retention.command';

/** A unique index refused a row another process wrote at the same moment (one open case per student). */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? '';
  return code === '23505' || code.startsWith('SQLITE_CONSTRAINT');
}

export const evaluateJob: JobDeclaration = {
  name: 'evaluate',
  schedule: (config) => ({ everyMs: config.jobs.evaluateEveryMinutes * 60_000, runAtStart: false }),
  run: async (services) => {
    try {
      return await evaluateAll(services.evaluate, services.today());
    } catch (error) {
      // Only an evaluation run outside the job lock (the CLI next to a running service) can meet
      // another one; the other wrote the same cases, so nothing is lost and the next run reconciles.
      if (!isUniqueViolation(error)) throw error;
      services.logger.warn(
        { err: error },
        'another evaluation opened the same case at the same moment; this run stops, the next one continues',
      );
      return null;
    }
  },
};

export const escalateJob: JobDeclaration<EscalationSummary> = {
  name: 'escalate',
  schedule: (config) => ({ everyMs: config.alerts.escalateEveryMinutes * 60_000, runAtStart: false }),
  run: (services) => escalateUnacknowledged(services.escalate),
};

/** Pauses and resumes cases as students leave and return to monitoring, and brings unanswered contacts back. Runs with escalation, before it. */
export const caseCareJob: JobDeclaration<CaseCareSummary> = {
  name: 'case-care',
  schedule: (config) => ({ everyMs: config.alerts.escalateEveryMinutes * 60_000, runAtStart: false }),
  run: (services) => followCases(services.caseCare),
};

export const notifyJob: JobDeclaration<DeliverySummary> = {
  name: 'notify',
  schedule: (config) => ({ everyMs: config.jobs.notifyEverySeconds * 1000, runAtStart: true }),
  // Every instance delivers (claims keep them apart, one shared pace keeps the tenant's limit), and
  // each keeps going while deliveries are due: NOTIFY_EVERY_SECONDS is the wait once there is none.
  everyInstance: true,
  run: (services) => drainDue(services.deliver, () => services.shutdown.signal.aborted),
};

export const importWatchJob: JobDeclaration = {
  name: 'import-watch',
  schedule: (config) => (config.ingest.dropFolder ? { everyMs: config.ingest.watchEveryMinutes * 60_000, runAtStart: true } : null),
  run: (services) =>
    importDropFolder({
      db: services.db,
      ingest: services.config.ingest,
      campusTimeZone: services.config.timeZone,
      logger: services.logger,
      now: services.now,
    }),
};

export const retentionJob: JobDeclaration<RetentionSummary> = {
  name: 'retention',
  schedule: (config) => ({ everyMs: config.privacy.retention.everyHours * 3_600_000, runAtStart: false }),
  run: (services) =>
    applyRetention(
      { db: services.db, logger: services.logger, now: services.now, today: services.today, privacy: services.config.privacy },
      { dryRun: false },
    ),
};

/** Every job of the service. Adding a job: declare it (name, schedule, run) and list it here; the server and the CLI both pick it up. */
export const JOBS: readonly JobDeclaration[] = [
  evaluateJob,
  caseCareJob,
  escalateJob,
  notifyJob,
  collectAttendanceJob,
  importWatchJob,
  retentionJob,
  pullMoodleJob,
  syncDirectoryJob,
];

/** The jobs this configuration turns on, bound to the services; an off job with a reason says it once. */
export function scheduledJobs(services: Services, logger: Logger = services.logger): Job[] {
  return JOBS.flatMap((declared) => {
    const schedule = declared.schedule(services.config);
    if (!schedule) {
      if (declared.offMessage) logger.info(declared.offMessage);
      return [];
    }
    return [{ name: declared.name, ...schedule, everyInstance: declared.everyInstance === true, run: () => declared.run(services) }];
  });
}

/** The scheduler of this instance: the configured jobs, singleton jobs under their locks, paused while the database is away. */
export function createJobScheduler(services: Services): Scheduler {
  return createScheduler(scheduledJobs(services), {
    db: services.db,
    logger: services.logger,
    now: services.now,
    instance: services.instance,
    locks: services.jobLocks,
    health: services.health,
    takeoverMs: services.config.jobs.takeoverSeconds * 1000,
  });
}
