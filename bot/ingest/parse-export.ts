import type { IsoDay } from '../../shared/domain';
import { readDelimited, type ReadResult } from './read-delimited';
import { assertLineLengths, DEFAULT_MAX_LINE_BYTES } from './line-limit';
import type { Tally } from './tally';
import type { ExportFormat, ParseSettings } from './formats/format';
import { concludeParse, createRecordCounter, describeReadError } from './count-records';
import { declined, headerFormat, parseInParts } from './parse-parallel';
import { readBytes } from './read-bytes';
import { chooseWithoutBom, windows1252Note } from './encoding';
import { moodleLogFormat, moodleLogstoreFormat } from './formats/moodle';
import { panoptoSessionViewsFormat, panoptoSystemViewsFormat } from './formats/panopto';
import { teams2020Format, teams2021Format, teamsAttendanceFormat } from './formats/teams';
import { samisLoginsFormat } from './formats/samis-logins';

/** The activity sources `engagement import` accepts, each with the formats recognised by header. */
export const COUNT_FORMATS = {
  moodle: [moodleLogFormat, moodleLogstoreFormat],
  panopto: [panoptoSystemViewsFormat, panoptoSessionViewsFormat],
  teams: [teamsAttendanceFormat, teams2021Format, teams2020Format],
  'samis-logins': [samisLoginsFormat],
} as const satisfies Record<string, readonly ExportFormat[]>;
export type CountSource = keyof typeof COUNT_FORMATS;
export const isCountSource = (s: string): s is CountSource => Object.hasOwn(COUNT_FORMATS, s);

export interface ParsedExport {
  format: ExportFormat | null;
  tally: Tally;
  scope: string;
  /** The meeting a Teams attendance file is of (organiser and start minute, see teamsMeetingKey). */
  meetingKey: string | null;
  read: ReadResult | null;
  /** Set when the whole file is unusable; the tally is then not to be written. */
  fatal: string | null;
  parseMs: number;
}

/**
 * Reads one export to the end and tallies it. Never throws on bad input: a file that cannot be used
 * comes back with `fatal` saying why, and bad rows are rejected with their line numbers. A large
 * file in a format that allows it is counted in parts on worker threads (`parts`: how many; by
 * default one per core for files of 32 MiB or more), with the very same result.
 */
export async function parseExport(
  path: string,
  source: CountSource,
  settings: ParseSettings,
  onProgress?: (lines: number, bytes: number) => void,
  fastPath = true,
  parts?: number,
): Promise<ParsedExport> {
  const started = performance.now();
  const formats = COUNT_FORMATS[source];
  let counter = createRecordCounter(formats, source, settings);
  let read: ReadResult | null = null;
  try {
    // Read in parts, the line lengths are checked on the hashing pass and the readers stop at a line too long to hold.
    if (fastPath) {
      const inParts = await parseInParts(path, source, formats, settings, onProgress, parts);
      if (inParts) return inParts;
    }
    const maxLineBytes = settings.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    // A format that counts from the bytes is read by the byte reader, which declines a file at a line longer than the limit
    // (so it holds no more) and any file it does not read; such a file is read afresh by readDelimited, after the check below.
    if (fastPath && formats.some((f) => f.readsBytes) && (await headerFormat(path, formats, settings))?.format.readsBytes)
      read = await readBytes(path, {
        delimiter: 'auto',
        onProgress,
        maxLineChars: maxLineBytes,
        onRecord: counter.onRecord,
        onPlainRecord: counter.onPlainRecord,
      }).catch(declined);
    if (read === null) {
      counter = createRecordCounter(formats, source, settings);
      // Before the reader of the whole file: it holds a line in memory until it ends.
      const { notUtf8At } = await assertLineLengths(path, maxLineBytes);
      const withoutBom = await chooseWithoutBom(path, notUtf8At);
      read = await readDelimited(path, { delimiter: 'auto', onRecord: counter.onRecord, onProgress, fastPath, withoutBom });
      if (read.encoding === 'windows-1252') counter.state.tally.warnings.push(await windows1252Note(path, notUtf8At));
    }
  } catch (error) {
    const fatal = describeReadError(error);
    if (fatal === null) throw error;
    const { state } = counter;
    return { format: state.format, tally: state.tally, scope: '', meetingKey: null, read, fatal, parseMs: performance.now() - started };
  }
  const { state } = counter;
  const handler = state.handler;
  return concludeParse(state, read, handler ? () => handler.finish() : null, started, formats, source);
}

export const periodOf = (tally: Tally): { start: IsoDay; end: IsoDay } | null =>
  tally.firstDay && tally.lastDay ? { start: tally.firstDay, end: tally.lastDay } : null;
