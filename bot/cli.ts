import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { childEnvironment, ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './logger';
import { AppError } from './errors';
import { checkDatabase, createDatabase, migrateToLatest, type Db } from './store/database';
import { loadDemo } from './demo/load-demo.command';
import { evaluateAll } from './rules/evaluate.command';
import { deliverDue } from './teams/deliver.command';
import { escalateUnacknowledged } from './jobs/escalate.command';
import { createAdapter, createCardSender } from './teams/adapter';
import { IsoDaySchema } from '../shared/domain';
import { todayIn } from './clock';

type Output = { json: boolean };

function print(opts: Output, value: unknown, human: () => string): void {
  console.log(opts.json ? JSON.stringify(value, null, 2) : human());
}

async function withDatabase<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  const db = createDatabase(config.database);
  try {
    await checkDatabase(db, config.database);
    await migrateToLatest(db);
    return await work(db);
  } finally {
    await db.destroy();
  }
}

function parseDay(value: string): string {
  const parsed = IsoDaySchema.safeParse(value);
  if (!parsed.success) throw new AppError(400, 'bad_day', `"${value}" is not a day; use YYYY-MM-DD.`);
  return value;
}

const jsonOption = () => new Option('--json', 'print the result as JSON for scripts').default(false);

export function buildCli(): Command {
  const program = new Command('engagement')
    .description('Engagement Monitor: every job of the service, from the command line. Settings come from the environment (see README).')
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the service: tab, bot, API and scheduled jobs')
    .action(async () => {
      await import('./main');
    });

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .addOption(jsonOption())
    .action(async (opts: Output) => {
      const config = loadConfig();
      const db = createDatabase(config.database);
      try {
        await checkDatabase(db, config.database);
        const applied = await migrateToLatest(db);
        print(opts, { applied }, () => (applied.length ? `Applied: ${applied.join(', ')}` : 'Already up to date.'));
      } finally {
        await db.destroy();
      }
    });

  program
    .command('demo')
    .description('load the synthetic demo department into an empty database')
    .option('--seed <n>', 'seed for the generator: the same seed gives the same department', (v) => Number.parseInt(v, 10))
    .option('--today <day>', 'the day the demo is built around (YYYY-MM-DD)', parseDay)
    .addOption(jsonOption())
    .action(async (opts: Output & { seed?: number; today?: string }) => {
      const config = loadConfig();
      const seed = opts.seed ?? config.demo.seed;
      if (!Number.isInteger(seed) || seed < 0) throw new AppError(400, 'bad_seed', '--seed takes a whole number of 0 or more.');
      const summary = await withDatabase(config, (db) => loadDemo(db, { seed, today: opts.today ?? todayIn(config.timeZone, new Date()), now: new Date().toISOString() }));
      print(opts, summary, () => `Loaded ${summary.department}: ${summary.students} students, ${summary.staff} staff, ${summary.countRows} daily count rows; term ${summary.term.start} to ${summary.term.end}.`);
    });

  program
    .command('evaluate')
    .description('run the rules for every department, open or raise cases and queue alerts')
    .option('--today <day>', 'evaluate as of this day (YYYY-MM-DD)', parseDay)
    .addOption(jsonOption())
    .action(async (opts: Output & { today?: string }) => {
      const config = loadConfig();
      const logger = createLogger(opts.json ? 'silent' : 'warn');
      const results = await withDatabase(config, (db) => evaluateAll({ db, logger, now: () => new Date() }, opts.today ?? todayIn(config.timeZone, new Date())));
      print(opts, results, () =>
        results.map((r) => `${r.departmentId}: ${r.flagged} flagged, ${r.opened} opened, ${r.escalated} raised, ${r.exempt} exempt, ${r.digestsQueued} digests queued${r.warnings.length ? `\n  warnings: ${r.warnings.join('; ')}` : ''}`).join('\n'),
      );
    });

  program
    .command('notify')
    .description('send every due alert through the Bot Connector')
    .addOption(jsonOption())
    .action(async (opts: Output) => {
      const config = loadConfig();
      const logger = createLogger(opts.json ? 'silent' : 'warn');
      const sender = createCardSender(createAdapter(config.bot), config.bot.appId);
      const summary = await withDatabase(config, (db) => deliverDue({ db, sender, logger, now: () => new Date(), workerId: `cli:${process.pid}`, publicUrl: config.publicUrl }));
      print(opts, summary, () => `Sent ${summary.sent}; waiting for a chat ${summary.waitingForChat}; retrying ${summary.retrying}; failed ${summary.failed}; unreachable ${summary.unreachable}.`);
    });

  program
    .command('escalate')
    .description('end run-out snoozes and escalate cases nobody acknowledged (Director of Studies, then Student Experience Officer)')
    .addOption(jsonOption())
    .action(async (opts: Output) => {
      const config = loadConfig();
      const logger = createLogger(opts.json ? 'silent' : 'warn');
      const summary = await withDatabase(config, (db) =>
        escalateUnacknowledged({ db, logger, now: () => new Date(), timeZone: config.timeZone, workingDays: config.alerts.escalationWorkingDays }),
      );
      print(opts, summary, () => `Escalated ${summary.escalated} cases (${summary.cardsQueued} cards queued; ${summary.noRecipient} with no one in the role); ${summary.snoozesEnded} snoozes ended.`);
    });

  program
    .command('playground')
    .description('start the Microsoft 365 Agents Playground against the running bot (headless; open http://localhost:56150)')
    .option('--port <n>', 'the Playground port', '56150')
    .action(async (opts: { port: string }) => {
      const config = loadConfig();
      const bin = join(__dirname, '..', 'node_modules', '.bin', 'agentsplayground');
      const args = ['start', '-e', `http://localhost:${config.port}/api/messages`, '-c', 'msteams', '--dt', '-p', opts.port];
      // The Playground reads .m365agentsplayground.yml from its working directory: the repository root.
      const child = spawn(bin, args, { stdio: 'inherit', cwd: join(__dirname, '..'), env: childEnvironment({ TEAMSAPPTESTER_BROWSER: 'none' }) });
      await new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new AppError(500, 'playground_failed', `The Agents Playground exited with code ${code}.`)))));
    });

  return program;
}

if (require.main === module || process.argv[1]?.endsWith('engagement.js')) {
  buildCli()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      if (error instanceof ConfigError || error instanceof AppError) console.error(`engagement: ${error.message}`);
      else console.error('engagement: failed:', error);
      process.exit(1);
    });
}
