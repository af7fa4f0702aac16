import { UnreadableFileError, type ReadResult } from './read-delimited';
import { Tally } from './tally';
import {
  FormatError,
  normaliseHeader,
  separatorHint,
  type ExportFormat,
  type ParseSettings,
  type PlainFields,
  type RowHandler,
} from './formats/format';
import type { ParsedExport } from './parse-export';

/** How far down a file its table's header may start, below a summary block. */
const MAX_PREAMBLE_LINES = 30;

function unrecognised(formats: readonly ExportFormat[], source: string, first: { line: number; fields: string[] }): string {
  const found = first.fields.slice(0, 12).map(normaliseHeader).join(', ');
  return `line ${first.line}: the header is not one this tool reads for ${source}. Expected ${formats.map((f) => `${f.label} (${f.expects})`).join('; or ')}. Found: ${found}.${separatorHint(first.fields)} ${
    source === 'moodle'
      ? 'A log downloaded in another language pack needs its header and event names in MOODLE_LOG_STRINGS (see docs/imports.md), or download it in English.'
      : 'Exports in another language must be downloaded in English.'
  }`;
}

/**
 * Counts records as they are read: the first non-empty record picks the format by its header (or the
 * format is given, for a part of a file after its header), then each row goes to the format's handler.
 * Shared by the whole-file read below and the parts read by worker threads (parse-parallel.ts).
 */
export function createRecordCounter(
  formats: readonly ExportFormat[],
  source: string,
  settings: ParseSettings,
  known?: { format: ExportFormat; header: string[] },
) {
  const state = {
    format: (known?.format ?? null) as ExportFormat | null,
    handler: null as RowHandler | null,
    tally: new Tally(known?.format.produces ?? []),
    fatal: null as string | null,
    lastRecordLine: 0,
    lastRecordRejected: false,
    /** The first line, kept while the lines above a recognised header are read past. */
    firstLine: null as { line: number; fields: string[] } | null,
  };
  if (known) state.handler = known.format.start(known.header, settings, state.tally);

  const onRecord = (fields: string[], line: number, problem: string | null): boolean => {
    if (state.fatal) return false;
    if (fields.length === 1 && fields[0] === '' && !problem) return true;
    const { tally } = state;
    try {
      if (!state.handler) {
        // A format is recognised by its whole header block: some downloads (the Teams 2021 list) put a
        // summary block above the table's header, so the lines before a recognised header are read past.
        const format = formats.find((f) => f.matches(fields, settings)) ?? null;
        if (!format) {
          state.firstLine ??= { line, fields };
          if (line < MAX_PREAMBLE_LINES) return true;
          state.fatal = unrecognised(formats, source, state.firstLine);
          return false;
        }
        state.format = format;
        state.tally = new Tally(format.produces);
        state.handler = format.start(fields, settings, state.tally);
        return true;
      }
      tally.rowsRead += 1;
      const before = tally.rowsRejected;
      if (problem) tally.reject(line, problem === 'Quoted field unterminated' ? 'a quoted field is never closed' : problem);
      else state.handler.row(fields, line);
      state.lastRecordLine = line;
      state.lastRecordRejected = tally.rowsRejected > before;
      return true;
    } catch (error) {
      if (error instanceof FormatError) {
        state.fatal = error.message;
        return false;
      }
      throw error;
    }
  };
  /** The same for a plain record read from the bytes (read-bytes.ts), while the format's handler reads bytes; null when it does not. */
  const onPlainRecord = (bytes: Buffer, fields: PlainFields, line: number): boolean | null => {
    if (state.fatal) return false;
    const handler = state.handler;
    if (handler?.plainRow === undefined) return null;
    if (fields.count === 1 && fields.start[0] === fields.end[0]) return true;
    const { tally } = state;
    tally.rowsRead += 1;
    const before = tally.rowsRejected;
    try {
      handler.plainRow(bytes, fields, line);
    } catch (error) {
      if (error instanceof FormatError) {
        state.fatal = error.message;
        return false;
      }
      throw error;
    }
    state.lastRecordLine = line;
    state.lastRecordRejected = tally.rowsRejected > before;
    return true;
  };
  return { state, onRecord, onPlainRecord };
}

/** What a failed read of the file means for a person, or null when it is not about the file. */
export function describeReadError(error: unknown): string | null {
  if (error instanceof UnreadableFileError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the file does not exist';
  if (code === 'EISDIR') return 'this is a folder, not a file';
  if (code === 'EACCES') return 'the file cannot be read (permission denied)';
  return null;
}

/** The checks after the last record, the same whether the file was read in one piece or in parts. */
export function concludeParse(
  counted: {
    format: ExportFormat | null;
    tally: Tally;
    fatal: string | null;
    lastRecordLine: number;
    lastRecordRejected: boolean;
    firstLine?: { line: number; fields: string[] } | null;
  },
  read: ReadResult | null,
  finish: (() => { scope: string; meetingKey?: string }) | null,
  started: number,
  formats: readonly ExportFormat[] = [],
  source = '',
): ParsedExport {
  const { format, tally } = counted;
  let fatal = counted.fatal;
  let scope = '';
  let meetingKey: string | null = null;
  if (!fatal && !finish)
    fatal = counted.firstLine ? unrecognised(formats, source, counted.firstLine) : 'the file holds no header and no rows';
  if (!fatal && finish) {
    try {
      const finished = finish();
      scope = finished.scope;
      meetingKey = finished.meetingKey ?? null;
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      fatal = error.message;
    }
  }
  if (!fatal && read && !read.endsWithNewline && counted.lastRecordRejected) {
    const last = tally.rejections[tally.rejections.length - 1];
    if (last && last.line === counted.lastRecordLine) last.reason += ' (the file ends in the middle of this line: it looks cut short)';
  }
  if (!fatal && tally.rowsRead === 0) fatal = 'the file has a header but no rows';
  return { format, tally, scope, meetingKey, read, fatal, parseMs: performance.now() - started };
}
