import { findColumns, normaliseHeader, separatorHint } from './formats/format';
import { readDelimited, UnreadableFileError, type ReadResult } from './read-delimited';
import { Tally } from './tally';
import { assertLineLengths } from './line-limit';
import { chooseWithoutBom, windows1252Note } from './encoding';

export interface TableRead<R> {
  rows: R[];
  tally: Tally;
  read: ReadResult | null;
  fatal: string | null;
}

/**
 * Reads a small table (user export, roster) into typed rows. These files hold one row per person, so
 * they are kept in memory; activity exports are never read this way.
 */
export async function readTable<R, K extends string>(
  path: string,
  maxLineBytes: number,
  columns: Record<K, string>,
  optional: ReadonlyArray<NoInfer<K>>,
  label: string,
  toRow: (get: (k: K) => string, line: number, tally: Tally) => R | null,
  hint = '',
): Promise<TableRead<R>> {
  const tally = new Tally([]);
  const rows: R[] = [];
  let index: Partial<Record<K, number>> | null = null;
  let width = 0;
  let fatal: string | null = null;
  let read: ReadResult | null = null;
  try {
    const { notUtf8At } = await assertLineLengths(path, maxLineBytes);
    read = await readDelimited(path, {
      delimiter: 'auto',
      withoutBom: await chooseWithoutBom(path, notUtf8At),
      onRecord: (fields, line, problem) => {
        if (fields.length === 1 && fields[0] === '' && !problem) return true;
        if (!index) {
          const required = Object.fromEntries(Object.entries(columns).filter(([k]) => !optional.includes(k as K))) as Record<K, string>;
          if (!findColumns(fields, required)) {
            fatal = `line ${line}: the header is not a ${label}. Expected the columns ${Object.values(required).join(', ')}; found: ${fields.slice(0, 30).map(normaliseHeader).join(', ')}${hint || '.'}${separatorHint(fields)}`;
            return false;
          }
          const names = fields.map(normaliseHeader);
          index = Object.fromEntries(
            (Object.entries(columns) as Array<[K, string]>)
              .map(([k, name]) => [k, names.indexOf(normaliseHeader(name))])
              .filter(([, i]) => (i as number) >= 0),
          );
          width = fields.length;
          return true;
        }
        tally.rowsRead += 1;
        if (problem) return (tally.reject(line, problem), true);
        if (fields.length !== width) return (tally.reject(line, `has ${fields.length} fields where the header has ${width}`), true);
        const at = index;
        const row = toRow(
          (k) => {
            const i = at[k];
            return i === undefined ? '' : (fields[i] ?? '').trim();
          },
          line,
          tally,
        );
        if (row) rows.push(row);
        return true;
      },
    });
    if (read.encoding === 'windows-1252') tally.warnings.push(await windows1252Note(path, notUtf8At));
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { rows, tally, read, fatal: 'the file does not exist' };
      throw error;
    }
    fatal = error.message;
  }
  if (!fatal && !index) fatal = 'the file holds no header and no rows';
  if (!fatal && tally.rowsRead === 0) fatal = 'the file has a header but no rows';
  return { rows, tally, read, fatal };
}
