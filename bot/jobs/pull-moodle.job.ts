import type { Logger } from 'pino';
import type { Config, MoodleDbConfig } from '../config';
import type { Db } from '../store/database';
import { openMoodleConnection } from '../feeds/moodle-db/moodle-connection';
import { pullMoodle, type MoodlePullDeps, type MoodlePullOptions, type MoodlePullSummary } from '../feeds/moodle-db/pull-moodle.command';
import type { Job } from './scheduler';

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
    pull: (options = {}, onProgress) => pullMoodle({ ...base, connect: () => openMoodleConnection(moodle), settings, onProgress }, options),
  };
}

/** The scheduled pull, or null when no Moodle database is configured (said once, here). */
export function createPullMoodleJob(config: Config, base: { db: Db; logger: Logger; now: () => Date }): Job | null {
  if (!config.moodleDb) {
    base.logger.info(MOODLE_DB_OFF_MESSAGE);
    return null;
  }
  const puller = createMoodlePuller(config.moodleDb, config.timeZone, base);
  return { name: PULL_MOODLE_JOB_NAME, everyMs: config.moodleDb.pullEveryMinutes * 60_000, runAtStart: true, run: () => puller.pull() };
}
