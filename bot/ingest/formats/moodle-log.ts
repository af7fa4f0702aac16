import type { IsoDay, Source } from '../../../shared/domain';
import { createDayOfWallTime, parseMoodleTime, type WallTime } from '../dates';
import { countKey, type Tally } from '../tally';
import { MAX_DAYS, NumericCounts } from './moodle-log-counts';
import {
  findColumns,
  hasColumns,
  wrongFieldCount,
  type ExportFormat,
  type ParseSettings,
  type PartNumbers,
  type PlainFields,
  type RowHandler,
} from './format';
import { MOODLE_LOG_EVENTS, MOODLE_LOG_HEADER } from '../moodle-strings';

const LOG_HEADER: readonly string[] = MOODLE_LOG_HEADER;

/** The header and counted event names this site's downloads use: English, plus what MOODLE_LOG_STRINGS translates. */
function logStrings(settings: ParseSettings | undefined) {
  const strings = settings?.moodleLogStrings ?? null;
  const header = MOODLE_LOG_HEADER.map((h) => strings?.headers?.[h] ?? h);
  const events = new Map(MOODLE_LOG_EVENTS);
  for (const [english, local] of Object.entries(strings?.events ?? {})) {
    const source = MOODLE_LOG_EVENTS.get(english);
    if (source && local !== undefined) for (const name of [local].flat()) events.set(name, source);
  }
  return { header, events, monthFirst: strings?.dateOrder === 'month-first' };
}

const USER_ID_PREFIX = "The user with id '";
const USER_ID_PREFIX_BYTES = Buffer.from(USER_ID_PREFIX, 'latin1');
const USER_ID_PREFIX_CANDIDATE = [{ bytes: USER_ID_PREFIX_BYTES, source: 'moodle_login' as Source }];
const COURSE_MODULE = /course module id '(\d+)'/;
const UNKNOWN_USER = 'the Description does not start with "The user with id \'N\'", so the user is unknown';

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

const COURSE_MODULE_BYTES = Buffer.from("course module id '", 'latin1');
const COURSE_MODULE_CANDIDATE = [{ bytes: COURSE_MODULE_BYTES, source: 'moodle_submission' as Source }];
const MAX_NUMERIC_MODULE_DIGITS = 15;
const NO_MODULE = -1;
const NOT_NUMERIC = -2;
const isNumericModule = (m: string): boolean => m.length <= MAX_NUMERIC_MODULE_DIGITS && m.charCodeAt(0) !== 48;

/**
 * COURSE_MODULE's match in the bytes `b[from, to)` (ASCII, so the same as in their text): the module as a number,
 * NO_MODULE when there is none, NOT_NUMERIC when it has a leading zero or too many digits to stand for one text.
 */
function courseModuleInBytes(b: Buffer, from: number, to: number): number {
  const last = to - COURSE_MODULE_BYTES.length;
  // Searched within the field only (indexOf would run on past it, through the lines after).
  for (let at = from; at <= last; at++) {
    if (b[at] !== 99 || sameBytes(b, at, COURSE_MODULE_CANDIDATE) === undefined) continue;
    const digitsFrom = at + COURSE_MODULE_BYTES.length;
    let i = digitsFrom;
    let n = 0;
    while (i < to && isDigit(b[i] as number)) n = n * 10 + (b[i++] as number) - 48;
    if (i === digitsFrom || i >= to || b[i] !== 39) continue;
    return i - digitsFrom > MAX_NUMERIC_MODULE_DIGITS || b[digitsFrom] === 48 ? NOT_NUMERIC : n;
  }
  return NO_MODULE;
}

/** Whether `text` from `at` is `, H:MM`, `, HH:MM` or either with `:SS`, a real time of day; by character, as it runs for nearly every row. */
export function isTimeOfDayAt(text: string, at: number): boolean {
  if (text.charCodeAt(at) !== 44 || text.charCodeAt(at + 1) !== 32) return false;
  let i = at + 2;
  const h1 = text.charCodeAt(i);
  if (!isDigit(h1)) return false;
  let hour = h1 - 48;
  i += 1;
  if (isDigit(text.charCodeAt(i))) {
    hour = hour * 10 + text.charCodeAt(i) - 48;
    i += 1;
  }
  if (hour > 23 || text.charCodeAt(i) !== 58) return false;
  const m1 = text.charCodeAt(i + 1);
  if (!(m1 >= 48 && m1 <= 53) || !isDigit(text.charCodeAt(i + 2))) return false;
  i += 3;
  if (i === text.length) return true;
  const s1 = text.charCodeAt(i + 1);
  return text.charCodeAt(i) === 58 && s1 >= 48 && s1 <= 53 && isDigit(text.charCodeAt(i + 2)) && i + 3 === text.length;
}

/** `isTimeOfDayAt` on bytes `b[at, end)`; the same answer for the same text, as every byte it accepts is ASCII. */
function isTimeOfDayInBytes(b: Uint8Array, at: number, end: number): boolean {
  // Past `end` reads as -1, no digit and no separator, as charCodeAt past a string's end reads NaN.
  const length = end - at;
  if (length < 6 || b[at] !== 44 || b[at + 1] !== 32) return false;
  let i = at + 2;
  const h1 = b[i] as number;
  if (!isDigit(h1)) return false;
  let hour = h1 - 48;
  i += 1;
  if (isDigit(b[i] as number)) {
    hour = hour * 10 + (b[i] as number) - 48;
    i += 1;
  }
  if (i + 3 > end || hour > 23 || b[i] !== 58) return false;
  const m1 = b[i + 1] as number;
  if (!(m1 >= 48 && m1 <= 53) || !isDigit(b[i + 2] as number)) return false;
  i += 3;
  if (i === end) return true;
  if (i + 3 !== end) return false;
  const s1 = b[i + 1] as number;
  return b[i] === 58 && s1 >= 48 && s1 <= 53 && isDigit(b[i + 2] as number);
}

// Counts are kept per (user, day, source) under one integer while the file is read, then handed to the tally once:
// a numeric key costs no string building or hashing per row. Ids too long or with a leading zero keep the string path.
const MAX_NUMERIC_USER_ID_DIGITS = 12;
// A field whose bytes hold doubled quotes is read as its text: rare, so decoded.
const text = (b: Buffer, from: number, to: number, doubled: number): string => {
  const t = b.toString('utf8', from, to);
  return doubled === 1 ? t.replaceAll('""', '"') : t;
};

/** The source of the candidate whose bytes are those at `b[from, from + length)` (all candidates have that length). */
function sameBytes(b: Uint8Array, from: number, candidates: ReadonlyArray<{ bytes: Uint8Array; source: Source }>): Source | undefined {
  for (const { bytes, source } of candidates) {
    let i = 0;
    while (i < bytes.length && b[from + i] === bytes[i]) i += 1;
    if (i === bytes.length) return source;
  }
  return undefined;
}

/** Withdraws login coverage from a log with no login at all: a course-level download, whose silence says nothing. */
function checkLogins(tally: { sources: Set<Source>; warnings: string[] }, sawLogin: boolean): void {
  if (!sawLogin && tally.sources.has('moodle_login')) {
    tally.sources.delete('moodle_login');
    tally.warnings.push(
      'No login events in this log: it looks like a course-level download. Submissions were imported; logins appear only in a site-level download, so login data for these days stays unknown.',
    );
  }
}

/**
 * Counts one site log's rows, given as strings (`row`) or as the bytes of a plain record (`plainRow`,
 * read-bytes.ts), both through the same state in file order, so a file read either way or both ways
 * (the byte reader hands lines it cannot split to Papa Parse, whose records come to `row`) counts the same.
 * The time is remembered as bytes: most rows repeat the last time or its date, which is then not parsed again.
 */
class MoodleLogCounter implements RowHandler {
  private readonly time: number;
  private readonly event: number;
  private readonly description: number;
  private readonly width: number;
  private readonly events: Map<string, Source>;
  /** The counted event names as UTF-8, by their length in bytes. */
  private readonly eventsByLength: Array<Array<{ bytes: Buffer; source: Source }> | undefined> = [];
  private readonly monthFirst: boolean;
  private readonly sameZone: boolean;
  private readonly dayOf: (w: WallTime) => IsoDay;
  /**
   * The last time read, as text (`row`) and as bytes with the length of its date part (`plainRow`): what one path reads
   * makes the other's unknown (null, -1), so each compares only with a time it read itself. Both start unknown: an empty
   * first time is no Moodle time (it once passed as the empty last time, counted on day "undefined" for the id before).
   */
  private lastTimeText: string | null = null;
  private lastDateText: string | null = null;
  private lastTime = Buffer.alloc(64);
  private lastTimeLength = -1;
  private lastDateLength = -1;
  private lastDay: IsoDay = '';
  private lastDayIndex = -1;
  private readonly days: IsoDay[] = [];
  private readonly dayIndex = new Map<IsoDay, number>();
  private counts = new Map<number, number>();
  /** (user, day) as one number -> the course module, or modules, of the submissions counted (the once-per-module rule). */
  private readonly modulesSeen = new Map<number, number | Set<number>>();
  private sawLogin = false;

  constructor(
    header: readonly string[],
    settings: ParseSettings,
    private readonly tally: Tally,
  ) {
    const strings = logStrings(settings);
    const names = hasColumns(header, LOG_HEADER) ? LOG_HEADER : strings.header;
    const c = findColumns(header, { time: names[0] as string, event: names[5] as string, description: names[6] as string });
    if (!c) throw new Error('unreachable: header matched');
    this.time = c.time;
    this.event = c.event;
    this.description = c.description;
    this.width = header.length;
    this.events = strings.events;
    for (const [name, source] of this.events) {
      const bytes = Buffer.from(name, 'utf8');
      // A name that is not well-formed UTF-16 never equals a decoded field; as bytes it might.
      if (bytes.toString('utf8') !== name) continue;
      (this.eventsByLength[bytes.length] ??= []).push({ bytes, source });
    }
    this.monthFirst = strings.monthFirst;
    this.sameZone = settings.sourceTimeZone === settings.campusTimeZone;
    this.dayOf = createDayOfWallTime(settings.sourceTimeZone, settings.campusTimeZone);
  }

  row(fields: string[], line: number): void {
    if (fields.length !== this.width) return this.tally.reject(line, wrongFieldCount(fields.length, this.width));
    const time = fields[this.time] as string;
    if (time !== this.lastTimeText) {
      // Same zone: the printed date is the campus day, so only a new date needs the full parse.
      const comma = time.indexOf(',');
      const datePart = comma > 0 ? time.slice(0, comma) : time;
      let day: IsoDay;
      if (this.sameZone && comma > 0 && datePart === this.lastDateText && isTimeOfDayAt(time, comma)) day = this.lastDay;
      else {
        const wall = parseMoodleTime(time, this.monthFirst);
        if (!wall) return this.rejectTime(line, time);
        day = this.dayOf(wall);
        this.lastDateText = datePart;
      }
      this.lastTimeText = time;
      // The time as bytes is no longer known.
      this.lastTimeLength = -1;
      this.lastDateLength = -1;
      this.seeDay(day);
    }
    const source = this.events.get(fields[this.event] as string);
    if (source === undefined) return this.tally.ignore();
    const description = fields[this.description] as string;
    const end = description.startsWith(USER_ID_PREFIX) ? description.indexOf("'", USER_ID_PREFIX.length) : -1;
    const userId = end > 0 ? description.slice(USER_ID_PREFIX.length, end) : '';
    if (!/^\d+$/.test(userId)) return this.tally.reject(line, UNKNOWN_USER);
    this.countUser(userId, source, description);
  }

  plainRow(b: Buffer, fields: PlainFields, line: number): void {
    if (fields.count !== this.width) return this.tally.reject(line, wrongFieldCount(fields.count, this.width));
    const { start, end, doubled } = fields;
    const t = this.time;
    if (doubled[t] === 1) {
      const time = Buffer.from(text(b, start[t] as number, end[t] as number, 1), 'utf8');
      if (!this.readTime(time, 0, time.length, line)) return;
    } else if (!this.readTime(b, start[t] as number, end[t] as number, line)) return;

    const e = this.event;
    let source: Source | undefined;
    if (doubled[e] === 1) source = this.events.get(text(b, start[e] as number, end[e] as number, 1));
    else {
      const from = start[e] as number;
      const length = (end[e] as number) - from;
      const candidates = length < this.eventsByLength.length ? this.eventsByLength[length] : undefined;
      if (candidates !== undefined) source = sameBytes(b, from, candidates);
    }
    if (source === undefined) return this.tally.ignore();

    // The user id: the digits between the prefix and the next apostrophe. A quote (doubled in the bytes) there is no digit either way.
    const d = this.description;
    const from = start[d] as number;
    const to = end[d] as number;
    const digitsFrom = from + USER_ID_PREFIX_BYTES.length;
    if (to < digitsFrom || sameBytes(b, from, USER_ID_PREFIX_CANDIDATE) === undefined) return this.tally.reject(line, UNKNOWN_USER);
    let i = digitsFrom;
    let id = 0;
    while (i < to && isDigit(b[i] as number)) id = id * 10 + (b[i++] as number) - 48;
    if (i === digitsFrom || i === to || b[i] !== 39) return this.tally.reject(line, UNKNOWN_USER);
    const numeric = i - digitsFrom <= MAX_NUMERIC_USER_ID_DIGITS && b[digitsFrom] !== 48 && this.lastDayIndex < MAX_DAYS;
    if (numeric && source === 'moodle_login') {
      this.sawLogin = true;
      this.countNumeric(id, source);
      return;
    }
    if (numeric && doubled[d] === 0) {
      // A submission: its course module read from the bytes, the once-per-module rule kept in numbers.
      const courseModule = courseModuleInBytes(b, i, to);
      if (courseModule !== NOT_NUMERIC) {
        if (courseModule !== NO_MODULE && !this.firstNumericSubmission(id, courseModule)) return this.tally.ignore();
        this.countNumeric(id, source);
        return;
      }
    }
    const description = source === 'moodle_login' ? '' : text(b, from, to, doubled[d] as number);
    this.countUser(b.toString('latin1', digitsFrom, i), source, description);
  }

  /** A row of a counted event by user `userId` (digits): a submission once per course module and day, then counted. */
  private countUser(userId: string, source: Source, description: string): void {
    const day = this.lastDay;
    const numeric = userId.length <= MAX_NUMERIC_USER_ID_DIGITS && userId.charCodeAt(0) !== 48 && this.lastDayIndex < MAX_DAYS;
    if (source === 'moodle_login') this.sawLogin = true;
    else {
      const courseModule = COURSE_MODULE.exec(description)?.[1] ?? null;
      // One submission per student, course module and day (see createSubmissionOnceRule): in numbers where the byte path
      // keeps it so (the same ids and modules, so both paths share one rule), else claimed in the tally by its text.
      if (numeric && courseModule !== null && isNumericModule(courseModule)) {
        if (!this.firstNumericSubmission(Number(userId), Number(courseModule))) return this.tally.ignore();
      } else if (courseModule && !this.tally.claimOnce(`moodle:${userId}`, day, source, courseModule)) return this.tally.ignore();
    }
    if (numeric) {
      this.countNumeric(Number(userId), source);
    } else {
      // identityKey() of a single candidate, without its allocations.
      this.tally.count(`moodle:${userId}`, day, source);
    }
  }

  /**
   * Whether this is the first submission of `userId` to `courseModule` on the current day (numbers of at most 15 digits
   * without a leading zero, so each stands for exactly one text): most (user, day) pairs see one module, kept as a number.
   */
  private firstNumericSubmission(userId: number, courseModule: number): boolean {
    return this.firstModule(userId * MAX_DAYS + this.lastDayIndex, courseModule);
  }

  /** Whether `courseModule` is new for the (user, day) `key`, which then holds it. */
  private firstModule(key: number, courseModule: number): boolean {
    const seen = this.modulesSeen.get(key);
    if (seen === undefined) this.modulesSeen.set(key, courseModule);
    else if (typeof seen === 'number') {
      if (seen === courseModule) return false;
      this.modulesSeen.set(key, new Set([seen, courseModule]));
    } else {
      if (seen.has(courseModule)) return false;
      seen.add(courseModule);
    }
    return true;
  }

  private countNumeric(userId: number, source: Source): void {
    const key = (userId * MAX_DAYS + this.lastDayIndex) * 2 + (source === 'moodle_login' ? 0 : 1);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /**
   * Makes the time `b[from, to)` the current row's day; false when it is no Moodle time (the row is rejected).
   * A time equal to the last one is that one's day; in the same zone, so is one with the last date and a
   * real time of day. Only a new date (or, across zones, a new time) is parsed.
   */
  private readTime(b: Uint8Array, from: number, to: number, line: number): boolean {
    const length = to - from;
    const last = this.lastTime;
    const lastLength = this.lastTimeLength;
    // One pass to the first byte that differs from the last time.
    const common = length < lastLength ? length : lastLength;
    let same = 0;
    while (same < common && b[from + same] === last[same]) same += 1;
    if (same === length && length === lastLength) return true;
    // The last time's date ends at its first comma, and this time has the same bytes up to and with that comma: the same date.
    const lastDate = this.lastDateLength;
    if (this.sameZone && lastDate > 0 && lastDate < lastLength && same > lastDate) {
      if (!isTimeOfDayInBytes(b, from + lastDate, to)) return this.parseTime(b, from, to, lastDate, line);
      this.remember(b, from, length, lastDate, this.lastDay, same);
      return true;
    }
    let comma = from;
    while (comma < to && b[comma] !== 44) comma += 1;
    return this.parseTime(b, from, to, comma < to && comma > from ? comma - from : length, line);
  }

  private parseTime(b: Uint8Array, from: number, to: number, dateLength: number, line: number): boolean {
    const time = Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('utf8');
    const wall = parseMoodleTime(time, this.monthFirst);
    if (!wall) {
      this.rejectTime(line, time);
      return false;
    }
    this.remember(b, from, to - from, dateLength, this.dayOf(wall));
    return true;
  }

  private rejectTime(line: number, time: string): void {
    this.tally.reject(
      line,
      `Time "${time}" is not a Moodle date such as 4/11/23, 11:18:42${this.monthFirst ? ' read month first (MOODLE_LOG_STRINGS dateOrder)' : ''}`,
    );
  }

  /** Remembers the time `b[from, from + length)`, whose first `same` bytes are the last time's already. */
  private remember(b: Uint8Array, from: number, length: number, dateLength: number, day: IsoDay, same = 0): void {
    if (length > this.lastTime.length) {
      this.lastTime = Buffer.alloc(length * 2);
      same = 0;
    }
    const last = this.lastTime;
    for (let i = same; i < length; i++) last[i] = b[from + i] as number;
    this.lastTimeLength = length;
    this.lastDateLength = dateLength;
    this.lastTimeText = null;
    this.lastDateText = null;
    this.seeDay(day);
  }

  /** The current row's day is `day`. */
  private seeDay(day: IsoDay): void {
    if (day !== this.lastDay) {
      this.lastDay = day;
      this.tally.seeDay(day);
      let index = this.dayIndex.get(day);
      if (index === undefined) {
        index = this.days.length;
        this.days.push(day);
        this.dayIndex.set(day, index);
      }
      this.lastDayIndex = index;
    }
  }

  /**
   * A part's end (parse-parallel.ts): its counts, and the submissions counted once per module in numbers claimed in the
   * tally, so that a file counted in parts applies the rule across its parts too. A file read in one piece needs no such
   * keys (`finish`); only the rare text keys are claimed there while reading.
   */
  finishPart(): void {
    for (const [key, seen] of this.modulesSeen) {
      const identity = `moodle:${Math.floor(key / MAX_DAYS)}`;
      const day = this.days[key % MAX_DAYS] as IsoDay;
      // Numeric keys never meet the text keys claimed while reading: a module's text decides which it gets.
      for (const courseModule of typeof seen === 'number' ? [seen] : seen)
        this.tally.claimOnce(identity, day, 'moodle_submission', String(courseModule));
    }
    this.modulesSeen.clear();
    this.flushCounts();
  }

  handOver(): PartNumbers {
    const counts = new Float64Array(this.counts.size * 2);
    let i = 0;
    for (const [key, n] of this.counts) {
      counts[i++] = key;
      counts[i++] = n;
    }
    let pairs = 0;
    for (const seen of this.modulesSeen.values()) pairs += typeof seen === 'number' ? 1 : seen.size;
    const modules = new Float64Array(pairs * 2);
    i = 0;
    for (const [key, seen] of this.modulesSeen)
      for (const courseModule of typeof seen === 'number' ? [seen] : seen) {
        modules[i++] = key;
        modules[i++] = courseModule;
      }
    this.counts.clear();
    this.modulesSeen.clear();
    return { days: [...this.days], counts, modules };
  }

  takeOver(numbers: PartNumbers): boolean {
    const { days, counts, modules } = numbers;
    // The part's days as this counter's (-1: a day this part never saw).
    const here = days.map((day) => this.dayIndex.get(day) ?? -1);
    // A submission the part after the cut counted for a (user, day, module) this part counted already: counted once (one taken
    // from this part's count of that student's submissions that day, which holds it), the other ignored.
    for (let i = 0; i < modules.length; i += 2) {
      const key = modules[i] as number;
      const day = here[key % MAX_DAYS] as number;
      if (day < 0) continue;
      const mine = key - (key % MAX_DAYS) + day;
      const seen = this.modulesSeen.get(mine);
      const courseModule = modules[i + 1] as number;
      if (seen === undefined || (typeof seen === 'number' ? seen !== courseModule : !seen.has(courseModule))) continue;
      const n = (this.counts.get(mine * 2 + 1) as number) - 1;
      if (n > 0) this.counts.set(mine * 2 + 1, n);
      else this.counts.delete(mine * 2 + 1);
      this.tally.ignore();
    }
    // The part's counts stay as they came, a block of their own; a (user, day, kind) on a day both parts saw is in both, summed
    // wherever the tally is read, and counted once in its size.
    let rows = 0;
    let shared = 0;
    for (let i = 0; i < counts.length; i += 2) {
      rows += counts[i + 1] as number;
      const key = counts[i] as number;
      const rest = Math.floor(key / 2);
      const day = here[rest % MAX_DAYS] as number;
      if (day >= 0 && this.counts.has((rest - (rest % MAX_DAYS) + day) * 2 + (key % 2))) shared += 1;
    }
    this.tally.addBlock(new NumericCounts(counts, days, counts.length / 2 - shared), rows);
    return true;
  }

  finishTakenOver(): void {
    this.modulesSeen.clear();
    this.keepCounts();
  }

  /** The numeric counts to the tally as they are (NumericCounts): their keys are made only when they are read. */
  private keepCounts(): void {
    let rows = 0;
    for (const n of this.counts.values()) rows += n;
    this.tally.addBlock(new NumericCounts(this.counts, this.days), rows);
    this.counts = new Map();
  }

  /** The numeric counts into the tally's keys (countKey), each user's identity and each (day, source)'s tail made once. */
  private flushCounts(): void {
    const { counts, rowsCounted } = this.tally;
    const identities = new Map<number, string>();
    const tails: string[] = [];
    let added = 0;
    for (const [key, n] of this.counts) {
      const rest = Math.floor(key / 2);
      const userId = Math.floor(rest / MAX_DAYS);
      const tailIndex = (rest % MAX_DAYS) * 2 + (key % 2);
      let identity = identities.get(userId);
      if (identity === undefined) identities.set(userId, (identity = `moodle:${userId}`));
      const tail = (tails[tailIndex] ??= countKey(
        '',
        this.days[rest % MAX_DAYS] as IsoDay,
        key % 2 === 0 ? 'moodle_login' : 'moodle_submission',
      ));
      const countedKey = identity + tail;
      counts.set(countedKey, (counts.get(countedKey) ?? 0) + n);
      added += n;
    }
    this.tally.rowsCounted = rowsCounted + added;
    this.counts.clear();
  }

  finish(): { scope: string } {
    this.keepCounts();
    checkLogins(this.tally, this.sawLogin);
    return { scope: 'site' };
  }
}

/** Site administration > Reports > Logs, "Download table data as CSV" (Moodle 3.x and 4.x, English). */
export const moodleLogFormat: ExportFormat = {
  id: 'moodle-log',
  label: 'Moodle site log download',
  expects: LOG_HEADER.join(', '),
  produces: ['moodle_login', 'moodle_submission'],
  readsBytes: true,
  matches: (header, settings) =>
    header.length === LOG_HEADER.length && (hasColumns(header, LOG_HEADER) || hasColumns(header, logStrings(settings).header)),
  start: (header, settings, tally) => new MoodleLogCounter(header, settings, tally),
  // A login was seen exactly when a login was counted, so the merged counts say it for the whole file.
  finishWhole(tally) {
    checkLogins(tally, tally.counted('moodle_login'));
    return { scope: 'site' };
  },
};

export { checkLogins };
