import type { IsoDay } from '../../shared/domain';
import { readDelimited, UnreadableFileError, type ReadResult } from './read-delimited';
import { Tally } from './tally';
import { FormatError, normaliseHeader, type ExportFormat, type ParseSettings, type RowHandler } from './formats/format';
import { moodleLogFormat, moodleLogstoreFormat } from './formats/moodle';
import { panoptoSessionViewsFormat, panoptoSystemViewsFormat } from './formats/panopto';
import { teams2020Format, teams2021Format, teamsAttendanceFormat } from './formats/teams';
import { samisLoginsFormat } from './formats/samis-logins';

/** How far down a file its table's header may start, below a summary block. */
const MAX_PREAMBLE_LINES = 30;

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
 * comes back with `fatal` saying why, and bad rows are rejected with their line numbers.
 */
export async function parseExport(
  path: string,
  source: CountSource,
  settings: ParseSettings,
  onProgress?: (lines: number, bytes: number) => void,
  fastPath = true,
): Promise<ParsedExport> {
  const started = performance.now();
  const formats: readonly ExportFormat[] = COUNT_FORMATS[source];
  let format: ExportFormat | null = null;
  let handler: RowHandler | null = null;
  let tally = new Tally([]);
  let fatal: string | null = null;
  let lastRecordLine = 0;
  let lastRecordRejected = false;
  let firstLine: { line: number; fields: string[] } | null = null;
  const unrecognised = (line: number, fields: string[]): string => {
    const found = fields.slice(0, 12).map(normaliseHeader).join(', ');
    return `line ${line}: the header is not one this tool reads for ${source}. Expected ${formats.map((f) => `${f.label} (${f.expects})`).join('; or ')}. Found: ${found}. Exports in another language must be downloaded in English.`;
  };

  const onRecord = (fields: string[], line: number, problem: string | null): boolean => {
    if (fatal) return false;
    if (fields.length === 1 && fields[0] === '' && !problem) return true;
    try {
      if (!handler) {
        // A format is recognised by its whole header block: some downloads (the Teams 2021 list) put a
        // summary block above the table's header, so the lines before a recognised header are read past.
        format = formats.find((f) => f.matches(fields)) ?? null;
        if (!format) {
          firstLine ??= { line, fields };
          if (line < MAX_PREAMBLE_LINES) return true;
          fatal = unrecognised(firstLine.line, firstLine.fields);
          return false;
        }
        tally = new Tally(format.produces);
        handler = format.start(fields, settings, tally);
        return true;
      }
      tally.rowsRead += 1;
      const before = tally.rowsRejected;
      if (problem) tally.reject(line, problem === 'Quoted field unterminated' ? 'a quoted field is never closed' : problem);
      else handler.row(fields, line);
      lastRecordLine = line;
      lastRecordRejected = tally.rowsRejected > before;
      return true;
    } catch (error) {
      if (error instanceof FormatError) {
        fatal = error.message;
        return false;
      }
      throw error;
    }
  };

  let read: ReadResult | null = null;
  try {
    read = await readDelimited(path, { delimiter: 'auto', onRecord, onProgress, fastPath });
  } catch (error) {
    if (error instanceof UnreadableFileError)
      return { format, tally, scope: '', meetingKey: null, read, fatal: error.message, parseMs: performance.now() - started };
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'ENOENT')
      return { format, tally, scope: '', meetingKey: null, read, fatal: 'the file does not exist', parseMs: performance.now() - started };
    if (err.code === 'EISDIR')
      return {
        format,
        tally,
        scope: '',
        meetingKey: null,
        read,
        fatal: 'this is a folder, not a file',
        parseMs: performance.now() - started,
      };
    if (err.code === 'EACCES')
      return {
        format,
        tally,
        scope: '',
        meetingKey: null,
        read,
        fatal: 'the file cannot be read (permission denied)',
        parseMs: performance.now() - started,
      };
    throw error;
  }
  let scope = '';
  let meetingKey: string | null = null;
  // Assigned inside the record callback, which TypeScript's narrowing does not follow.
  const unmatched = firstLine as { line: number; fields: string[] } | null;
  if (!fatal && !handler) fatal = unmatched ? unrecognised(unmatched.line, unmatched.fields) : 'the file holds no header and no rows';
  if (!fatal && handler) {
    try {
      const finished = (handler as RowHandler).finish();
      scope = finished.scope;
      meetingKey = finished.meetingKey ?? null;
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      fatal = error.message;
    }
  }
  if (!fatal && read && !read.endsWithNewline && lastRecordRejected) {
    const last = tally.rejections[tally.rejections.length - 1];
    if (last && last.line === lastRecordLine) last.reason += ' (the file ends in the middle of this line: it looks cut short)';
  }
  if (!fatal && tally.rowsRead === 0) fatal = 'the file has a header but no rows';
  return { format, tally, scope, meetingKey, read, fatal, parseMs: performance.now() - started };
}

export const periodOf = (tally: Tally): { start: IsoDay; end: IsoDay } | null =>
  tally.firstDay && tally.lastDay ? { start: tally.firstDay, end: tally.lastDay } : null;
