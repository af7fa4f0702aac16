import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import Papa from 'papaparse';

/** A file that cannot be read as a delimited text export at all; the message names what is wrong. */
export class UnreadableFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

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
    throw new UnreadableFileError('the file is a zip archive, not a CSV (Panopto reports and Excel workbooks are zipped): extract or save the CSV and import that');
  }
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) throw new UnreadableFileError('the file is an old Excel workbook, not a CSV: save it as CSV UTF-8 and import that');
  if (head.subarray(0, 4).toString('latin1') === '%PDF') throw new UnreadableFileError('the file is a PDF, not a CSV export');
  if (head.includes(0)) {
    throw new UnreadableFileError('the file looks binary (it contains NUL bytes); if it is UTF-16 text it needs its byte-order mark, as Teams writes it');
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
  fileHash: string;
  bytes: number;
  /** False when the last line has no line end: a hint that the file was cut short. */
  endsWithNewline: boolean;
  lastLine: number;
}

export interface ReadOptions {
  /** A fixed delimiter, or 'auto': tab when the first line has more tabs than commas (Teams), else comma. */
  delimiter: ',' | '\t' | 'auto';
  onRecord: RecordSink;
  /** Called now and then with the lines read so far, for a progress bar. */
  onProgress?: (lines: number, bytes: number) => void;
}

const HEAD_BYTES = 4096;

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
  const sniffed = sniffEncoding(head, size);
  const hash = createHash('sha256');
  let bytes = 0;
  let decodeError: UnreadableFileError | null = null;
  let lastChar = '';

  const decoder = new TextDecoder(sniffed.encoding, { fatal: true });
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
        const text = track(decoder.decode(chunk, { stream: true }));
        bytes += chunk.length;
        callback(null, text.length > 0 ? text : undefined);
      } catch {
        decodeError = new UnreadableFileError(
          `the file is not valid ${sniffed.encoding.toUpperCase()} (the bad bytes are near byte ${bytes}); save the export as "CSV UTF-8" and import it again`,
        );
        callback(null, undefined);
      }
    },
    flush(callback) {
      try {
        const rest = track(decoder.decode());
        callback(null, rest.length > 0 ? rest : undefined);
      } catch {
        decodeError = new UnreadableFileError(`the file is not valid ${sniffed.encoding.toUpperCase()}: it ends in the middle of a character`);
        callback(null, undefined);
      }
    },
  });

  const firstChunk = await peekText(path, sniffed);
  const delimiter = chooseDelimiter(firstChunk, options.delimiter);
  let line = 1;
  let nextProgress = 50_000;
  const stream = createReadStream(path, { highWaterMark: 1 << 16 }).pipe(decode);

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
  if (decodeError) throw decodeError;
  options.onProgress?.(line - 1, bytes);
  return { encoding: sniffed.encoding, delimiter, fileHash: hash.digest('hex'), bytes, endsWithNewline: lastChar === '\n' || lastChar === '\r', lastLine: line - 1 };
}

async function peekText(path: string, sniffed: Sniffed): Promise<string> {
  const { head } = await readHead(path);
  // A lenient decode is enough to find the delimiter; the strict decode of the whole file reports bad bytes.
  return new TextDecoder(sniffed.encoding).decode(head);
}
