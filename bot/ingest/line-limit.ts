import { open } from 'node:fs/promises';
import { createUtf8Scan } from './encoding';
import { UnreadableFileError } from './read-delimited';

/** The default longest line (UPLOAD_MAX_LINE_BYTES): real export lines are a few hundred bytes, a roster's a few KB. */
export const DEFAULT_MAX_LINE_BYTES = 1_048_576;

const SCAN_BYTES = 1 << 16;
const LF = 0x0a;
const CR = 0x0d;

const tooLong = (line: number, maxLineBytes: number) =>
  new UnreadableFileError(
    `line ${line} is longer than ${Math.round(maxLineBytes / 1024)} KB, the most a line may be (UPLOAD_MAX_LINE_BYTES); this does not look like an export, or it has lost its line breaks`,
  );

/**
 * A check fed a file's bytes block by block, in order: it throws, naming the line, as soon as a line
 * runs past `maxLineBytes`. It keeps only counts. A CR, a LF and a CR LF each end a line.
 */
export function createLineLengthCheck(maxLineBytes: number): (block: Buffer) => void {
  let line = 1;
  let length = 0;
  let afterCr = false;
  return (block) => {
    const size = block.length;
    const find = (byte: number, from: number) => {
      const at = block.indexOf(byte, from);
      return at < 0 ? size : at;
    };
    let nextLf = -1;
    let nextCr = -1;
    for (let i = 0; i < size;) {
      if (nextLf < i) nextLf = find(LF, i);
      if (nextCr < i) nextCr = find(CR, i);
      const end = Math.min(nextLf, nextCr);
      if (end > i) {
        afterCr = false;
        length += end - i;
        if (length > maxLineBytes) throw tooLong(line, maxLineBytes);
      }
      if (end === size) break;
      // CR LF ends one line, not two.
      if (!(block[end] === LF && afterCr)) line += 1;
      afterCr = block[end] === CR;
      length = 0;
      i = end + 1;
    }
  };
}

/**
 * Refuses a file with a line longer than `maxLineBytes`, naming the line, before any parser sees it:
 * both readers (the fast line splitter and Papa Parse) keep a line in memory until it ends, so a file
 * without line breaks would otherwise be held whole. The scan reads fixed blocks and keeps only counts.
 * On the same pass it checks the bytes are UTF-8: the answer is the offset of the first byte that is
 * not, or -1 (readDelimited then reads a file without byte-order mark as Windows-1252, `withoutBom`).
 */
export async function assertLineLengths(path: string, maxLineBytes: number): Promise<{ notUtf8At: number }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(SCAN_BYTES);
    const check = createLineLengthCheck(maxLineBytes);
    const utf8 = createUtf8Scan();
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, SCAN_BYTES, null);
      if (bytesRead === 0) return { notUtf8At: utf8.end() };
      check(buffer.subarray(0, bytesRead));
      utf8.feed(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}
