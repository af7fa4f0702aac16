import type { Logger } from 'pino';
import type { Services } from '../services';
import { evaluateAll } from '../rules/evaluate.command';
import { escalateUnacknowledged, type EscalationSummary } from './escalate.command';
import { deliverDue, type DeliverySummary } from '../teams/deliver.command';
import { importDropFolder } from '../ingest/drop-folder.command';
import { collectAttendanceJob } from './collect-attendance.job';
import { pullMoodleJob } from './pull-moodle.job';
import type { Job, JobDeclaration } from './scheduler';
import { applyRetention, type RetentionSummary } from '../commands/retention.command';

export const evaluateJob: JobDeclaration = {
  name: 'evaluate',
  schedule: (config) => ({ everyMs: config.jobs.evaluateEveryMinutes * 60_000, runAtStart: false }),
  run: (services) => evaluateAll(services.evaluate, services.today()),
};

export const escalateJob: JobDeclaration<EscalationSummary> = {
  name: 'escalate',
  schedule: (config) => ({ everyMs: config.alerts.escalateEveryMinutes * 60_000, runAtStart: false }),
  run: (services) => escalateUnacknowledged(services.escalate),
};

export const notifyJob: JobDeclaration<DeliverySummary> = {
  name: 'notify',
  schedule: (config) => ({ everyMs: config.jobs.notifyEverySeconds * 1000, runAtStart: true }),
  run: (services) => deliverDue(services.deliver),
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
  escalateJob,
  notifyJob,
  collectAttendanceJob,
  importWatchJob,
  retentionJob,
  pullMoodleJob,
];

/** The jobs this configuration turns on, bound to the services; an off job with a reason says it once. */
export function scheduledJobs(services: Services, logger: Logger = services.logger): Job[] {
  return JOBS.flatMap((declared) => {
    const schedule = declared.schedule(services.config);
    if (!schedule) {
      if (declared.offMessage) logger.info(declared.offMessage);
      return [];
    }
    return [{ name: declared.name, ...schedule, run: () => declared.run(services) }];
  });
}
