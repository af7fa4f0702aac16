import type { Logger } from 'pino';
import type { MoodleDbConfig } from '../../config';
import type { Db } from '../../store/database';
import { openMoodleConnection } from './moodle-connection';
import { pullMoodle, type MoodlePullDeps, type MoodlePullOptions, type MoodlePullSummary } from './pull-moodle.command';

export const MOODLE_DB_OFF_MESSAGE =
  'Pulling Moodle activity from its database is off: MOODLE_DB_URL is not set. Moodle log and user downloads can still be imported.';

export interface MoodlePuller {
  pull(options?: MoodlePullOptions, onProgress?: MoodlePullDeps['onProgress']): Promise<MoodlePullSummary>;
}

/** A puller bound to the configuration, used by the job and the CLI; each run opens its own read-only connection and closes it. */
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
