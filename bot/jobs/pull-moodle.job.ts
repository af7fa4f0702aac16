import { AppError } from '../errors';
import { createMoodlePuller, MOODLE_DB_OFF_MESSAGE } from '../feeds/moodle-db/moodle-puller';
import type { MoodlePullSummary } from '../feeds/moodle-db/pull-moodle.command';
import type { JobDeclaration } from './scheduler';

export const PULL_MOODLE_JOB_NAME = 'pull-moodle';

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
