import type { IsoDay, Source } from '../../../shared/domain';
import type { DateLocale } from '../dates';
import type { SamisDateFormat } from '../samis-dates';
import type { Tally } from '../tally';
import type { MoodleLogStrings } from '../moodle-strings';

/** Column names for the Samis login export; a university overrides them in config. */
export interface SamisLoginColumns {
  studentCode: string;
  /** The login time, or with `date` set, the time of day only. */
  time: string;
  /** A date-only column, when the export splits date and time. */
  date?: string;
  dateFormat?: SamisDateFormat;
}

export interface ParseSettings {
  campusTimeZone: string;
  /** The zone the export's clock readings are in. */
  sourceTimeZone: string;
  locale: DateLocale | null;
  /** The period the caller says the export covers; required by exports without timestamps. */
  period: { start: IsoDay; end: IsoDay } | null;
  samisLoginColumns: SamisLoginColumns;
  /** A Moodle log download in another language pack (MOODLE_LOG_STRINGS); null or absent for English. */
  moodleLogStrings?: MoodleLogStrings | null;
  /** The longest line the file may have (UPLOAD_MAX_LINE_BYTES); the default is DEFAULT_MAX_LINE_BYTES. */
  maxLineBytes?: number;
}

/** The whole file is unusable (wrong header, missing period): nothing from it is counted. */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

/**
 * One record's fields where they lie in the file's bytes (read-bytes.ts), none of them decoded: field i is
 * `bytes[start[i], end[i])`, with every quote doubled when `doubled[i]` is 1. Only the first `start.length`
 * fields are placed; `count` is how many the record has.
 */
export interface PlainFields {
  count: number;
  start: Int32Array;
  end: Int32Array;
  doubled: Uint8Array;
}

export interface RowHandler {
  row(fields: string[], line: number): void;
  /** The same as `row` for a record read straight from the file's bytes: present on formats with `readsBytes`. */
  plainRow?(bytes: Uint8Array, fields: PlainFields, line: number): void;
  /** After the last row: the part of the source this file speaks for (see the import rule). */
  finish(): { scope: string; meetingKey?: string };
  /** After the last row of one part of a file read in parts: puts everything counted into the tally, without whole-file checks. */
  finishPart?(): void;
  /**
   * Instead of finishPart, for a part counted on a worker whose counts this thread's part takes over (parse-parallel.ts): what it
   * counted in numbers, taken out of it. Counts kept as text stay in the tally and merge as any part's do.
   */
  handOver?(): PartNumbers;
  /** This thread's part takes over the numbers of the part after it (handOver), the once-only rule held across the cut; false when it cannot. */
  takeOver?(numbers: PartNumbers): boolean;
  /** After takeOver: puts everything counted into the tally, as finishPart does, without the once-only keys (their rule is held). */
  finishTakenOver?(): void;
}

/** What a part counted in numbers (RowHandler.handOver): plain data that crosses threads, its arrays transferred. */
export interface PartNumbers {
  days: IsoDay[];
  /** Pairs: a count's key (user, the day's index in `days`, source) and its occurrences. */
  counts: Float64Array;
  /** Pairs: (user, the day's index) and a course module a submission was counted for. */
  modules: Float64Array;
}

/** One export format: how to recognise its header and how to count its rows. */
export interface ExportFormat {
  id: string;
  /** What a person would call the file, for messages. */
  label: string;
  /** The header it expects, for the message when a header matches nothing. */
  expects: string;
  produces: readonly Source[];
  /** Whether a line is this format's header; `settings` carry the translated names a site configured (MOODLE_LOG_STRINGS). */
  matches(header: readonly string[], settings?: ParseSettings): boolean;
  start(header: readonly string[], settings: ParseSettings, tally: Tally): RowHandler;
  /**
   * Present on formats whose rows can be counted in parts of a large file at once (worker threads,
   * see parse-parallel.ts), with `finishPart` on their handlers: the checks that need the whole file,
   * run once on the merged tally. It must come to what `finish` gives when the file is read in one piece.
   */
  finishWhole?(tally: Tally): { scope: string };
  /** Its handlers count records straight from the bytes (`plainRow`), so its files go to the byte reader (read-bytes.ts). */
  readsBytes?: boolean;
}

export const normaliseHeader = (name: string): string =>
  name
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ');

/** Finds each wanted column by name, case-insensitively and in any order; null when one is missing. */
export function findColumns<K extends string>(header: readonly string[], wanted: Record<K, string>): Record<K, number> | null {
  const names = header.map(normaliseHeader);
  const out = {} as Record<K, number>;
  for (const [key, name] of Object.entries(wanted) as Array<[K, string]>) {
    const index = names.indexOf(normaliseHeader(name));
    if (index < 0) return null;
    out[key] = index;
  }
  return out;
}

export function hasColumns(header: readonly string[], wanted: readonly string[]): boolean {
  const names = new Set(header.map(normaliseHeader));
  return wanted.every((w) => names.has(normaliseHeader(w)));
}

export const wrongFieldCount = (got: number, expected: number): string => `has ${got} fields where the header has ${expected}`;

/** When a header came through as one field holding semicolons, the file was saved with ';' between fields: say so. */
export function separatorHint(header: readonly string[]): string {
  return header.length === 1 && (header[0] ?? '').includes(';')
    ? ' The fields are separated by semicolons (Excel saves so where the decimal point is a comma): save the file as "CSV UTF-8 (Comma delimited)" and import it again.'
    : '';
}
