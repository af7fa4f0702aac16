import { isAscii, isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';

/** The encodings an export is read in: UTF-8 or UTF-16 by byte-order mark, UTF-8 without one, else Windows-1252. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** The note an import carries when its file was read as Windows-1252. */
export const WINDOWS_1252_NOTE = `read as Windows-1252 (Excel's "CSV (Comma delimited)"): the file is not UTF-8`;

// Windows-1252's characters for the bytes 0x80 to 0x9F (WHATWG's index); the other bytes are the code points of their values.
const HIGH_1252 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** Windows-1252 text: one character a byte, so nothing is ever held between blocks. */
export function decodeWindows1252(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  return /[\x80-\x9f]/.test(text) ? text.replace(/[\x80-\x9f]/g, (c) => HIGH_1252[c.charCodeAt(0) - 0x80] as string) : text;
}

/**
 * A decoder for `encoding` with TextDecoder's `decode`. Windows-1252 is decoded here: Node 20.18.3 and later decode it as
 * Latin-1 when not streaming (0x92 gives U+0092, not U+2019; nodejs/node#56542, #60888), and correctly only when streaming.
 */
export function decoderFor(encoding: TextEncoding, fatal: boolean): { decode(input?: Uint8Array, options?: { stream?: boolean }): string } {
  if (encoding === 'windows-1252') return { decode: (input) => (input ? decodeWindows1252(input) : '') };
  return new TextDecoder(encoding, { fatal });
}

/** The bytes Windows-1252 leaves undefined (TextDecoder gives them as C1 controls): a file holding one is in some other encoding. */
export const UNDEFINED_IN_1252 = /[\u0081\u008d\u008f\u0090\u009d]/;

/**
 * The offset in `bytes` of the first byte that starts no valid UTF-8 character (WHATWG's rules, as TextDecoder
 * and isUtf8 apply them), or -1 when all of it is UTF-8. A character cut short by the end counts as invalid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < lo || c > hi) return i;
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return -1;
}

/** How many characters of two to four bytes in `bytes` are valid UTF-8, and how many bytes start none. */
function countUtf8(bytes: Uint8Array): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length;) {
    const at = firstInvalidUtf8(bytes.subarray(i));
    const upTo = at < 0 ? bytes.length : i + at;
    // Lead bytes: each starts one valid character of two bytes or more.
    for (let k = i; k < upTo; k++) if (((bytes[k] as number) & 0xc0) === 0xc0) valid += 1;
    if (at < 0) break;
    invalid += 1;
    i = upTo + 1;
  }
  return { valid, invalid };
}

/**
 * How to read a file without byte-order mark whose first byte that is not UTF-8 is at `notUtf8At` (-1: none, see
 * assertLineLengths): as UTF-8 when it is all UTF-8, or when it is UTF-8 with a few stray bytes (it has at least as many
 * valid characters of two bytes or more as bytes that are not UTF-8: then it is refused, naming the first), else as
 * Windows-1252, where nearly every letter with an accent, followed by an ASCII character, is not UTF-8. Only a file that
 * is not UTF-8 is read again for this.
 */
export async function chooseWithoutBom(path: string, notUtf8At: number): Promise<'utf-8' | 'windows-1252'> {
  if (notUtf8At < 0) return 'utf-8';
  const handle = await open(path, 'r');
  let valid = 0;
  let invalid = 0;
  try {
    const buffer = Buffer.allocUnsafe(SCAN_BYTES);
    for (let at = 0; ;) {
      const { bytesRead } = await handle.read(buffer, 0, SCAN_BYTES, at);
      if (bytesRead === 0) break;
      // A whole block: a character cut at its end counts as one bad byte here, and its rest as others; that is near enough.
      const block = buffer.subarray(0, bytesRead);
      at += bytesRead;
      if (isAscii(block)) continue;
      const counted = countUtf8(block);
      valid += counted.valid;
      invalid += counted.invalid;
    }
  } finally {
    await handle.close();
  }
  return valid > 0 && valid >= invalid ? 'utf-8' : 'windows-1252';
}

/** The offset of the first lone surrogate (or odd last byte) in UTF-16 `bytes`, or -1. */
function firstInvalidUtf16(bytes: Uint8Array, littleEndian: boolean): number {
  const unit = (i: number) =>
    littleEndian ? (bytes[i] as number) | ((bytes[i + 1] as number) << 8) : ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    const u = unit(i);
    if (u >= 0xdc00 && u <= 0xdfff) return i;
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 3 >= bytes.length) return i;
      const next = unit(i + 2);
      if (next < 0xdc00 || next > 0xdfff) return i;
      i += 2;
    }
  }
  return i < bytes.length ? i : -1;
}

/**
 * A check fed a file's bytes block by block, in order: `end()` gives the offset of the first byte that is
 * not UTF-8, or -1. Each block is checked with isUtf8 (fast); a character split between blocks waits for the next.
 * `feed` says whether a byte that is not UTF-8 has been found.
 */
export function createUtf8Scan(): { feed(block: Buffer): boolean; end(): number } {
  let consumed = 0;
  let carry: Buffer | null = null;
  let bad = -1;
  return {
    feed(block) {
      if (bad >= 0 || block.length === 0) return bad >= 0;
      const data = carry === null ? block : Buffer.concat([carry, block]);
      const base = consumed - (carry?.length ?? 0);
      const n = data.length;
      // Cut before a character the block ends inside: a lead byte in the last three whose sequence runs past the end.
      let cut = n;
      for (let k = 1; k <= Math.min(4, n); k++) {
        const b = data[n - k] as number;
        if (b < 0x80) break;
        if ((b & 0xc0) === 0xc0) {
          const needs = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
          if (k < needs) cut = n - k;
          break;
        }
      }
      const whole = data.subarray(0, cut);
      if (!isUtf8(whole)) bad = base + Math.max(0, firstInvalidUtf8(whole));
      carry = cut < n ? Buffer.from(data.subarray(cut)) : null;
      consumed += block.length;
      return bad >= 0;
    },
    end() {
      if (bad < 0 && carry !== null) bad = consumed - carry.length;
      return bad;
    },
  };
}

const SCAN_BYTES = 1 << 20;

/** The offset of the first byte of the file that is not valid in `encoding` (UTF-8 or UTF-16), or -1. */
export async function findInvalidByte(path: string, encoding: TextEncoding): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (encoding === 'utf-8') {
      const scan = createUtf8Scan();
      const buffer = Buffer.allocUnsafe(SCAN_BYTES);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, SCAN_BYTES, null);
        if (bytesRead === 0 || scan.feed(buffer.subarray(0, bytesRead))) return scan.end();
      }
    }
    if (encoding === 'windows-1252') return -1;
    // UTF-16 exports (Teams) are small: read whole.
    const bytes = Buffer.alloc(size);
    await handle.read(bytes, 0, size, 0);
    return firstInvalidUtf16(bytes, encoding === 'utf-16le');
  } finally {
    await handle.close();
  }
}

const CONTEXT_BYTES = 240;

/**
 * Where a byte of the file is, for a person with the file open in an editor: its line (a CR, a LF and a CR LF
 * each end one), the byte, and the text of that line around it decoded leniently (a byte that is not valid
 * shows as U+FFFD, and so does a C1 control), e.g. { line: 2, byte: 'byte 0xFA', excerpt: '"S1000002,N\uFFFDez"' }.
 */
export async function describeByteAt(
  path: string,
  offset: number,
  encoding: TextEncoding,
): Promise<{ line: number; byte: string; excerpt: string }> {
  const handle = await open(path, 'r');
  try {
    const wide = encoding === 'utf-16le' || encoding === 'utf-16be';
    let line = 1;
    let afterCr = false;
    const buffer = Buffer.allocUnsafe(SCAN_BYTES);
    const decoder = decoderFor(encoding, false);
    for (let at = 0; at < offset;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(SCAN_BYTES, offset - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
      // LF and CR bytes are never inside a UTF-8 or Windows-1252 character; UTF-16 is decoded to find its line ends.
      const text = wide ? decoder.decode(buffer.subarray(0, bytesRead), { stream: true }) : buffer.toString('latin1', 0, bytesRead);
      const ends = /[\r\n]/g;
      for (let m = ends.exec(text); m !== null; m = ends.exec(text)) {
        const i = m.index;
        const crBefore = i === 0 ? afterCr : text.charCodeAt(i - 1) === 13;
        if (!(text.charCodeAt(i) === 10 && crBefore)) line += 1;
      }
      if (text.length > 0) afterCr = text.charCodeAt(text.length - 1) === 13;
    }
    let from = Math.max(0, offset - CONTEXT_BYTES);
    if (wide && from % 2 === 1) from -= 1;
    const around = Buffer.alloc(CONTEXT_BYTES * 2);
    const { bytesRead } = await handle.read(around, 0, around.length, from);
    const before = decoderFor(encoding, false).decode(around.subarray(0, offset - from));
    const after = decoderFor(encoding, false).decode(around.subarray(offset - from, bytesRead));
    const head = (before.split(/[\r\n]/).pop() ?? '').slice(-30).replace(/^\uFFFD+/, '');
    const tail = (after.split(/[\r\n]/)[0] ?? '').slice(0, 30);
    const value = around[offset - from];
    const byte = value === undefined ? 'the end of the file' : `byte 0x${value.toString(16).toUpperCase().padStart(2, '0')}`;
    return { line, byte, excerpt: `"${(head + tail).replace(/[\u0080-\u009f]/g, '\uFFFD')}"` };
  } finally {
    await handle.close();
  }
}

/** The encoding a file is read in: its byte-order mark's, else as `withoutBom` says (UTF-8 by default). */
export function readAs<S extends { encoding: TextEncoding; hasBom: boolean }>(sniffed: S, withoutBom?: 'utf-8' | 'windows-1252'): S {
  return !sniffed.hasBom && withoutBom === 'windows-1252' ? { ...sniffed, encoding: 'windows-1252' } : sniffed;
}

/** Why a file was read in the encoding it turned out not to be in (see badBytesMessage). */
export const claimOf = (sniffed: { hasBom: boolean }, withoutBom?: 'utf-8' | 'windows-1252'): 'bom' | 'mostly-utf-8' | null =>
  sniffed.hasBom ? 'bom' : withoutBom === 'utf-8' ? 'mostly-utf-8' : null;

const NAMES: Record<TextEncoding, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
  'windows-1252': 'Windows-1252',
};

/**
 * Why a file was refused for its bytes, naming the first bad one (found from the start of the file): `claimed` says why
 * it was read in this encoding: its byte-order mark, or chooseWithoutBom found it UTF-8 but for a few bytes. A part of a
 * file (`wholeFile` false) is only said to be unreadable.
 */
export async function badBytesMessage(
  path: string,
  encoding: TextEncoding,
  claimed: 'bom' | 'mostly-utf-8' | null,
  wholeFile: boolean,
): Promise<string> {
  const name = NAMES[encoding];
  if (!wholeFile) return `the part is not valid ${name}`;
  const offset = await findInvalidByte(path, encoding);
  const claim =
    claimed === 'bom'
      ? `, although it starts with the ${name} byte-order mark`
      : claimed === 'mostly-utf-8'
        ? ' (nor is it Windows-1252: its other characters beyond ASCII are UTF-8)'
        : '';
  let where = '';
  if (offset >= 0) {
    const at = await describeByteAt(path, offset, encoding);
    where = `: line ${at.line} has ${at.byte}, which is not ${name}, in ${at.excerpt}`;
  }
  return `the file is not valid ${name}${claim}${where}; save the export as "CSV UTF-8" and import it again`;
}

/** Why a file read as Windows-1252 was refused: it holds a byte that Windows-1252 leaves undefined, at `offset`. */
export async function undefinedIn1252Message(path: string, offset: number): Promise<string> {
  const at = await describeByteAt(path, offset, 'windows-1252');
  return `the file is neither UTF-8 nor Windows-1252 (Excel's "CSV (Comma delimited)"): line ${at.line} has ${at.byte}, which Windows-1252 does not define, in ${at.excerpt}; the file is in some other encoding: save the export as "CSV UTF-8" and import it again`;
}

/** The note for an import read as Windows-1252, naming where its first character that is not UTF-8 is (`offset`, from the line-length check). */
export async function windows1252Note(path: string, offset: number): Promise<string> {
  if (offset < 0) return WINDOWS_1252_NOTE;
  const at = await describeByteAt(path, offset, 'windows-1252');
  return `${WINDOWS_1252_NOTE} (the first character that is not is on line ${at.line}, in ${at.excerpt})`;
}
