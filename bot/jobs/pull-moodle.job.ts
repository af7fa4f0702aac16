import type { Logger } from 'pino';
import type { MoodleDbConfig } from '../config';
import type { Db } from '../store/database';
import { AppError } from '../errors';
import { openMoodleConnection } from '../feeds/moodle-db/moodle-connection';
import { pullMoodle, type MoodlePullDeps, type MoodlePullOptions, type MoodlePullSummary } from '../feeds/moodle-db/pull-moodle.command';
import type { JobDeclaration } from './scheduler';

export const PULL_MOODLE_JOB_NAME = 'pull-moodle';

export const MOODLE_DB_OFF_MESSAGE =
  'Pulling Moodle activity from its database is off: MOODLE_DB_URL is not set. Moodle log and user downloads can still be imported.';

export interface MoodlePuller {
  pull(options?: MoodlePullOptions, onProgress?: MoodlePullDeps['onProgress']): Promise<MoodlePullSummary>;
}

/** A puller bound to the configuration; each run opens its own read-only connection and closes it. */
export function createMoodlePuller(
  moodle: MoodleDbConfig,
  timeZone: string,
  base: { db: Db; logger: Logger; now: () => Date },
): MoodlePuller {
  const settings = {
    timeZone,
    lookbackDays: moodle.lookbackDays,
    maxLagMinutes: moodle.maxLagMinutes,
    pageSize: moodle.pageSize,
  };
  return {
    pull: (options = {}, onProgress) =>
      pullMoodle(
        { db: base.db, logger: base.logger, now: base.now, connect: () => openMoodleConnection(moodle), settings, onProgress },
        options,
      ),
  };
}

/** Hourly by default; off (said once) without MOODLE_DB_URL. Instances share a lease, so one pulls and the others skip. */
export const pullMoodleJob: JobDeclaration<MoodlePullSummary> = {
  name: PULL_MOODLE_JOB_NAME,
  schedule: (config) => (config.moodleDb ? { everyMs: config.moodleDb.pullEveryMinutes * 60_000, runAtStart: true } : null),
  offMessage: MOODLE_DB_OFF_MESSAGE,
  run: (services) => {
    const moodle = services.config.moodleDb;
    if (!moodle) throw new AppError(503, 'moodle_db_not_configured', MOODLE_DB_OFF_MESSAGE);
    return createMoodlePuller(moodle, services.config.timeZone, services).pull();
  },
};
