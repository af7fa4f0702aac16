import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IsoDay, Source } from '../../shared/domain';
import { readDelimited, type ReadResult } from './read-delimited';
import { DeclinedError, readBytes } from './read-bytes';
import { Tally, type Rejection } from './tally';
import type { ExportFormat, ParseSettings } from './formats/format';
import { concludeParse, createRecordCounter } from './count-records';
import { createLineLengthCheck, DEFAULT_MAX_LINE_BYTES } from './line-limit';
import type { ParsedExport } from './parse-export';

// Below this a worker's start-up (tens of milliseconds) costs more than the second core gives back.
const MIN_BYTES_IN_PARTS = 32 * 1024 * 1024;
const MAX_PARTS = 4;
// How far past a cut to look for a line end; a record longer than this keeps the file in one piece.
const CUT_SEARCH_BYTES = 1 << 20;

/** What one worker is asked to count: the bytes `range` of the file; parts after the first get the header. */
export interface PartJob {
  path: string;
  source: string;
  settings: ParseSettings;
  range: { start: number; end: number };
  header: string[] | null;
  formatId: string | null;
  /** The file's format reads bytes (ExportFormat.readsBytes): the part goes to the byte reader. */
  readsBytes: boolean;
}

/** What one part amounts to, as plain data that crosses to the main thread. */
export interface PartResult {
  formatId: string | null;
  fatal: string | null;
  read: ReadResult;
  counts: Array<[string, number]>;
  /** The once-only occurrences counted in this part (see Tally.onceKeys). */
  onceKeys: string[];
  rowsRead: number;
  rowsCounted: number;
  rowsIgnored: number;
  rowsRejected: number;
  firstDay: IsoDay | null;
  lastDay: IsoDay | null;
  rejections: Rejection[];
  warnings: string[];
  sources: Source[];
  lastRecordLine: number;
  lastRecordRejected: boolean;
}

/** Counts one part of a file (in a worker thread): records as the whole-file read would give them, lines numbered within the part. */
export async function countPart(
  job: PartJob,
  formats: readonly ExportFormat[],
  onProgress?: (lines: number, bytes: number) => void,
): Promise<PartResult> {
  const format = formats.find((f) => f.id === job.formatId);
  const known = job.header && format ? { format, header: job.header } : undefined;
  let counter = createRecordCounter(formats, job.source, job.settings, known);
  const maxLineChars = job.settings.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const options = { delimiter: 'auto', onProgress, range: job.range, maxLineChars } as const;
  let read: ReadResult | null = null;
  if (job.readsBytes)
    read = await readBytes(job.path, { ...options, onRecord: counter.onRecord, onPlainRecord: counter.onPlainRecord }).catch(declined);
  if (read === null) {
    counter = createRecordCounter(formats, job.source, job.settings, known);
    read = await readDelimited(job.path, { ...options, onRecord: counter.onRecord });
  }
  const { state } = counter;
  state.handler?.finishPart?.();
  const { tally } = state;
  return {
    formatId: state.format?.id ?? null,
    fatal: state.fatal,
    read,
    counts: [...tally.counts],
    onceKeys: [...tally.onceKeys],
    rowsRead: tally.rowsRead,
    rowsCounted: tally.rowsCounted,
    rowsIgnored: tally.rowsIgnored,
    rowsRejected: tally.rowsRejected,
    firstDay: tally.firstDay,
    lastDay: tally.lastDay,
    rejections: tally.rejections,
    warnings: tally.warnings,
    sources: [...tally.sources],
    lastRecordLine: state.lastRecordLine,
    lastRecordRejected: state.lastRecordRejected,
  };
}

/** A read the byte reader declined comes to null, for the caller to read the file afresh with readDelimited. */
export function declined(error: unknown): null {
  if (error instanceof DeclinedError) return null;
  throw error;
}

/** The format whose header is the file's first record that is not empty, or null (none, or a file readDelimited reads only with Papa Parse). */
export async function headerFormat(
  path: string,
  formats: readonly ExportFormat[],
  settings: ParseSettings,
): Promise<{ format: ExportFormat; header: string[] } | null> {
  const header = await readHeader(path, settings.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES).catch(() => null);
  const format = header ? formats.find((f) => f.matches(header, settings)) : undefined;
  return header && format ? { format, header } : null;
}

/** The first record that is not empty: the header, as the whole-file read would see it. */
async function readHeader(path: string, maxLineChars: number): Promise<string[] | null> {
  let header: string[] | null = null;
  await readDelimited(path, {
    delimiter: 'auto',
    maxLineChars,
    onRecord: (fields, _line, problem) => {
      if (fields.length === 1 && fields[0] === '' && !problem) return true;
      header = problem ? null : [...fields];
      return false;
    },
  });
  return header;
}

/** Where the parts start: 0, then just after the first LF at or past each even cut; null when a cut finds none. */
async function findCuts(path: string, size: number, parts: number): Promise<number[] | null> {
  const handle = await open(path, 'r');
  try {
    const starts = [0];
    const buffer = Buffer.alloc(CUT_SEARCH_BYTES);
    for (let k = 1; k < parts; k++) {
      const from = Math.max(Math.floor((size * k) / parts), (starts[k - 1] as number) + 1);
      const { bytesRead } = await handle.read(buffer, 0, CUT_SEARCH_BYTES, from);
      const lf = buffer.subarray(0, bytesRead).indexOf(10);
      if (lf < 0 || from + lf + 1 >= size) return null;
      starts.push(from + lf + 1);
    }
    return starts;
  } finally {
    await handle.close();
  }
}

/**
 * The file's SHA-256, with the line-length check on the same bytes in the same pass (parseExport skips its own for a file read
 * in parts), unless `maxLineBytes` is null: the byte reader stops its part at any LF-ended line longer than that itself.
 */
function hashAndCheckFile(path: string, maxLineBytes: number | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const check = maxLineBytes === null ? () => undefined : createLineLengthCheck(maxLineBytes);
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    stream
      .on('data', (chunk) => {
        try {
          check(chunk as Buffer);
        } catch (error) {
          stream.destroy();
          reject(error as Error);
          return;
        }
        hash.update(chunk);
      })
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** Starts a worker on one part; from the TypeScript sources (tests, tsx) it loads them through tsx. */
function runPart(job: PartJob, onProgress: (lines: number, bytes: number) => void, workers: Worker[]): Promise<PartResult> {
  const file = join(__dirname, `parse-part.worker${extname(__filename)}`);
  const worker =
    extname(__filename) === '.ts'
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: job })
      : new Worker(file, { workerData: job });
  workers.push(worker);
  return new Promise((resolve, reject) => {
    worker.on('message', (message: { progress?: [number, number]; result?: PartResult; error?: string }) => {
      if (message.progress) onProgress(...message.progress);
      else if (message.result) resolve(message.result);
      else reject(new Error(message.error ?? 'the part worker failed'));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the part worker exited with ${code}`)));
  });
}

/**
 * Counts a large file in parts on worker threads, one per core, while this thread hashes it. Each part
 * starts just after a LF and is read as if a record started there; that holds exactly when the part
 * before it ended its last record on that LF (no quoted field runs across), which each part reports.
 * When any part cannot vouch for that, or anything else goes wrong, the answer is null and the caller
 * reads the file in one piece: the result is always the one the whole-file read gives.
 */
export async function parseInParts(
  path: string,
  source: string,
  formats: readonly ExportFormat[],
  settings: ParseSettings,
  onProgress?: (lines: number, bytes: number) => void,
  parts?: number,
): Promise<ParsedExport | null> {
  const started = performance.now();
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return null;
  // A format counted from its bytes is read faster in one piece than in parts (the workers' start, the merge of their
  // counts and their slower threads cost more than a second core gave back on this project's 2-core machine, see
  // docs/benchmarks.md, 2026-12-07 byte reader), so by default only the others are read in parts.
  const partsPay = formats.some((f) => f.finishWhole && !f.readsBytes);
  const wanted = parts ?? (partsPay && info.size >= MIN_BYTES_IN_PARTS ? Math.min(availableParallelism(), MAX_PARTS) : 1);
  if (wanted < 2) return null;
  const maxLineBytes = settings.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const found = await headerFormat(path, formats, settings);
  if (!found?.format.finishWhole || (parts === undefined && found.format.readsBytes)) return null;
  const { format, header } = found;
  const starts = await findCuts(path, info.size, wanted);
  if (!starts) return null;

  const progress = starts.map(() => [0, 0] as [number, number]);
  const report = (k: number) => (lines: number, bytes: number) => {
    progress[k] = [lines, bytes];
    onProgress?.(
      progress.reduce((sum, p) => sum + p[0], 0),
      progress.reduce((sum, p) => sum + p[1], 0),
    );
  };
  let results: PartResult[];
  let fileHash: string;
  const workers: Worker[] = [];
  try {
    [fileHash, ...results] = await Promise.all([
      hashAndCheckFile(path, format.readsBytes ? null : maxLineBytes),
      ...starts.map((start, k) =>
        runPart(
          {
            path,
            source,
            settings,
            range: { start, end: starts[k + 1] ?? info.size },
            header: k === 0 ? null : header,
            formatId: k === 0 ? null : format.id,
            readsBytes: format.readsBytes === true,
          },
          report(k),
          workers,
        ),
      ),
    ]);
  } catch {
    // A line too long, a part that failed: the others stop at once, and the caller reads the file in one piece (or refuses it).
    await Promise.all(workers.map((w) => w.terminate()));
    return null;
  }
  // Each worker has answered: its heap (tens of MB) goes now rather than while the parts are merged.
  await Promise.all(workers.map((w) => w.terminate()));
  if (results.some((r, k) => r.fatal !== null || r.formatId !== format.id || (k < results.length - 1 && !r.read.cleanEnd))) return null;

  const tally = new Tally(format.produces);
  let linesBefore = 0;
  let lastRecordLine = 0;
  let lastRecordRejected = false;
  for (const r of results) {
    for (const [key, n] of r.counts) tally.counts.set(key, (tally.counts.get(key) ?? 0) + n);
    tally.rowsRead += r.rowsRead;
    tally.rowsCounted += r.rowsCounted;
    tally.rowsIgnored += r.rowsIgnored;
    // One submission per student, course module and day across parts too: a part before this one counted it already.
    for (const once of r.onceKeys) {
      if (tally.onceKeys.has(once)) tally.uncountRepeat(once);
      else tally.onceKeys.add(once);
    }
    for (const rejection of r.rejections) tally.reject(rejection.line + linesBefore, rejection.reason);
    // tally.reject counted the rejections kept; the part's total also holds those past the cap.
    tally.rowsRejected += r.rowsRejected - r.rejections.length;
    if (r.firstDay) tally.seeDay(r.firstDay);
    if (r.lastDay) tally.seeDay(r.lastDay);
    tally.warnings.push(...r.warnings);
    if (r.lastRecordLine > 0) {
      lastRecordLine = r.lastRecordLine + linesBefore;
      lastRecordRejected = r.lastRecordRejected;
    }
    linesBefore += r.read.lastLine;
  }
  // The rule now holds across the parts: the once-only keys have done their work.
  tally.onceKeys.clear();
  const first = results[0] as PartResult;
  const last = results[results.length - 1] as PartResult;
  const read: ReadResult = {
    encoding: first.read.encoding,
    delimiter: first.read.delimiter,
    fileHash,
    bytes: results.reduce((sum, r) => sum + r.read.bytes, 0),
    endsWithNewline: last.read.endsWithNewline,
    lastLine: linesBefore,
    cleanEnd: true,
  };
  const counted = { format, tally, fatal: null, lastRecordLine, lastRecordRejected };
  return concludeParse(counted, read, () => (format.finishWhole as (t: Tally) => { scope: string })(tally), started);
}
