import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { Config } from './config';
import { AppError } from './errors';
import type { Logger } from 'pino';
import type { Db } from './store/database';
import type { Services } from './services';
import { IMPORT_SOURCES, type ImportCliOptions } from './ingest/import.cli';
import { addClassifyMessageCommand } from './commands/classify-message.cli';

// Each command loads what it needs when it runs (`await import`), so `engagement --help` answers at
// once and an import starts reading without first loading the bot, Graph and web server libraries.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadConfigModule = () => require('./config') as typeof import('./config');
import { registerPrivacyCommands } from './privacy.cli';
import { buildPullCommand } from './feeds/moodle-db/pull.cli';
import { registerOnboardingCommands } from './onboarding.cli';

type Output = { json: boolean };

/** Where a run of the CLI gets its settings and puts its words: the process by default, a test's buffers in process. */
export interface CliIo {
  config(): Config;
  out(text: string): void;
  err(text: string): void;
  /** Marks the run as failed without stopping it (the result is still printed). */
  fail(code: number): void;
}

const PROCESS_IO: CliIo = {
  config: () => loadConfigModule().loadConfig(),
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  fail: (code) => {
    process.exitCode = code;
  },
};

/** Builds the same services the server runs on (see createServices), brings the schema up to date, works, and closes. */
async function withServices<T>(config: Config, logger: Logger, work: (services: Services) => Promise<T>): Promise<T> {
  const [{ createServices }, { checkDatabase, migrateToLatest }] = await Promise.all([import('./services'), import('./store/database')]);
  const services = createServices(config, { logger, workerId: `cli:${process.pid}` });
  try {
    await checkDatabase(services.db, config.database);
    await migrateToLatest(services.db);
    return await work(services);
  } finally {
    await services.close();
  }
}

/**
 * For the commands that need only the database (import, demo, terms, rules-config): it alone is opened,
 * because building every service would load the bot and Graph libraries first (about a second).
 */
async function withDatabase<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  const { checkDatabase, createDatabase, migrateToLatest } = await import('./store/database');
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
  // Option parsers are synchronous; zod is loaded only when a day is given.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { IsoDaySchema } = require('../shared/domain') as typeof import('../shared/domain');
  const parsed = IsoDaySchema.safeParse(value);
  if (!parsed.success) throw new AppError(400, 'bad_day', `"${value}" is not a day; use YYYY-MM-DD.`);
  return value;
}

/** The progress bar's first total: the organisers named, or 1 until the roster has been read. */
const initialTotal = (graph: { organisers: readonly string[] }, organiser?: string): number =>
  organiser ? 1 : Math.max(1, graph.organisers.length);

const jsonOption = () => new Option('--json', 'print the result as JSON for scripts').default(false);

export function buildCli(io: CliIo = PROCESS_IO): Command {
  const loadConfig = () => io.config();
  const print = (opts: Output, value: unknown, human: () => string) => io.out(opts.json ? JSON.stringify(value, null, 2) : human());
  const program = new Command('engagement')
    .description('Engagement Monitor: every job of the service, from the command line. Settings come from the environment (see README).')
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the service: tab, bot, API and scheduled jobs')
    .action(async () => {
      const { runService } = await import('./main');
      runService();
    });

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .addOption(jsonOption())
    .action(async (opts: Output) => {
      const config = loadConfig();
      const { checkDatabase, createDatabase, migrateToLatest } = await import('./store/database');
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
      const [{ loadDemo }, { todayIn }] = await Promise.all([import('./demo/load-demo.command'), import('./clock')]);
      const config = loadConfig();
      const seed = opts.seed ?? config.demo.seed;
      if (!Number.isInteger(seed) || seed < 0) throw new AppError(400, 'bad_seed', '--seed takes a whole number of 0 or more.');
      const summary = await withDatabase(config, (db) =>
        loadDemo(db, { seed, today: opts.today ?? todayIn(config.timeZone, new Date()), now: new Date().toISOString() }),
      );
      print(
        opts,
        summary,
        () =>
          `Loaded ${summary.department}: ${summary.students} students, ${summary.staff} staff, ${summary.countRows} daily count rows; term ${summary.term.start} to ${summary.term.end}.`,
      );
    });

  program
    .command('evaluate')
    .description('run the rules for every department, open, raise or close cases and queue alerts')
    .option('--as-of <day>', 'evaluate as of this day (YYYY-MM-DD); defaults to today', parseDay)
    .addOption(new Option('--today <day>', 'the same as --as-of (kept for scripts written before it)').argParser(parseDay).hideHelp())
    .option('--explain <student>', 'also print, in words, why this student (by student id) was or was not flagged')
    .addOption(jsonOption())
    .action(async (opts: Output & { asOf?: string; today?: string; explain?: string }) => {
      const [{ createLogger }, { evaluateAll }, { findStudent }, { studentName }, { describeDecision }, { todayIn }] = await Promise.all([
        import('./logger'),
        import('./rules/evaluate.command'),
        import('./store/student.repository'),
        import('../shared/domain'),
        import('../shared/rules/describe'),
        import('./clock'),
      ]);
      const config = loadConfig();
      const logger = createLogger(opts.json ? 'silent' : 'warn');
      const asOf = opts.asOf ?? opts.today ?? todayIn(config.timeZone, new Date());
      const { results, student } = await withServices(config, logger, async ({ db, evaluate }) => {
        const subject = opts.explain === undefined ? undefined : await findStudent(db, opts.explain);
        if (opts.explain !== undefined && !subject)
          throw new AppError(404, 'student_not_found', `No student with id "${opts.explain}" is on any roster.`);
        return {
          results: await evaluateAll(evaluate, asOf, { explain: subject ? [subject.id] : [] }),
          student: subject,
        };
      });
      const decision = student ? results.flatMap((r) => r.decisions).find((d) => d.studentId === student.id) : undefined;
      if (opts.json) {
        print(
          opts,
          { asOf, departments: results.map(({ decisions: _d, ...rest }) => rest), ...(student ? { explain: decision ?? null } : {}) },
          () => '',
        );
        return;
      }
      const lines = results.map(
        (r) =>
          `${r.departmentId} as of ${asOf}: ${r.monitored} monitored, ${r.flagged} flagged (${r.opened} new, ${r.escalated} raised, ${r.coolingDown} cooling down), ${r.recovered} recovered, ${r.closed} closed, ${r.exempt} exempt, ${r.digestsQueued} digests queued` +
          (r.warnings.length ? `\n  data warnings:\n${r.warnings.map((w) => `  - ${w}`).join('\n')}` : ''),
      );
      if (student) {
        lines.push(
          '',
          ...(decision
            ? describeDecision(decision, `${studentName(student)} (${student.id}, ${student.programme} year ${student.year})`)
            : [`${student.id} was not evaluated.`]),
        );
      }
      io.out(lines.join('\n'));
    });

  program
    .command('rules-config')
    .description("show a department's rule settings, or replace them from a JSON file (validated; every problem is reported)")
    .argument('<department>', 'department id')
    .option('--set <file>', 'a JSON file holding the settings that differ from the defaults')
    .addOption(jsonOption())
    .action(async (departmentId: string, opts: Output & { set?: string }) => {
      const [
        { findDepartment },
        { loadRulesConfig },
        { saveRuleConfig },
        { RulesConfigError, DEFAULT_RULES_CONFIG },
        { changesBetween },
        { writeAudit },
      ] = await Promise.all([
        import('./store/department.repository'),
        import('./rules/evaluate.command'),
        import('./store/rule-config.repository'),
        import('../shared/rules/config'),
        import('./commands/settings.command'),
        import('./store/audit.repository'),
      ]);
      const config = loadConfig();
      const effective = await withDatabase(config, async (db) => {
        if (!(await findDepartment(db, departmentId)))
          throw new AppError(404, 'department_not_found', `No department with id "${departmentId}".`);
        if (opts.set === undefined) return loadRulesConfig(db, departmentId);
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(opts.set, 'utf8'));
        } catch (error) {
          throw new AppError(400, 'bad_rule_config', `Cannot read ${opts.set} as JSON: ${(error as Error).message}`);
        }
        try {
          // A stored configuration that no longer validates is being replaced: the audit compares with the defaults.
          const before = await loadRulesConfig(db, departmentId).catch(() => DEFAULT_RULES_CONFIG);
          const at = new Date().toISOString();
          return await db.transaction().execute(async (trx) => {
            const after = await saveRuleConfig(trx, departmentId, raw, null, at);
            const detail = { changes: changesBetween(before, after), by: 'command line' };
            await writeAudit(
              trx,
              { actorId: null, action: 'changed_rule_settings', subjectKind: 'department', subjectId: departmentId, detail },
              at,
            );
            return after;
          });
        } catch (error) {
          if (error instanceof RulesConfigError) throw new AppError(400, 'bad_rule_config', error.message);
          throw error;
        }
      });
      print(
        opts,
        effective,
        () => `${opts.set ? 'Saved. ' : ''}Rule settings in effect for ${departmentId}:\n${JSON.stringify(effective, null, 2)}`,
      );
    });

  program
    .command('terms')
    .description('show the term calendar, or replace it from a JSON file: [{"name","start","end","excluded":[{"start","end","label"}]}]')
    .option('--set <file>', 'a JSON file holding every term (it replaces the calendar whole)')
    .addOption(jsonOption())
    .action(async (opts: Output & { set?: string }) => {
      const [{ listTerms }, { setTermCalendar }] = await Promise.all([
        import('./store/calendar.repository'),
        import('./commands/terms.command'),
      ]);
      const config = loadConfig();
      const terms = await withDatabase(config, async (db) => {
        if (opts.set === undefined) return listTerms(db);
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(opts.set, 'utf8'));
        } catch (error) {
          throw new AppError(400, 'bad_terms', `Cannot read ${opts.set} as JSON: ${(error as Error).message}`);
        }
        return setTermCalendar(db, raw, { actorId: null, now: new Date().toISOString() });
      });
      print(opts, terms, () =>
        terms.length === 0
          ? 'No terms set: nothing counts as term time, so no student is flagged.'
          : terms
              .map(
                (t) =>
                  `${t.name}: ${t.start} to ${t.end}${t.excluded.map((x) => `\n  paused ${x.start} to ${x.end} (${x.label})`).join('')}`,
              )
              .join('\n'),
      );
    });

  program
    .command('notify')
    .description('send every due alert through the Bot Connector')
    .addOption(jsonOption())
    .action(async (opts: Output) => {
      const [{ createLogger }, { notifyJob }] = await Promise.all([import('./logger'), import('./jobs')]);
      const config = loadConfig();
      const logger = createLogger(opts.json ? 'silent' : 'warn');
      const summary = await withServices(config, logger, (services) => notifyJob.run(services));
      print(
        opts,
        summary,
        () =>
          `Sent ${summary.sent}; waiting for a chat ${summary.waitingForChat}; retrying ${summary.retrying}; failed ${summary.failed}; unreachable ${summary.unreachable}.`,
      );
    });

  program
    .command('escalate')
    .description('end run-out snoozes and escalate cases nobody acknowledged (Director of Studies, then Student Experience Officer)')
    .addOption(jsonOption())
    .action(async (opts: Output) => {
      const [{ createLogger }, { escalateJob }] = await Promise.all([import('./logger'), import('./jobs')]);
      const config = loadConfig();
      const logger = createLogger(opts.json ? 'silent' : 'warn');
      const summary = await withServices(config, logger, (services) => escalateJob.run(services));
      print(
        opts,
        summary,
        () =>
          `Escalated ${summary.escalated} cases (${summary.cardsQueued} cards queued; ${summary.noRecipient} with no one in the role); ${summary.snoozesEnded} snoozes ended.`,
      );
    });

  program
    .command('collect')
    .description('collect Teams meeting attendance from Microsoft Graph into the teams_attendance counts')
    .option('--since <day>', "collect sessions from this day on (YYYY-MM-DD) instead of from each organiser's last collection", parseDay)
    .option('--organiser <id>', 'only this organiser (UPN or Entra object id)')
    .addOption(jsonOption())
    .action(async (opts: Output & { since?: string; organiser?: string }) => {
      const [{ createLogger }, { GRAPH_OFF_MESSAGE }, { presentCollectSummary }, { Presets, SingleBar }] = await Promise.all([
        import('./logger'),
        import('./jobs/collect-attendance.job'),
        import('./graph/collect-summary.presenter'),
        import('cli-progress'),
      ]);
      const config = loadConfig();
      if (!config.graph) throw new AppError(503, 'graph_not_configured', GRAPH_OFF_MESSAGE);
      const graph = config.graph;
      const logger = createLogger(opts.json ? 'silent' : 'error');
      const bar = opts.json
        ? null
        : new SingleBar(
            {
              format: 'Collecting {bar} {value}/{total} organisers | {reports} sessions | {organiser}',
              hideCursor: true,
              clearOnComplete: true,
            },
            Presets.shades_classic,
          );
      bar?.start(initialTotal(graph, opts.organiser), 0, { reports: 0, organiser: '' });
      try {
        const summary = await withServices(config, logger, ({ collector }) => {
          if (!collector) throw new AppError(503, 'graph_not_configured', GRAPH_OFF_MESSAGE);
          return collector.collect({ since: opts.since, organiser: opts.organiser }, (p) => {
            bar?.setTotal(p.organisersTotal);
            bar?.update(p.organisersDone, { reports: p.reportsCollected, organiser: p.organiser });
          });
        });
        bar?.stop();
        print(opts, summary, () => presentCollectSummary(summary, graph.minMinutes));
        if (summary.status === 'failed') io.fail(1);
      } finally {
        bar?.stop();
      }
    });

  registerPrivacyCommands(program, {
    loadConfig,
    print,
    withServices: async (config, work) => withServices(config, (await import('./logger')).createLogger('warn'), work),
  });

  registerOnboardingCommands(program, { loadConfig, withDatabase, withServices, print, fail: (code) => io.fail(code) });

  program
    .command('import')
    .description(`import activity or identity exports; <source> is one of: ${IMPORT_SOURCES.join(', ')}`)
    .argument('<source>', 'which system the files come from')
    .argument('<file...>', 'one or more export files, imported one after another')
    .option('--timezone <zone>', "the zone the export's times are in (IANA name, e.g. Europe/London); defaults to the source's setting")
    .option('--locale <locale>', 'date order of a Teams download: en-GB (day first) or en-US (month first); defaults to TEAMS_LOCALE')
    .option('--from <day>', 'first day the export covers (YYYY-MM-DD); required for Panopto "Sessions Views by Users"', parseDay)
    .option('--to <day>', 'last day the export covers (YYYY-MM-DD)', parseDay)
    .option('--department <code>', "only this department's rows of a Samis roster")
    .option('--dry-run', 'read, check and count, but store nothing', false)
    .option('--force', 'apply the file again even if the same file with the same settings was imported before', false)
    .option(
      '--complete',
      "the file holds every occurrence of its source on its days (e.g. every meeting's attendance): its days become known",
      false,
    )
    .addOption(jsonOption())
    .action(async (source: string, files: string[], opts: ImportCliOptions) => {
      const { runImportCommand } = await import('./ingest/import.cli');
      const config = loadConfig();
      const ok = await withDatabase(config, (db) => runImportCommand({ db, config, print: (text) => io.out(text) }, source, opts, files));
      if (!ok) io.fail(1);
    });

  addClassifyMessageCommand(program, { loadConfig, print: (text) => io.out(text) });
  program.addCommand(
    buildPullCommand({ config: loadConfig, withDatabase, parseDay, print: (text) => io.out(text), fail: (code) => io.fail(code) }),
  );

  program
    .command('playground')
    .description('start the Microsoft 365 Agents Playground against the running bot (headless; open http://localhost:56150)')
    .option('--port <n>', 'the Playground port', '56150')
    .action(async (opts: { port: string }) => {
      const [{ childEnvironment }, { projectRoot }] = await Promise.all([import('./config'), import('./paths')]);
      const config = loadConfig();
      const bin = join(projectRoot(), 'node_modules', '.bin', 'agentsplayground');
      const args = ['start', '-e', `http://localhost:${config.port}/api/messages`, '-c', 'msteams', '--dt', '-p', opts.port];
      // The Playground reads .m365agentsplayground.yml from its working directory: the repository root.
      const child = spawn(bin, args, {
        stdio: 'inherit',
        cwd: projectRoot(),
        env: childEnvironment({ TEAMSAPPTESTER_BROWSER: 'none' }),
      });
      await new Promise<void>((resolve, reject) =>
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new AppError(500, 'playground_failed', `The Agents Playground exited with code ${code}.`)),
        ),
      );
    });

  return program;
}

/**
 * Parses argv and runs one subcommand; resolves with the exit code. A failure is one clear line on
 * `err`, never a stack trace for a problem the person can fix.
 */
export async function executeCli(argv: string[], io: CliIo = PROCESS_IO): Promise<number> {
  let exitCode = 0;
  const tracked: CliIo = {
    ...io,
    fail: (code) => {
      exitCode = code;
      io.fail(code);
    },
  };
  const program = buildCli(tracked)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.replace(/\n$/, '')), writeErr: (text) => io.err(text.replace(/\n$/, '')) });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error: unknown) {
    if (error instanceof CommanderError) return error.exitCode;
    const { ConfigError } = loadConfigModule();
    if (error instanceof ConfigError || error instanceof AppError) io.err(`engagement: ${error.message}`);
    else io.err(`engagement: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}

/** The process entry: runs one subcommand and exits non-zero when it failed. */
export function runCli(argv: string[]): void {
  void executeCli(argv).then((code) => {
    if (code !== 0) process.exit(code);
  });
}

if (require.main === module) runCli(process.argv);
