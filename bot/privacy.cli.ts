import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { Config } from './config';
import type { Services } from './services';
import { AppError } from './errors';

// Commands load their modules when they run (as bot/cli.ts does), so `engagement --help` stays fast.
const retention = () => import('./commands/retention.command');
const subjectAccess = () => import('./commands/subject-access.command');
const erasure = () => import('./commands/erase-student.command');

type Output = { json: boolean };

export interface PrivacyCliContext {
  loadConfig: () => Config;
  withServices: <T>(config: Config, work: (services: Services) => Promise<T>) => Promise<T>;
  print: (opts: Output, value: unknown, human: () => string) => void;
}

const jsonOption = () => new Option('--json', 'print the result as JSON for scripts').default(false);
const byOption = () => new Option('--by <staffId>', 'the member of staff acting (recorded in the audit log)');

/** Retention, subject access, erasure and objection: the data-protection commands (docs/privacy.md). */
export function registerPrivacyCommands(program: Command, ctx: PrivacyCliContext): void {
  program
    .command('retention')
    .description('delete what has passed its retention period (docs/privacy.md); --dry-run only counts it')
    .option('--dry-run', 'count what would be deleted, delete nothing', false)
    .addOption(jsonOption())
    .action(async (opts: Output & { dryRun: boolean }) => {
      const config = ctx.loadConfig();
      const { applyRetention } = await retention();
      const summary = await ctx.withServices(config, (s) =>
        applyRetention({ db: s.db, logger: s.logger, now: s.now, today: s.today, privacy: config.privacy }, { dryRun: opts.dryRun }),
      );
      ctx.print(opts, summary, () =>
        [
          opts.dryRun ? 'Would delete (dry run, nothing deleted):' : 'Deleted:',
          ...summary.results.map((r) => `  ${String(r.rows).padStart(8)}  ${r.kind}: ${r.rule} (before ${r.cutoff})`),
        ].join('\n'),
      );
    });

  program
    .command('subject-access')
    .description('write everything held about one student to FILE (JSON) and FILE.html (a printable page); audited')
    .argument('<student>', 'the student id')
    .requiredOption('--out <file>', 'where to write the JSON; the printable page goes beside it with .html')
    .addOption(byOption())
    .addOption(jsonOption())
    .action(async (studentId: string, opts: Output & { out: string; by?: string }) => {
      const config = ctx.loadConfig();
      const [{ buildSubjectAccess }, { presentSubjectAccessHtml }] = await Promise.all([
        subjectAccess(),
        import('./presenters/subject-access.presenter'),
      ]);
      const report = await ctx.withServices(config, (s) =>
        buildSubjectAccess(s.db, studentId, { by: opts.by ?? null, at: s.now().toISOString() }),
      );
      const html = opts.out.replace(/\.json$/i, '') + '.html';
      writeFileSync(opts.out, JSON.stringify(report, null, 2) + '\n', { mode: 0o600 });
      writeFileSync(html, presentSubjectAccessHtml(report), { mode: 0o600 });
      ctx.print(
        opts,
        { json: opts.out, html },
        () =>
          `Wrote ${opts.out} and ${html} (${report.dailyCounts.length} daily counts, ${report.cases.length} cases, ${report.views.length} views).`,
      );
    });

  program
    .command('erase')
    .description('remove one student entirely (an erasure request, or a student who left); audited with who and why')
    .argument('<student>', 'the student id')
    .requiredOption('--reason <text>', 'why, for the audit log (e.g. "erasure request 2026-114")')
    .option('--yes', 'confirm: this cannot be undone', false)
    .addOption(byOption())
    .addOption(jsonOption())
    .action(async (studentId: string, opts: Output & { reason: string; yes: boolean; by?: string }) => {
      if (!opts.yes) throw new AppError(400, 'confirm', `Erasing ${studentId} cannot be undone: run again with --yes to confirm.`);
      const config = ctx.loadConfig();
      const { eraseStudent } = await erasure();
      const summary = await ctx.withServices(config, (s) =>
        eraseStudent(s.db, studentId, { by: opts.by ?? null, reason: opts.reason, at: s.now().toISOString() }),
      );
      ctx.print(
        opts,
        summary,
        () => `Erased ${studentId}: ${summary.rowsDeleted} rows deleted, ${summary.mentionsCleared} mentions in other records cleared.`,
      );
    });

  program
    .command('do-not-monitor')
    .description('stop (or with --off, resume) monitoring one student after an upheld objection; keeps what must be kept')
    .argument('<student>', 'the student id')
    .option('--reason <text>', 'why, for the audit log (required to stop)', '')
    .option('--off', 'lift the objection: the student is monitored again', false)
    .addOption(byOption())
    .addOption(jsonOption())
    .action(async (studentId: string, opts: Output & { reason: string; off: boolean; by?: string }) => {
      const config = ctx.loadConfig();
      const { setDoNotMonitor } = await erasure();
      const result = await ctx.withServices(config, (s) =>
        setDoNotMonitor(s.db, studentId, { on: !opts.off, reason: opts.reason, by: opts.by ?? null, at: s.now().toISOString() }),
      );
      ctx.print(opts, result, () =>
        result.monitoring
          ? `${studentId} is monitored again from the next evaluation.`
          : `${studentId} is no longer monitored${result.closedCaseId ? '; their open case was closed with a note' : ''}.`,
      );
    });
}
