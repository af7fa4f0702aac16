import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IsoDay, Source } from '../../shared/domain';
import { readDelimited, readPlainHeader, type ReadResult } from './read-delimited';
import { DeclinedError, readBytes } from './read-bytes';
import { Tally, type Rejection } from './tally';
import type { ExportFormat, ParseSettings, PartNumbers, RowHandler } from './formats/format';
import { concludeParse, createRecordCounter } from './count-records';
import { createLineLengthCheck, DEFAULT_MAX_LINE_BYTES } from './line-limit';
import type { ParsedExport } from './parse-export';
import { fileIdentityHash, identityOf, identityOfFile } from './file-identity';

// Below this a worker's start-up (tens of milliseconds) costs more than the second core gives back.
const MIN_BYTES_IN_PARTS = 32 * 1024 * 1024;
const MAX_PARTS = 4;
// A format counted from its bytes is counted in two parts, one on this thread and one on a worker, from this size: below it the
// worker's start and the merge cost more than the second core gives back (docs/benchmarks.md, issue 18 seventh pass).
const HERE_AND_WORKER_MIN_BYTES = 64 * 1024 * 1024;
// The share of the file this thread counts: the worker starts later (its isolate and modules), this thread merges at the end.
const HERE_SHARE = 0.52;
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
  /** The part counted on this thread takes this one's counts over as numbers (RowHandler.handOver), where its format keeps them so. */
  handOver?: boolean;
  /** The part hashes the file's identity segments that start in it (this thread and one worker). */
  identitySegments?: boolean;
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
  /** A part counted on this thread keeps its tally (its counts and once-only keys are not copied out): the merge starts from it. */
  local?: Tally;
  /** ...and its format's handler, not finished: it takes over the next part's `numbers`. */
  localHandler?: RowHandler;
  /** A part asked to hand over (PartJob.handOver): what it counted in numbers, not in `counts`. */
  numbers?: PartNumbers;
}

/** Counts one part of a file (in a worker thread): records as the whole-file read would give them, lines numbered within the part. */
export async function countPart(
  job: PartJob,
  formats: readonly ExportFormat[],
  onProgress?: (lines: number, bytes: number) => void,
  keepTally = false,
): Promise<PartResult> {
  const format = formats.find((f) => f.id === job.formatId);
  const known = job.header && format ? { format, header: job.header } : undefined;
  let counter = createRecordCounter(formats, job.source, job.settings, known);
  const maxLineChars = job.settings.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const options = { delimiter: 'auto', onProgress, range: job.range, maxLineChars, identitySegments: job.identitySegments } as const;
  let read: ReadResult | null = null;
  // A line too long fails the part, and the file is read in one piece, where the exact check of line lengths refuses it naming the
  // line: the text reader would read past it (it holds a line to its end only within the cap, it does not measure every line).
  if (job.readsBytes)
    read = await readBytes(job.path, { ...options, onRecord: counter.onRecord, onPlainRecord: counter.onPlainRecord }).catch(
      (error: unknown) => {
        if (error instanceof DeclinedError && error.lineTooLong) throw error;
        return declined(error);
      },
    );
  if (read === null) {
    counter = createRecordCounter(formats, job.source, job.settings, known);
    read = await readDelimited(job.path, { ...options, onRecord: counter.onRecord });
  }
  const { state } = counter;
  const handler = state.handler;
  // This thread's part stays unfinished, to take over the next part's numbers; a part that hands over gives its numbers.
  const numbers = job.handOver && handler?.handOver ? handler.handOver() : undefined;
  if (!keepTally && !numbers) handler?.finishPart?.();
  const { tally } = state;
  return {
    formatId: state.format?.id ?? null,
    fatal: state.fatal,
    read,
    counts: keepTally ? [] : [...tally.allCounts()],
    onceKeys: keepTally ? [] : [...tally.onceKeys],
    local: keepTally ? tally : undefined,
    localHandler: keepTally ? (handler ?? undefined) : undefined,
    numbers,
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
  const header =
    (await readPlainHeader(path).catch(() => null)) ??
    (await readHeader(path, settings.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES).catch(() => null));
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

/** Where the parts start: 0, then just after the first LF at or past each even cut (or the one cut at `share`); null when a cut finds none. */
async function findCuts(path: string, size: number, parts: number, share?: number): Promise<number[] | null> {
  const handle = await open(path, 'r');
  try {
    const starts = [0];
    const buffer = Buffer.alloc(CUT_SEARCH_BYTES);
    for (let k = 1; k < parts; k++) {
      const from = Math.max(
        Math.floor(share !== undefined && parts === 2 ? size * share : (size * k) / parts),
        (starts[k - 1] as number) + 1,
      );
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
 * The file's identity (file-identity.ts), with the line-length check on the same bytes in the same pass (parseExport skips its
 * own for a file read in parts), unless `maxLineBytes` is null: the byte reader stops its part at any LF-ended line longer than that itself.
 */
async function hashAndCheckFile(path: string, maxLineBytes: number | null): Promise<string> {
  const hash = await fileIdentityHash();
  let bytes = 0;
  return new Promise((resolve, reject) => {
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
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      })
      .on('end', () => resolve(hash.digest(bytes)))
      .on('error', reject);
  });
}

/** A part worker, given its job now or (null) by a message later: started before the job is known, its start is hidden behind finding it. */
function startWorker(job: PartJob | null): Worker {
  const file = join(__dirname, `parse-part.worker${extname(__filename)}`);
  return extname(__filename) === '.ts'
    ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: job })
    : new Worker(file, { workerData: job });
}

/** Counts the first part on this thread, keeping its tally. */
const countHere = (
  job: PartJob,
  onProgress: (lines: number, bytes: number) => void,
  _workers: Worker[],
  formats: readonly ExportFormat[],
  _started?: Worker,
) => countPart(job, formats, onProgress, true);

/** Starts a worker on one part; from the TypeScript sources (tests, tsx) it loads them through tsx. */
function runPart(
  job: PartJob,
  onProgress: (lines: number, bytes: number) => void,
  workers: Worker[],
  _formats?: unknown,
  started?: Worker,
): Promise<PartResult> {
  const worker = started ?? startWorker(job);
  if (started) worker.postMessage(job);
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

/** The file's format and where its parts start, or null when it is read in one piece; `here`: this thread and one worker. */
async function planParts(
  path: string,
  size: number,
  formats: readonly ExportFormat[],
  settings: ParseSettings,
  parts: number | undefined,
  hereShare: number | undefined,
  textPays: boolean,
  bytesPay: boolean,
): Promise<{ format: ExportFormat; header: string[]; here: boolean; starts: number[] } | null> {
  const found = await headerFormat(path, formats, settings);
  if (!found?.format.finishWhole) return null;
  const { format, header } = found;
  // A format read from its bytes: this thread and one worker (by default, from HERE_AND_WORKER_MIN_BYTES); any other: workers.
  const here = parts === undefined && format.readsBytes === true && (hereShare !== undefined || bytesPay);
  if (parts === undefined && !here && (format.readsBytes || !textPays)) return null;
  const wanted = here ? 2 : (parts ?? Math.min(availableParallelism(), MAX_PARTS));
  if (wanted < 2) return null;
  const starts = await findCuts(path, size, wanted, here ? (hereShare ?? HERE_SHARE) : undefined);
  return starts ? { format, header, here, starts } : null;
}

/**
 * Counts a large file in parts on worker threads, one per core, while this thread hashes it; a format counted from its bytes
 * (the Moodle site log) in two parts, the first on this thread and the second on one worker, each hashing its own part. Each part
 * starts just after a LF and is read as if a record started there; that holds exactly when the part
 * before it ended its last record on that LF (no quoted field runs across), which each part reports.
 * When any part cannot vouch for that, or anything else goes wrong, the answer is null and the caller
 * reads the file in one piece: the result is always the one the whole-file read gives. `hereShare` (tests) counts any size of
 * file this way, this thread taking that share of it.
 */
export async function parseInParts(
  path: string,
  source: string,
  formats: readonly ExportFormat[],
  settings: ParseSettings,
  onProgress?: (lines: number, bytes: number) => void,
  parts?: number,
  hereShare?: number,
): Promise<ParsedExport | null> {
  const started = performance.now();
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return null;
  const twoCores = availableParallelism() >= 2;
  const textPays = formats.some((f) => f.finishWhole && !f.readsBytes) && info.size >= MIN_BYTES_IN_PARTS;
  const bytesPay = formats.some((f) => f.finishWhole && f.readsBytes) && info.size >= HERE_AND_WORKER_MIN_BYTES && twoCores;
  if (parts === undefined && hereShare === undefined && !textPays && !bytesPay) return null;
  if (parts !== undefined && parts < 2) return null;
  // The worker for a site log's second part starts now, while the header and the cut are found; it is stopped if not wanted.
  const early = parts === undefined && (hereShare !== undefined || bytesPay) ? startWorker(null) : undefined;
  const found = await planParts(path, info.size, formats, settings, parts, hereShare, textPays, bytesPay).catch((error: unknown) => {
    void early?.terminate();
    throw error;
  });
  if (!found) {
    await early?.terminate();
    return null;
  }
  const { format, header, here, starts } = found;
  if (!here) void early?.terminate();
  const maxLineBytes = settings.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;

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
    const hashed = here ? Promise.resolve('') : hashAndCheckFile(path, format.readsBytes ? null : maxLineBytes);
    [fileHash, ...results] = await Promise.all([
      hashed,
      ...starts.map((start, k) =>
        (here && k === 0 ? countHere : runPart)(
          {
            path,
            source,
            settings,
            range: { start, end: starts[k + 1] ?? info.size },
            header: k === 0 ? null : header,
            formatId: k === 0 ? null : format.id,
            readsBytes: format.readsBytes === true,
            handOver: here && k === 1,
            identitySegments: here,
          },
          report(k),
          workers,
          formats,
          here ? early : undefined,
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
  const bytes = results.reduce((sum, r) => sum + r.read.bytes, 0);
  if (here) {
    // Each part hashed the identity segments that start in it; a part read by the text reader (it declined the bytes) did not.
    const segments = results.map((r) => r.read.identitySegments);
    fileHash = segments.every((d) => d !== undefined)
      ? await identityOf(segments as Uint8Array[], bytes)
      : await identityOfFile(path, bytes);
  }

  // The part counted on this thread is the start: its counts and once-only keys stay where they are, and it takes the other's numbers.
  if (here) {
    const handler = results[0]?.localHandler;
    const numbers = results[1]?.numbers;
    if (!handler?.takeOver || !handler.finishTakenOver || !numbers || !handler.takeOver(numbers)) return null;
    handler.finishTakenOver();
  }
  const tally = results[0]?.local ?? new Tally(format.produces);
  let linesBefore = 0;
  let lastRecordLine = 0;
  let lastRecordRejected = false;
  for (const r of results) {
    if (r.local === tally) {
      lastRecordLine = r.lastRecordLine;
      lastRecordRejected = r.lastRecordRejected;
      linesBefore += r.read.lastLine;
      continue;
    }
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
    bytes,
    endsWithNewline: last.read.endsWithNewline,
    lastLine: linesBefore,
    cleanEnd: true,
  };
  const counted = { format, tally, fatal: null, lastRecordLine, lastRecordRejected };
  return concludeParse(counted, read, () => (format.finishWhole as (t: Tally) => { scope: string })(tally), started);
}
