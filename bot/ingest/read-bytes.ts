import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import type { PlainFields } from './formats/format';
import { feedUntil, fileIdentityHash, SegmentHasher } from './file-identity';
import { parseHeldLines, planRead, splitPlainLine, type ReadOptions, type ReadResult } from './read-delimited';

/** The byte reader does not read this file (not UTF-8, CR line ends, bytes that are not UTF-8): read it with readDelimited instead. */
export class DeclinedError extends Error {
  constructor(
    reason: string,
    /** A line longer than `maxLineChars`: only the exact check of line lengths (line-limit.ts) may read past it, to refuse the file. */
    readonly lineTooLong = false,
  ) {
    super(`the byte reader declined the file: ${reason}`);
    this.name = 'DeclinedError';
  }
}

/** One plain record, its fields left where they lie in `bytes`; null when the sink wants them as strings (onRecord). False stops reading. */
export type PlainRecordSink = (bytes: Buffer, fields: PlainFields, line: number) => boolean | null;

export interface ByteReadOptions extends ReadOptions {
  onPlainRecord: PlainRecordSink;
}

// Large blocks: nothing here becomes a string, so a block is not held by anything once its lines are counted.
const READ_BYTES = 1 << 18;
const FIELDS_PLACED = 32;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * Reads a UTF-8 file with LF or CRLF line ends as readDelimited's fast reader does, record for record,
 * problem for problem and line for line, without decoding it: bytes are checked to be UTF-8 (`isUtf8`,
 * a block at a time), each line is scanned for its fields' bounds, and a plain line (every field
 * unquoted without a quote, or quoted with its quotes doubled: `splitPlainLine`'s rule) goes to
 * `onPlainRecord` as byte ranges. Only the lines it cannot split are decoded, and go with the lines
 * after them to Papa Parse exactly as in readDelimited. A file it does not read throws DeclinedError
 * before or while reading; the caller then reads it afresh with readDelimited.
 */
export async function readBytes(path: string, options: ByteReadOptions): Promise<ReadResult> {
  const plan = await planRead(path, options.delimiter);
  if (plan.lineEnd === null || plan.lineEnd === '\r') throw new DeclinedError(plan.lineEnd === null ? 'not UTF-8' : 'CR line ends');
  const { delimiter, size: fileSize } = plan;
  const lineEnd = plan.lineEnd;
  const crlf = lineEnd === '\r\n';
  const delim = delimiter.charCodeAt(0);
  const start = options.range?.start ?? 0;
  const stop = Math.min(options.range?.end ?? fileSize, fileSize);
  const toFileEnd = stop >= fileSize;

  const fields: PlainFields = {
    count: 0,
    start: new Int32Array(FIELDS_PLACED),
    end: new Int32Array(FIELDS_PLACED),
    doubled: new Uint8Array(FIELDS_PLACED),
  };
  // With `maxLineChars`, a LF-ended line longer in bytes (a byte-order mark counted to every line) makes the reader decline: it
  // never holds more, and it is never more lenient than the exact check of line lengths (line-limit.ts), which counts a CR as a
  // line end too. The caller then makes that check, which refuses the file naming the line, or reads the file with readDelimited.
  const maxLine = options.maxLineChars === undefined ? Infinity : options.maxLineChars - 3;
  const tooLong = () => new DeclinedError(`a line near line ${line} is longer than ${maxLine} bytes`, true);
  let bomLeft = start === 0 && plan.sniffed.hasBom ? 3 : 0;
  let bytes = 0;
  let lastByte = -1;
  let line = 1;
  let stopped = false;
  let nextProgress = 50_000;
  // The start of a line the last block ended in, copied.
  let carry: Buffer | null = null;
  // Lines waiting for Papa Parse, decoded, as in readDelimited.
  let pending: string[] | null = null;
  let wanted = 1;

  const progress = (startLine: number): void => {
    if (options.onProgress && startLine >= nextProgress) {
      nextProgress = startLine + 50_000;
      options.onProgress(startLine, bytes);
    }
  };

  const emit = (row: string[], problem: string | null): void => {
    const startLine = line;
    line += 1;
    if (problem !== null || pending !== null) {
      for (let i = 0; i < row.length; i++) {
        const f = row[i] as string;
        if (f.length > 0 && f.indexOf('\n') >= 0) line += f.split('\n').length - 1;
      }
    }
    if (!options.onRecord(row, startLine, problem)) stopped = true;
    else progress(startLine);
  };

  const parsePending = (atEnd: boolean, tail = ''): void => {
    const held = parseHeldLines(pending as string[], tail, atEnd, delimiter, lineEnd);
    if (held === null) {
      wanted *= 2;
      return;
    }
    for (let r = 0; r < held.count && !stopped; r++) emit(held.rows[r] as string[], held.problems.get(r) ?? null);
    pending = null;
    wanted = 1;
  };

  // `bytes[from, lf)` is one LF-ended piece that is not a plain line (or follows one), held for Papa Parse.
  const hold = (buf: Buffer, from: number, lf: number): void => {
    pending ??= [];
    pending.push(buf.toString('utf8', from, lf));
    const ended = !crlf || (lf > from && buf[lf - 1] === CR);
    if (ended && pending.length >= wanted) parsePending(false);
  };

  // `bytes[from, end)` is a plain line whose fields are in `fields`.
  const plain = (buf: Buffer, from: number, end: number): void => {
    const startLine = line;
    line += 1;
    let go = options.onPlainRecord(buf, fields, startLine);
    if (go === null) {
      const row = splitPlainLine(buf.toString('utf8', from, end), delimiter);
      if (row === null) throw new DeclinedError('a line scanned as plain did not split');
      go = options.onRecord(row, startLine, null);
    }
    if (!go) stopped = true;
    else progress(startLine);
  };

  const place = (n: number, from: number, to: number, doubled: number): void => {
    if (n < FIELDS_PLACED) {
      fields.start[n] = from;
      fields.end[n] = to;
      fields.doubled[n] = doubled;
    }
  };

  /**
   * Places the fields of the line `buf[from, end)` in `fields` by splitPlainLine's rule, where a quote is searched for
   * with indexOf (most bytes are inside quoted fields): false when the line is not plain.
   */
  const split = (buf: Buffer, from: number, end: number): boolean => {
    let n = 0;
    let p = from;
    for (;;) {
      if (p < end && buf[p] === QUOTE) {
        const s = p + 1;
        let close = buf.indexOf(QUOTE, s);
        let doubled = 0;
        if (close < 0 || close >= end) return false;
        while (close + 1 < end && buf[close + 1] === QUOTE) {
          doubled = 1;
          close = buf.indexOf(QUOTE, close + 2);
          if (close < 0 || close >= end) return false;
        }
        place(n, s, close, doubled);
        n += 1;
        if (close + 1 === end) break;
        if (buf[close + 1] !== delim) return false;
        p = close + 2;
      } else {
        const s = p;
        let c = -1;
        while (p < end && (c = buf[p] as number) !== delim && c !== QUOTE) p += 1;
        if (p < end && c === QUOTE) return false;
        place(n, s, p, 0);
        n += 1;
        if (p === end) break;
        p += 1;
      }
    }
    fields.count = n;
    return true;
  };

  // The lines of `buf[p, limit)`, where `limit - 1` is a LF.
  const takeLines = (buf: Buffer, p: number, limit: number): void => {
    while (p < limit && !stopped) {
      const from = p;
      const lf = buf.indexOf(LF, p);
      if (lf - from > maxLine) throw tooLong();
      p = lf + 1;
      // In a CRLF file a LF without its CR is no line end: the line goes to Papa Parse with the next.
      const ended = !crlf || (lf > from && buf[lf - 1] === CR);
      const end = crlf ? lf - 1 : lf;
      if (pending === null && ended && split(buf, from, end)) plain(buf, from, end);
      else hold(buf, from, lf);
    }
  };

  const checkUtf8 = (region: Buffer): void => {
    if (!isUtf8(region)) throw new DeclinedError('not valid UTF-8');
  };

  const keep = (region: Buffer): void => {
    if (region.length === 0) return;
    carry = carry === null ? Buffer.from(region) : Buffer.concat([carry, region]);
    if (carry.length > maxLine) throw tooLong();
  };

  // A block's lines; the line it ends in waits for the next block. Every region checked for UTF-8 starts and ends at a line end.
  const takeBlock = (chunk: Buffer, from: number): void => {
    const firstLf = chunk.indexOf(LF, from);
    if (firstLf < 0) return keep(chunk.subarray(from));
    if (carry !== null) {
      const joined = Buffer.concat([carry, chunk.subarray(from, firstLf + 1)]);
      carry = null;
      checkUtf8(joined);
      takeLines(joined, 0, joined.length);
      from = firstLf + 1;
      if (stopped) return;
    }
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf >= from) {
      const region = chunk.subarray(from, lastLf + 1);
      checkUtf8(region);
      takeLines(chunk, from, lastLf + 1);
      if (stopped) return;
    }
    keep(chunk.subarray(Math.max(from, lastLf + 1)));
  };

  // The file's identity from the blocks as they are read: the whole file's, or the segments that start in a part (file-identity.ts).
  const hash = options.range ? null : await fileIdentityHash();
  const segments = options.range && options.identitySegments ? await SegmentHasher.create(start) : null;
  const handle = await open(path, 'r');
  const blockA = Buffer.allocUnsafe(READ_BYTES);
  const blockB = Buffer.allocUnsafe(READ_BYTES);
  let at = start;
  // To the end of the file (however long it has grown), or to the end of the part; the next block is read while this one is scanned.
  const readBlock = (buffer: Buffer) =>
    toFileEnd || at < stop ? handle.read(buffer, 0, toFileEnd ? READ_BYTES : Math.min(READ_BYTES, stop - at), at) : null;
  let next = readBlock(blockA);
  try {
    while (next) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) break;
      at += bytesRead;
      next = readBlock(buffer === blockA ? blockB : blockA);
      const chunk = buffer.subarray(0, bytesRead);
      hash?.update(chunk);
      segments?.update(chunk);
      bytes += bytesRead;
      lastByte = chunk[bytesRead - 1] as number;
      const skip = Math.min(bomLeft, bytesRead);
      bomLeft -= skip;
      takeBlock(chunk, skip);
      if (stopped) break;
    }
  } finally {
    await next?.catch(() => undefined);
    await handle.close();
  }
  const endsWithNewline = lastByte === LF || lastByte === CR;
  if (!toFileEnd) {
    // A part that stops before the end of the file: what runs on past its last line end belongs to the next part.
    options.onProgress?.(line - 1, bytes);
    const cleanEnd = !stopped && pending === null && carry === null;
    // The part's last identity segment runs on past its end: the rest of that segment is read for the hash alone.
    if (segments && cleanEnd) await feedUntil(path, segments, segments.needsUntil(stop, fileSize));
    const identitySegments = segments && cleanEnd ? segments.finish() : undefined;
    return { encoding: 'utf-8', delimiter, fileHash: '', identitySegments, bytes, endsWithNewline: true, lastLine: line - 1, cleanEnd };
  }
  let rest = '';
  if (carry !== null && !stopped) {
    checkUtf8(carry);
    rest = (carry as Buffer).toString('utf8');
  }
  // The last line may have no line end; it is read all the same, as readDelimited reads it.
  if (!stopped && pending !== null) parsePending(true, rest);
  else if (!stopped && rest.length > 0) {
    const row = splitPlainLine(rest, delimiter);
    if (row !== null) emit(row, null);
    else {
      pending = [];
      parsePending(true, rest);
    }
  }
  options.onProgress?.(line - 1, bytes);
  return {
    encoding: 'utf-8',
    delimiter,
    fileHash: hash ? await hash.digest(bytes) : '',
    identitySegments: segments?.finish(),
    bytes,
    endsWithNewline,
    lastLine: line - 1,
    cleanEnd: true,
  };
}
