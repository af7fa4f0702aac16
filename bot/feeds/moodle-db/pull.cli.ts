import { Command, Option } from 'commander';
import type { Config } from '../../config';
import { AppError } from '../../errors';
import type { Db } from '../../store/database';

interface CliHelpers {
  config: () => Config;
  withDatabase: <T>(config: Config, work: (db: Db) => Promise<T>) => Promise<T>;
  parseDay: (value: string) => string;
  /** Writes the result to standard output (the CLI's own, so this module prints nothing itself). */
  print: (text: string) => void;
  /** Marks the run as failed; the result is still printed. */
  fail: (code: number) => void;
}

/**
 * `engagement pull moodle [--since DAY] [--json]`: the scheduled pull, run now, with a progress bar on
 * a terminal. The database drivers load only when the command runs, so `--help` stays quick.
 */
export function buildPullCommand(helpers: CliHelpers): Command {
  const pull = new Command('pull').description('pull activity straight from a source system');
  pull
    .command('moodle')
    .description('read new Moodle log entries and users from the Moodle database (MOODLE_DB_URL) into the counts')
    .option('--since <day>', 'read again from this day (YYYY-MM-DD), replacing what was counted for those days', helpers.parseDay)
    .addOption(new Option('--json', 'print the result as JSON for scripts').default(false))
    .action(async (opts: { since?: string; json: boolean }) => {
      const [{ createLogger }, { createMoodlePuller, MOODLE_DB_OFF_MESSAGE }, { presentPullSummary }, { SingleBar }] = await Promise.all([
        import('../../logger'),
        import('./moodle-puller'),
        import('./pull-summary.presenter'),
        import('cli-progress'),
      ]);
      const config = helpers.config();
      if (!config.moodleDb) throw new AppError(503, 'moodle_db_not_configured', MOODLE_DB_OFF_MESSAGE);
      const moodle = config.moodleDb;
      const logger = createLogger(opts.json ? 'silent' : 'error');
      const bar =
        opts.json || !process.stderr.isTTY
          ? null
          : new SingleBar({
              format: 'Moodle log [{bar}] {percentage}% | {rows} entries | {rate} entries/s | {duration_formatted}',
              hideCursor: true,
              clearOnComplete: true,
              stream: process.stderr,
            });
      const started = performance.now();
      bar?.start(1, 0, { rows: 0, rate: 0 });
      try {
        const summary = await helpers.withDatabase(config, (db) =>
          createMoodlePuller(moodle, config.timeZone, { db, logger, now: () => new Date() }).pull({ since: opts.since }, (p) => {
            bar?.setTotal(p.idsTotal);
            bar?.update(p.idsDone, { rows: p.rowsRead, rate: Math.round(p.rowsRead / ((performance.now() - started) / 1000 || 1)) });
          }),
        );
        bar?.stop();
        helpers.print(opts.json ? JSON.stringify(summary, null, 2) : presentPullSummary(summary));
        if (summary.status === 'failed') helpers.fail(1);
      } finally {
        bar?.stop();
      }
    });
  return pull;
}
