import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import Papa from 'papaparse';
import { fileIdentityHash } from './file-identity';
import { badBytesMessage, claimOf, decoderFor, readAs, UNDEFINED_IN_1252, undefinedIn1252Message, type TextEncoding } from './encoding';

export type { TextEncoding } from './encoding';

/** A file that cannot be read as a delimited text export at all; the message names what is wrong. */
export class UnreadableFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

export interface Sniffed {
  encoding: TextEncoding;
  hasBom: boolean;
}

/** Decides how to decode a file from its first bytes, refusing what is plainly not a text export. */
export function sniffEncoding(head: Buffer, fileSize: number): Sniffed {
  if (fileSize === 0) throw new UnreadableFileError('the file is empty');
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', hasBom: true };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', hasBom: true };
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', hasBom: true };
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    throw new UnreadableFileError(
      'the file is a zip archive, not a CSV (Panopto reports and Excel workbooks are zipped): extract or save the CSV and import that',
    );
  }
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0)
    throw new UnreadableFileError('the file is an old Excel workbook, not a CSV: save it as CSV UTF-8 and import that');
  if (head.subarray(0, 4).toString('latin1') === '%PDF') throw new UnreadableFileError('the file is a PDF, not a CSV export');
  if (head.includes(0)) {
    throw new UnreadableFileError(
      'the file looks binary (it contains NUL bytes); if it is UTF-16 text it needs its byte-order mark, as Teams writes it',
    );
  }
  return { encoding: 'utf-8', hasBom: false };
}

export interface RecordSink {
  /** One record: its fields, the line it starts on, and a problem when the parser could not read it cleanly. False stops reading. */
  (fields: string[], line: number, problem: string | null): boolean;
}

export interface ReadResult {
  encoding: TextEncoding;
  delimiter: string;
  /** The file's identity (file-identity.ts); empty for a part. */
  fileHash: string;
  /** A part read from its bytes: the identity digests of the segments that start in it (SegmentHasher.finish). */
  identitySegments?: Uint8Array;
  bytes: number;
  /** False when the last line has no line end: a hint that the file was cut short. */
  endsWithNewline: boolean;
  lastLine: number;
  /** For a part (`range`) that stops before the end of the file: whether its last line end also ended a record. */
  cleanEnd: boolean;
}

export interface ReadOptions {
  /** A fixed delimiter, or 'auto': tab when the first line has more tabs than commas (Teams), else comma. */
  delimiter: ',' | '\t' | 'auto';
  onRecord: RecordSink;
  /** Called now and then with the lines read so far, for a progress bar. */
  onProgress?: (lines: number, bytes: number) => void;
  /** False sends every line through Papa Parse: the reference the fast path is tested against. */
  fastPath?: boolean;
  /**
   * Only the bytes from `start` to `end`, both just after a LF (a part of a large file, read by a worker
   * thread; see parse-parallel.ts). Lines are numbered from 1 within the part and the hash is left empty.
   */
  range?: { start: number; end: number };
  /** For a part read by the byte reader: hash the identity segments that start in it (ReadResult.identitySegments). */
  identitySegments?: boolean;
  /**
   * For a reader that runs before the line lengths are checked (the parts of a large file, whose bytes
   * are checked alongside): a line past this many characters stops the read with an error instead of
   * being held in memory to its end. Only the fast reader of UTF-8 LF and CRLF files takes it.
   */
  maxLineChars?: number;
  /**
   * How a file without a byte-order mark is decoded: UTF-8 (the default), or Windows-1252 when its bytes are known not to be
   * UTF-8 (assertLineLengths finds that on its pass over the file). A file with a byte-order mark is always read by it.
   */
  withoutBom?: 'utf-8' | 'windows-1252';
}

const HEAD_BYTES = 4096;
// The stream's block size: Papa Parse guesses the line end from the first block it is given.
const STREAM_CHUNK_BYTES = 1 << 16;

async function readHead(path: string): Promise<{ head: Buffer; size: number }> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new UnreadableFileError('this is not a regular file');
    const size = info.size;
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    return { head, size };
  } finally {
    await handle.close();
  }
}

/**
 * The first line of a UTF-8 file when it is a record that is not empty and splits plainly (splitPlainLine's rule, which the fast
 * readers hold to Papa Parse's): the header as readDelimited reads it, without starting a read of the whole file. Null when it is
 * not that simple (another encoding, an empty first line, a quoted field running past the line, a CR, a line past the first
 * block): then ask readDelimited.
 */
export async function readPlainHeader(path: string): Promise<string[] | null> {
  const { head, size } = await readHead(path);
  const sniffed = sniffEncoding(head, size);
  if (sniffed.encoding !== 'utf-8') return null;
  const from = sniffed.hasBom ? 3 : 0;
  const lf = head.indexOf(10, from);
  if (lf < 0) return null;
  const line = head.subarray(from, lf > from && head[lf - 1] === 13 ? lf - 1 : lf);
  if (line.length === 0 || line.includes(13) || !isUtf8(line)) return null;
  return splitPlainLine(line.toString('utf8'), chooseDelimiter(decoderFor('utf-8', false).decode(head), 'auto'));
}

function chooseDelimiter(head: string, wanted: ReadOptions['delimiter']): string {
  if (wanted !== 'auto') return wanted;
  // The first line alone is not enough: a Teams report starts with "1. Summary", which has neither.
  const lines = head.split(/\r?\n/).slice(0, 20).join('\n');
  const tabs = lines.split('\t').length - 1;
  const commas = lines.split(',').length - 1;
  return tabs > commas ? '\t' : ',';
}

/**
 * Streams a delimited text file record by record with bounded memory: bytes are hashed, decoded
 * (UTF-8 or UTF-16 by byte-order mark, strictly, so a wrong encoding is reported and not mangled)
 * and fed to Papa Parse in chunks. Records are handed over as they are parsed and then dropped.
 */
export async function readDelimited(path: string, options: ReadOptions): Promise<ReadResult> {
  const { head, size } = await readHead(path);
  const sniffed = readAs(sniffEncoding(head, size), options.withoutBom);
  const hash = await fileIdentityHash();
  let bytes = 0;
  let decodeError: Promise<string> | null = null;
  let lastChar = '';

  const decoder = decoderFor(sniffed.encoding, true);
  const track = (text: string): string => {
    if (text.length > 0) {
      lastChar = text[text.length - 1] ?? lastChar;
    }
    return text;
  };
  const decode = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      if (decodeError) return callback(null, undefined);
      try {
        const text = decoder.decode(chunk, { stream: true });
        const undefinedAt = sniffed.encoding === 'windows-1252' ? text.search(UNDEFINED_IN_1252) : -1;
        if (undefinedAt >= 0) {
          decodeError = undefinedIn1252Message(path, bytes + undefinedAt);
          return callback(null, undefined);
        }
        bytes += chunk.length;
        callback(null, track(text).length > 0 ? text : undefined);
      } catch {
        decodeError = badBytesMessage(path, sniffed.encoding, claimOf(sniffed, options.withoutBom), true);
        callback(null, undefined);
      }
    },
    flush(callback) {
      if (decodeError) return callback(null, undefined);
      try {
        const rest = track(decoder.decode());
        callback(null, rest.length > 0 ? rest : undefined);
      } catch {
        decodeError = badBytesMessage(path, sniffed.encoding, claimOf(sniffed, options.withoutBom), true);
        callback(null, undefined);
      }
    },
  });

  const firstChunk = await peekText(path, sniffed, HEAD_BYTES);
  const delimiter = chooseDelimiter(firstChunk, options.delimiter);
  if (options.fastPath !== false && (sniffed.encoding === 'utf-8' || sniffed.encoding === 'windows-1252')) {
    const lineEnd = guessLineEnd(await peekText(path, sniffed, STREAM_CHUNK_BYTES));
    if (lineEnd !== '\r') return readLines(path, sniffed, size, delimiter, lineEnd, options);
  }
  if (options.range || options.maxLineChars !== undefined)
    throw new Error('only UTF-8 files with LF or CRLF line ends are read in parts or before their line lengths are checked');
  let line = 1;
  let nextProgress = 50_000;
  const stream = createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES }).pipe(decode);

  await new Promise<void>((resolve, reject) => {
    Papa.parse<string[]>(stream as unknown as NodeJS.ReadableStream, {
      delimiter,
      quoteChar: '"',
      skipEmptyLines: false,
      step: (result, parser) => {
        const fields = result.data;
        const problem = result.errors.length > 0 ? (result.errors[0]?.message ?? 'unreadable') : null;
        const startLine = line;
        line += 1;
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i] as string;
          if (f.length > 0 && f.indexOf('\n') >= 0) line += f.split('\n').length - 1;
        }
        if (!options.onRecord(fields, startLine, problem)) {
          parser.abort();
          stream.destroy();
          return;
        }
        if (options.onProgress && startLine >= nextProgress) {
          nextProgress = startLine + 50_000;
          options.onProgress(startLine, bytes);
        }
      },
      complete: () => resolve(),
      error: (error: Error) => reject(error),
    });
    stream.on('error', reject);
  });
  if (decodeError) throw new UnreadableFileError(await decodeError);
  options.onProgress?.(line - 1, bytes);
  return {
    encoding: sniffed.encoding,
    delimiter,
    fileHash: await hash.digest(bytes),
    bytes,
    endsWithNewline: lastChar === '\n' || lastChar === '\r',
    lastLine: line - 1,
    cleanEnd: true,
  };
}

/** How readDelimited would read a file: its encoding, delimiter and (UTF-8 only) the line end Papa Parse would settle on. */
export async function planRead(
  path: string,
  wanted: ReadOptions['delimiter'],
): Promise<{ size: number; sniffed: Sniffed; delimiter: string; lineEnd: '\n' | '\r\n' | '\r' | null }> {
  const { head, size } = await readHead(path);
  const sniffed = sniffEncoding(head, size);
  const delimiter = chooseDelimiter(await peekText(path, sniffed, HEAD_BYTES), wanted);
  const lineEnd = sniffed.encoding === 'utf-8' ? guessLineEnd(await peekText(path, sniffed, STREAM_CHUNK_BYTES)) : null;
  return { size, sniffed, delimiter, lineEnd };
}

async function peekText(path: string, sniffed: Sniffed, length: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    // A lenient decode is enough to find the delimiter and line end; the strict decode of the whole file reports bad bytes.
    return decoderFor(sniffed.encoding, false).decode(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * The line end Papa Parse settles on for a stream, by its own rule applied to the same first block:
 * quoted text left out, LF when there is no CR or an LF comes first, else CRLF when at least half the
 * CRs are followed by LF, else CR. The fast path reads LF and CRLF files; CR-only files go to Papa.
 */
export function guessLineEnd(firstBlock: string): '\n' | '\r\n' | '\r' {
  const text = firstBlock.slice(0, 1024 * 1024).replace(/"[^]*?"/gm, '');
  const r = text.split('\r');
  const n = text.split('\n');
  if (r.length === 1 || (n.length > 1 && (n[0] as string).length < (r[0] as string).length)) return '\n';
  let withN = 0;
  for (const piece of r) if (piece[0] === '\n') withN += 1;
  return withN >= r.length / 2 ? '\r\n' : '\r';
}

const QUOTE = 34;

/**
 * Splits one line whose every field is either unquoted without any quote, or quoted with any quote
 * inside doubled (PHP's fputcsv, Excel and the RFC all write that): the shape of nearly every export
 * line. Anything else (a stray quote, text after a closing quote, an unclosed quote) gives null, and
 * the caller hands the line to Papa Parse.
 */
export function splitPlainLine(text: string, delimiter: string, from = 0, to = text.length): string[] | null {
  const fields: string[] = [];
  const delimiterCode = delimiter.charCodeAt(0);
  // The line is text[from, to): searches that run past `to` found nothing in it.
  const end = to;
  let at = from;
  let nextQuote = text.indexOf('"', at);
  if (nextQuote >= end) nextQuote = -1;
  for (;;) {
    if (at < end && text.charCodeAt(at) === QUOTE) {
      let close = text.indexOf('"', at + 1);
      if (close < 0 || close >= end) return null;
      // Built only when the field holds a doubled quote, which stands for one quote.
      let unescaped: string | null = null;
      let start = at + 1;
      while (close + 1 < end && text.charCodeAt(close + 1) === QUOTE) {
        unescaped = (unescaped ?? '') + text.slice(start, close + 1);
        start = close + 2;
        close = text.indexOf('"', start);
        if (close < 0 || close >= end) return null;
      }
      fields.push(unescaped === null ? text.slice(start, close) : unescaped + text.slice(start, close));
      if (close + 1 === end) return fields;
      if (text.charCodeAt(close + 1) !== delimiterCode) return null;
      at = close + 2;
      nextQuote = text.indexOf('"', at);
      if (nextQuote >= end) nextQuote = -1;
    } else {
      let next = text.indexOf(delimiter, at);
      if (next >= end) next = -1;
      const stop = next < 0 ? end : next;
      if (nextQuote >= 0 && nextQuote < stop) return null;
      fields.push(text.slice(at, stop));
      if (next < 0) return fields;
      at = next + 1;
    }
  }
}

/**
 * Lines a fast reader could not split, given to Papa Parse together (with `tail`, the last line without
 * its line end, at the end of the file): the records with their problems, or null when the last record
 * is still inside a quoted field and more lines are wanted.
 */
export function parseHeldLines(
  lines: readonly string[],
  tail: string,
  atEnd: boolean,
  delimiter: string,
  lineEnd: '\n' | '\r\n',
): { rows: string[][]; problems: Map<number, string>; count: number } | null {
  const block = lines.length > 0 ? `${lines.join('\n')}\n${tail}` : tail;
  const result = Papa.parse<string[]>(block, { delimiter, quoteChar: '"', newline: lineEnd, skipEmptyLines: false });
  const rows = result.data;
  const lastRow = rows.length - 1;
  if (!atEnd && result.errors.some((e) => e.code === 'MissingQuotes' && e.row === lastRow)) return null;
  const problems = new Map<number, string>();
  for (const e of result.errors) if (e.row !== undefined && !problems.has(e.row)) problems.set(e.row, e.message);
  // A block that ends in a line end makes Papa add one empty record after it; the streaming parse never gives that one.
  const count =
    tail === '' && lastRow >= 0 && rows[lastRow]?.length === 1 && rows[lastRow]?.[0] === '' && !problems.has(lastRow)
      ? lastRow
      : rows.length;
  return { rows, problems, count };
}

// 64 KiB, as the stream reader uses: a decoded block then stays a young-generation string, so memory stays flat.
const READ_BYTES = 1 << 16;

/**
 * The fast reader for UTF-8 files with LF or CRLF line ends: reads large blocks, hashes and strictly
 * decodes them, and splits each line with `splitPlainLine`. A line it cannot split goes to Papa Parse
 * with the lines after it until Papa ends on a record boundary (a quoted field may run over several
 * lines; in a CRLF file a bare LF is not a line end at all), so every record, problem and line number
 * is the one Papa Parse alone would give.
 */
async function readLines(
  path: string,
  sniffed: Sniffed,
  fileSize: number,
  delimiter: string,
  lineEnd: '\n' | '\r\n',
  options: ReadOptions,
): Promise<ReadResult> {
  const crlf = lineEnd === '\r\n';
  const start = options.range?.start ?? 0;
  const stop = Math.min(options.range?.end ?? fileSize, fileSize);
  const toFileEnd = stop >= fileSize;
  const hash = await fileIdentityHash();
  const decoder = decoderFor(sniffed.encoding, true);
  // Two blocks: the next one is read while this one is parsed, so the parse never waits on the disk thread.
  const blockA = Buffer.allocUnsafe(READ_BYTES);
  const blockB = Buffer.allocUnsafe(READ_BYTES);
  let bytes = 0;
  let lastChar = '';
  let line = 1;
  let stopped = false;
  let nextProgress = 50_000;
  let carry = '';
  // Lines waiting for Papa Parse, and how many to gather before trying again (doubling, so an unclosed quote costs n log n, not n squared).
  let pending: string[] | null = null;
  let wanted = 1;

  const emit = (fields: string[], problem: string | null): void => {
    const startLine = line;
    line += 1;
    if (problem !== null || pending !== null) {
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i] as string;
        if (f.length > 0 && f.indexOf('\n') >= 0) line += f.split('\n').length - 1;
      }
    }
    if (!options.onRecord(fields, startLine, problem)) {
      stopped = true;
      return;
    }
    if (options.onProgress && startLine >= nextProgress) {
      nextProgress = startLine + 50_000;
      options.onProgress(startLine, bytes);
    }
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

  // `all[from, to)` is one LF-ended piece without its LF; in a CRLF file it ends in CR when the LF was a line end.
  // The plain line is split where it lies, without a copy of it.
  const takeLine = (all: string, from: number, to: number): void => {
    const ended = !crlf || (to > from && all.charCodeAt(to - 1) === 13);
    if (pending === null && ended) {
      const fields = splitPlainLine(all, delimiter, from, crlf ? to - 1 : to);
      if (fields !== null) return emit(fields, null);
    }
    pending ??= [];
    pending.push(all.slice(from, to));
    if (ended && pending.length >= wanted) parsePending(false);
  };

  const takeText = (text: string): void => {
    if (text.length === 0) return;
    lastChar = text[text.length - 1] as string;
    const all = carry.length > 0 ? carry + text : text;
    let start = 0;
    for (let newline = all.indexOf('\n'); newline >= 0 && !stopped; newline = all.indexOf('\n', start)) {
      takeLine(all, start, newline);
      start = newline + 1;
    }
    carry = all.slice(start);
    if (options.maxLineChars !== undefined && carry.length > options.maxLineChars)
      throw new UnreadableFileError(`a line near line ${line} is longer than ${options.maxLineChars} characters`);
  };

  const handle = await open(path, 'r');
  // To the end of the file (however long it has grown), or to the end of the part.
  let at = start;
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
      if (!options.range) hash.update(chunk);
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new UnreadableFileError(await badBytesMessage(path, sniffed.encoding, claimOf(sniffed, options.withoutBom), !options.range));
      }
      // Windows-1252 is one byte a character: where the text has a character, the block has its byte.
      const undefinedAt = sniffed.encoding === 'windows-1252' ? text.search(UNDEFINED_IN_1252) : -1;
      if (undefinedAt >= 0) throw new UnreadableFileError(await undefinedIn1252Message(path, start + bytes + undefinedAt));
      bytes += bytesRead;
      takeText(text);
      if (stopped) break;
    }
  } finally {
    await next?.catch(() => undefined);
    await handle.close();
  }
  if (!stopped) {
    try {
      takeText(decoder.decode());
    } catch {
      throw new UnreadableFileError(await badBytesMessage(path, sniffed.encoding, claimOf(sniffed, options.withoutBom), !options.range));
    }
  }
  if (!toFileEnd) {
    // A part that stops before the end of the file: what runs on past its last line end belongs to the next part.
    options.onProgress?.(line - 1, bytes);
    const cleanEnd = !stopped && pending === null && carry === '';
    return { encoding: sniffed.encoding, delimiter, fileHash: '', bytes, endsWithNewline: true, lastLine: line - 1, cleanEnd };
  }
  // The last line may have no line end; it is read all the same.
  const rest = carry;
  if (!stopped && pending !== null) parsePending(true, rest);
  else if (!stopped && rest.length > 0) {
    // In a CRLF file a last line ending in a bare CR keeps it: Papa would read the CR as text.
    const fields = splitPlainLine(rest, delimiter);
    if (fields !== null) emit(fields, null);
    else {
      pending = [];
      parsePending(true, rest);
    }
  }
  options.onProgress?.(line - 1, bytes);
  return {
    encoding: sniffed.encoding,
    delimiter,
    fileHash: options.range ? '' : await hash.digest(bytes),
    bytes,
    endsWithNewline: lastChar === '\n' || lastChar === '\r',
    lastLine: line - 1,
    cleanEnd: true,
  };
}
