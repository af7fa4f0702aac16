import { Option, type Command } from 'commander';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { Services } from './services';
import type { Db } from './store/database';
import { AppError } from './errors';

// Loaded when a command runs (as bot/cli.ts does), so `engagement --help` does not load Graph's libraries.
const staffImport = () => import('./ingest/staff-import.command');
const entra = () => import('./store/entra.repository');
const departments = () => import('./store/department.repository');
const directorySync = () => import('./jobs/sync-directory.job');
const logging = () => import('./logger');

type Output = { json: boolean };

export interface CliHelpers {
  loadConfig(): Config;
  withDatabase<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T>;
  withServices<T>(config: Config, logger: Logger, work: (services: Services) => Promise<T>): Promise<T>;
  print(opts: Output, value: unknown, human: () => string): void;
  /** Marks the run as failed; the result is still printed. */
  fail(code: number): void;
}

const jsonOption = () => new Option('--json', 'print the result as JSON for scripts').default(false);

/** `staff import`, `people unmatched` and `directory sync`: the day-one commands of docs/onboarding.md. */
export function registerOnboardingCommands(program: Command, { loadConfig, withDatabase, withServices, print, fail }: CliHelpers): void {
  const staff = program.command('staff').description('staff members and their roles');
  staff
    .command('import')
    .description('give staff their roles from a CSV (email, name, role, department): the file replaces every role given by CSV before')
    .argument('<file>', 'the staff CSV')
    .option('--dry-run', 'show what would change, change nothing', false)
    .addOption(jsonOption())
    .action(async (file: string, opts: Output & { dryRun: boolean }) => {
      const config = loadConfig();
      const { importStaffCsv, presentStaffImport } = await staffImport();
      const summary = await withDatabase(config, (db) =>
        importStaffCsv({ db, now: () => new Date(), maxLineBytes: config.ingest.maxLineBytes }, { path: file, dryRun: opts.dryRun }),
      );
      print(opts, summary, () => presentStaffImport(summary));
      if (summary.status === 'failed') fail(1);
    });

  const people = program.command('people').description('who is matched to Microsoft Entra');
  people
    .command('unmatched')
    .description('list staff and students with no Entra object id yet, and why the last look-up found none')
    .option('--department <code>', 'only this department')
    .addOption(jsonOption())
    .action(async (opts: Output & { department?: string }) => {
      const config = loadConfig();
      const [{ listUnmatchedPeople }, { findDepartment }] = await Promise.all([entra(), departments()]);
      const list = await withDatabase(config, async (db) => {
        if (opts.department && !(await findDepartment(db, opts.department)))
          throw new AppError(404, 'department_not_found', `No department with code "${opts.department}".`);
        return listUnmatchedPeople(db, opts.department);
      });
      print(opts, list, () =>
        list.length === 0
          ? 'Everyone is matched to Microsoft Entra.'
          : [
              `${list.length} not matched to Microsoft Entra yet:`,
              ...list.map(
                (p) =>
                  `  ${p.kind} ${p.id} ${p.name} <${p.email ?? 'no e-mail'}> (${p.departmentId}): ${p.note ?? (p.email ? 'not looked up yet; run "engagement directory sync"' : 'no e-mail to look up')}`,
              ),
            ].join('\n'),
      );
    });

  const directory = program.command('directory').description('Microsoft Entra through Graph');
  directory
    .command('sync')
    .description('read the role groups in ENTRA_ROLE_GROUPS and look up the Entra object ids of everyone unmatched')
    .option('--groups-only', 'only the role groups', false)
    .option('--people-only', 'only the object id look-ups', false)
    .addOption(jsonOption())
    .action(async (opts: Output & { groupsOnly: boolean; peopleOnly: boolean }) => {
      const config = loadConfig();
      const [{ DIRECTORY_OFF_MESSAGE, presentDirectorySync }, { createLogger }] = await Promise.all([directorySync(), logging()]);
      if (!config.graph) throw new AppError(503, 'graph_not_configured', DIRECTORY_OFF_MESSAGE);
      const logger = createLogger(opts.json ? 'silent' : 'error');
      const summary = await withServices(config, logger, (services) => {
        if (!services.directory) throw new AppError(503, 'graph_not_configured', DIRECTORY_OFF_MESSAGE);
        return services.directory.run({ groupsOnly: opts.groupsOnly, peopleOnly: opts.peopleOnly });
      });
      print(opts, summary, () => presentDirectorySync(summary));
      if (summary.groups.some((g) => g.status === 'failed')) fail(1);
    });
}
