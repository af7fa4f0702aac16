import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Config } from '../config';
import type { Db } from '../store/database';
import { AppError } from '../errors';
import { DATE_LOCALES, isValidTimeZone, type DateLocale } from './dates';
import type { ImportSummary } from './import.command';
import { presentImportSummary } from './import.presenter';
import { COUNT_FORMATS, isCountSource } from './parse-export';

/** Activity sources, then the identity and roster files that teach the identity map who is who. */
export const IMPORT_SOURCES = [...Object.keys(COUNT_FORMATS), 'moodle-users', 'samis-roster'];

export interface ImportCliOptions {
  timezone?: string;
  locale?: string;
  from?: string;
  to?: string;
  department?: string;
  dryRun: boolean;
  json: boolean;
}

function checkOptions(
  source: string,
  opts: ImportCliOptions,
): { locale: DateLocale | null; period: { start: string; end: string } | null } {
  if (!IMPORT_SOURCES.includes(source))
    throw new AppError(400, 'unknown_source', `"${source}" is not a source this tool imports; use one of: ${IMPORT_SOURCES.join(', ')}.`);
  if (opts.timezone !== undefined && !isValidTimeZone(opts.timezone))
    throw new AppError(
      400,
      'bad_timezone',
      `--timezone "${opts.timezone}" is not a time zone; use an IANA name such as Europe/London or America/Los_Angeles.`,
    );
  if (opts.locale !== undefined && !DATE_LOCALES.includes(opts.locale as DateLocale))
    throw new AppError(400, 'bad_locale', `--locale "${opts.locale}" is not supported; use en-GB (day first) or en-US (month first).`);
  if ((opts.from === undefined) !== (opts.to === undefined))
    throw new AppError(400, 'bad_period', 'give both --from and --to, or neither.');
  if (opts.from && opts.to && opts.from > opts.to) throw new AppError(400, 'bad_period', `--from ${opts.from} is after --to ${opts.to}.`);
  return {
    locale: (opts.locale as DateLocale | undefined) ?? null,
    period: opts.from && opts.to ? { start: opts.from, end: opts.to } : null,
  };
}

/** A live bar on a terminal: bytes read against the file size, with lines and lines per second. */
async function createProgress(file: string, enabled: boolean) {
  if (!enabled) return { update: undefined, stop: () => undefined };
  const { SingleBar } = await import('cli-progress');
  const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  const bar = new SingleBar({
    format: '{file} [{bar}] {percentage}% | {lines} rows | {rate} rows/s | {duration_formatted}',
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stderr,
  });
  const started = performance.now();
  bar.start(Math.max(size, 1), 0, { file: basename(file), lines: 0, rate: 0 });
  return {
    update: (lines: number, bytes: number) =>
      bar.update(bytes, { lines, rate: Math.round(lines / Math.max(0.001, (performance.now() - started) / 1000)) }),
    stop: () => bar.stop(),
  };
}

/** `engagement import`: every file in turn, a summary for each; false when any file was not imported. */
export async function runImportCommand(
  deps: { db: Db; config: Config; print: (text: string) => void },
  source: string,
  opts: ImportCliOptions,
  files: string[],
): Promise<boolean> {
  const { locale, period } = checkOptions(source, opts);
  // Loaded here, not at the top, so `engagement --help` (which lists IMPORT_SOURCES) stays quick.
  const [{ importExport }, { importMoodleUsers, importSamisRoster }] = await Promise.all([
    import('./import.command'),
    import('./identity-imports.command'),
  ]);
  const summaries: ImportSummary[] = [];
  for (const file of files) {
    const progress = await createProgress(file, !opts.json && process.stderr.isTTY === true);
    try {
      const common = { db: deps.db, ingest: deps.config.ingest, now: () => new Date() };
      if (isCountSource(source)) {
        summaries.push(
          await importExport(
            { ...common, campusTimeZone: deps.config.timeZone },
            { source, path: file, dryRun: opts.dryRun, timeZone: opts.timezone, locale, period, onProgress: progress.update },
          ),
        );
      } else if (source === 'moodle-users') {
        summaries.push(await importMoodleUsers(common, { path: file, dryRun: opts.dryRun }));
      } else {
        summaries.push(await importSamisRoster(common, { path: file, dryRun: opts.dryRun, departmentId: opts.department }));
      }
    } finally {
      progress.stop();
    }
    if (!opts.json) deps.print(presentImportSummary(summaries[summaries.length - 1] as ImportSummary));
  }
  if (opts.json) deps.print(JSON.stringify(files.length === 1 ? summaries[0] : summaries, null, 2));
  return summaries.every((s) => s.status !== 'failed');
}
