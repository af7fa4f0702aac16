import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { IngestConfig } from '../config';
import type { Db } from '../store/database';
import { importMoodleUsers } from './identity-imports.command';
import { importExport, type ImportSummary } from './import.command';
import { presentImportSummary } from './import.presenter';
import { COUNT_FORMATS, isCountSource } from './parse-export';

export interface DropFolderDeps {
  db: Db;
  ingest: IngestConfig;
  campusTimeZone: string;
  logger: Logger;
  now: () => Date;
}

/** The folders watched under the drop folder, one per source; a roster needs a department, so it goes through the CLI. */
export const DROP_SOURCES = [...Object.keys(COUNT_FORMATS), 'moodle-users'];

/** Files still being copied in are left for the next run: only files unchanged for this long are taken. */
const DEFAULT_SETTLE_MS = 30_000;

export interface DropResult {
  source: string;
  file: string;
  status: ImportSummary['status'];
  movedTo: string;
}

const stamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/**
 * Imports every settled file in `<drop>/<source>/` and moves it to `processed/` (imported, or
 * already imported) or `failed/`, with `<file>.report.txt` and `<file>.report.json` beside it.
 * A file that cannot even be moved is logged and left for a person to look at.
 */
export async function importDropFolder(deps: DropFolderDeps, options: { settleMs?: number } = {}): Promise<DropResult[]> {
  const root = deps.ingest.dropFolder;
  if (!root) return [];
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const results: DropResult[] = [];
  for (const source of DROP_SOURCES) {
    const dir = join(root, source);
    await mkdir(join(dir, 'processed'), { recursive: true });
    await mkdir(join(dir, 'failed'), { recursive: true });
    const names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    for (const name of names) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => null);
      if (!info || deps.now().getTime() - info.mtimeMs < settleMs) continue;
      let summary: ImportSummary;
      try {
        summary = isCountSource(source)
          ? await importExport(
              { db: deps.db, ingest: deps.ingest, campusTimeZone: deps.campusTimeZone, now: deps.now },
              { source, path, fileName: name },
            )
          : await importMoodleUsers({ db: deps.db, ingest: deps.ingest, now: deps.now }, { path, fileName: name });
      } catch (error) {
        // Not bad input (that comes back as a failed summary) but the store failing: leave the file to retry.
        deps.logger.error({ err: error, file: path }, 'drop folder: import could not run; the file stays for the next run');
        continue;
      }
      const target = join(dir, summary.status === 'failed' ? 'failed' : 'processed', `${stamp(deps.now())}-${name}`);
      const moved = await rename(path, target).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
          return false;
        },
      );
      if (!moved) {
        // Another instance took the same file up (this one lost the job's lock mid-import) and moved it with its report:
        // the file's import is decided there, and here it was skipped or replaced the same counts under the scope lock.
        deps.logger.info({ file: path, status: summary.status }, 'drop folder: another instance moved this file and reported it');
        continue;
      }
      await writeFile(`${target}.report.txt`, `${presentImportSummary(summary)}\n`);
      await writeFile(`${target}.report.json`, `${JSON.stringify(summary, null, 2)}\n`);
      results.push({ source, file: name, status: summary.status, movedTo: target });
    }
  }
  if (results.length > 0) {
    const failed = results.filter((r) => r.status === 'failed').length;
    deps.logger.info(
      { imported: results.length - failed, failed, files: results.map((r) => `${r.source}/${r.file}: ${r.status}`) },
      'drop folder imported',
    );
  }
  return results;
}
