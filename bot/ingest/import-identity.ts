import { createHash } from 'node:crypto';
import type { IsoDay } from '../../shared/domain';
import type { Db } from '../store/database';
import { findImportByHash, findImportByKey, findOverlappingImports } from '../store/import.repository';
import type { DateLocale } from './dates';

/**
 * The identity of an import and the "already imported" decision (docs/imports.md, "Re-importing"):
 * the same file with the same settings is skipped; anything that changes how it is read makes it
 * another import, applied again, and every message gives the real reason.
 */

export const sayDay = (iso: string | null): string =>
  iso ? new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }) : 'an earlier date';

/**
 * The identity of an import: the bytes and everything that changes how they are read. The same file
 * with any of these changed is a different import and is applied again.
 */
export interface ImportSettings {
  period: { start: IsoDay; end: IsoDay } | null;
  sourceTimeZone: string;
  campusTimeZone: string;
  locale: DateLocale | null;
  mappings: unknown;
  complete: boolean;
  /** A department administrator's upload speaks for their department only: the same file from another department is another import. */
  departmentId: string | null;
}

export function importKeyOf(parts: ImportSettings & { fileHash: string; format: string }): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

const sayPeriod = (p: { start: string; end: string } | null | undefined): string => (p ? `${p.start} to ${p.end}` : 'the whole file');

/** Which settings differ from an earlier import of the same bytes, in words ("the period: the whole file, now 2023-11-06 to 2023-11-10"). */
function describeChanges(before: unknown, now: ImportSettings): string {
  if (!before || typeof before !== 'object') return 'period, time zone, locale, column map or --complete';
  const was = before as Partial<ImportSettings>;
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const changes: string[] = [];
  if (!same(was.period, now.period)) changes.push(`the period: ${sayPeriod(was.period)}, now ${sayPeriod(now.period)}`);
  if (!same(was.sourceTimeZone, now.sourceTimeZone)) changes.push(`the time zone: ${was.sourceTimeZone}, now ${now.sourceTimeZone}`);
  if (!same(was.campusTimeZone, now.campusTimeZone)) changes.push(`the campus time zone: ${was.campusTimeZone}, now ${now.campusTimeZone}`);
  if (!same(was.locale, now.locale)) changes.push(`the locale: ${was.locale ?? 'unset'}, now ${now.locale ?? 'unset'}`);
  if (!same(was.mappings, now.mappings)) changes.push('the column map or language strings');
  if (!same(was.complete, now.complete)) changes.push(now.complete ? 'now --complete' : 'no longer --complete');
  return changes.join('; ') || 'settings recorded differently';
}

/**
 * Whether this file with these settings already stands as imported, and the real reason either way:
 * it is applied again when forced, when a later import replaced part of its period, or when
 * identities added since let more of its rows count.
 */
export async function checkAlreadyApplied(
  db: Db,
  q: {
    importKey: string | null;
    fileHash: string | null;
    format: string;
    force: boolean;
    rowsUnresolved: number;
    settings: ImportSettings;
    sources: ReadonlyArray<string>;
    scope: string;
    departmentId: string | null;
  },
): Promise<{ skip: true; reason: string } | { skip: false; reason: string | null }> {
  const earlier = q.importKey ? await findImportByKey(db, q.importKey) : undefined;
  const when = (e: { finishedAt: string | null; fileName: string }) => `on ${sayDay(e.finishedAt)} as ${e.fileName}`;
  if (!earlier) {
    const sameBytes = q.fileHash ? await findImportByHash(db, q.fileHash, q.format, q.departmentId) : undefined;
    return {
      skip: false,
      reason: sameBytes
        ? `This file was imported ${when(sameBytes)} with other settings (${describeChanges(sameBytes.details.settings, q.settings)}); it is applied again with the current ones${q.settings.period ? `, replacing only ${q.settings.period.start} to ${q.settings.period.end}` : ''}.`
        : null,
    };
  }
  if (q.force) return { skip: false, reason: `re-applied on request (--force): this file and settings were imported ${when(earlier)}.` };
  const later =
    earlier.periodStart && earlier.periodEnd
      ? await findOverlappingImports(db, {
          sources: q.sources,
          scope: q.scope,
          start: earlier.periodStart,
          end: earlier.periodEnd,
          // Written after it: two imports running at once write in turn, and the one that wrote last holds the days.
          after: earlier.finishedAt ?? earlier.startedAt,
        })
      : [];
  const replacer = later.find((i) => i.fileName !== earlier.fileName || i.startedAt !== earlier.startedAt);
  if (replacer)
    return {
      skip: false,
      reason: `re-applied: this file was imported ${when(earlier)}, but "${replacer.fileName}" imported since replaced part of its period.`,
    };
  if (q.rowsUnresolved < earlier.rowsUnresolved)
    return {
      skip: false,
      reason: `This file was imported before; it is imported again because ${earlier.rowsUnresolved - q.rowsUnresolved} more row(s) now match a student.`,
    };
  return {
    skip: true,
    reason: `skipped: identical file and settings, imported ${when(earlier)}; nothing was changed (use --force to apply it again).`,
  };
}
