import { open, stat } from 'node:fs/promises';
import { createXXHash128, type IHasher } from 'hash-wasm';

/**
 * The identity of an export file: what "this file was imported before" is decided by (import-identity.ts).
 *
 * The file is cut into segments of IDENTITY_SEGMENT_BYTES at fixed offsets; each segment's XXH3-128 (hash-wasm) is taken, and
 * the identity is the XXH3-128 of those digests in order, with the file's length. Because the segments sit at fixed offsets,
 * threads that count a file in parts each hash the segments that start in their part while they read it, and the identity is
 * the one a single reader of the whole file gets. XXH3 takes about a quarter of SHA-256's time on this project's machines
 * (docs/benchmarks.md); the identity guards against a file imported twice by mistake, not against a forger: whoever can make
 * two files collide can upload both anyway. Imports made before it was used carry a SHA-256 (64 hex digits, no prefix):
 * such a file imported again is applied again, replacing the same days with the same counts (docs/imports.md).
 */
export const IDENTITY_SEGMENT_BYTES = 8 * 1024 * 1024;
export const IDENTITY_PREFIX = 'xxh128-8m:';
const DIGEST_BYTES = 16;

/**
 * Hashes the segments of a file that start at or after `from`, from bytes fed in file order. Bytes before the first such
 * segment are passed over (they belong to the segment a part before this one hashes). `needsUntil(end)` says how far past a
 * part's end the reader must feed to complete the last segment the part owns.
 */
export class SegmentHasher {
  private position: number;
  private readonly firstSegmentStart: number;
  private segmentStart = -1;
  private readonly done: Uint8Array[] = [];

  private constructor(
    private readonly hasher: IHasher,
    from: number,
  ) {
    this.position = from;
    this.firstSegmentStart = Math.ceil(from / IDENTITY_SEGMENT_BYTES) * IDENTITY_SEGMENT_BYTES;
  }

  static async create(from = 0): Promise<SegmentHasher> {
    return new SegmentHasher(await createXXHash128(), from);
  }

  /** The next bytes of the file, in order. */
  update(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      const position = this.position;
      if (position < this.firstSegmentStart) {
        const skip = Math.min(chunk.length - at, this.firstSegmentStart - position);
        at += skip;
        this.position += skip;
        continue;
      }
      if (this.segmentStart < 0) {
        this.segmentStart = position;
        this.hasher.init();
      }
      const take = Math.min(chunk.length - at, this.segmentStart + IDENTITY_SEGMENT_BYTES - position);
      this.hasher.update(at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take));
      at += take;
      this.position += take;
      if (this.position === this.segmentStart + IDENTITY_SEGMENT_BYTES) this.closeSegment();
    }
  }

  /** Where a reader of a part ending at `end` (of a file of `size` bytes) must have fed to, for this part's last segment to be whole. */
  needsUntil(end: number, size: number): number {
    const lastOwned = Math.floor((end - 1) / IDENTITY_SEGMENT_BYTES) * IDENTITY_SEGMENT_BYTES;
    if (end <= 0 || lastOwned < this.firstSegmentStart) return Math.min(end, size);
    return Math.min(lastOwned + IDENTITY_SEGMENT_BYTES, size);
  }

  /** Where the next byte fed is in the file. */
  get at(): number {
    return this.position;
  }

  /** The digests of the segments fed, in order, the last one closed however short (the end of the file or of what was fed). */
  finish(): Uint8Array {
    if (this.segmentStart >= 0) this.closeSegment();
    const all = new Uint8Array(this.done.length * DIGEST_BYTES);
    this.done.forEach((digest, k) => all.set(digest, k * DIGEST_BYTES));
    return all;
  }

  private closeSegment(): void {
    this.done.push(this.hasher.digest('binary'));
    this.segmentStart = -1;
  }
}

/** The identity of a file from its segments' digests (each part's `finish()`, in file order) and its length. */
export async function identityOf(digests: readonly Uint8Array[], bytes: number): Promise<string> {
  const hasher = await createXXHash128();
  hasher.init();
  for (const d of digests) hasher.update(d);
  hasher.update(String(bytes));
  return IDENTITY_PREFIX + hasher.digest('hex');
}

/** A reader's identity hash: feed it the file's bytes from the start, then `digest(bytes)`. */
export async function fileIdentityHash(): Promise<{ update(chunk: Uint8Array): void; digest(bytes: number): Promise<string> }> {
  const segments = await SegmentHasher.create(0);
  return {
    update: (chunk) => segments.update(chunk),
    digest: (bytes) => identityOf([segments.finish()], bytes),
  };
}

/** Feeds `hasher` the bytes of the file from where it is to `until` (a part's reader completing its last segment). */
export async function feedUntil(path: string, hasher: SegmentHasher, until: number): Promise<void> {
  if (hasher.at >= until) return;
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(1 << 20, until - hasher.at));
    while (hasher.at < until) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, until - hasher.at), hasher.at);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

/** The identity of the first `bytes` bytes of a file, read here (a file that changed while it was read, or a part that lost its digests). */
export async function identityOfFile(path: string, bytes?: number): Promise<string> {
  const segments = await SegmentHasher.create(0);
  await feedUntil(path, segments, bytes ?? (await stat(path)).size);
  return identityOf([segments.finish()], segments.at);
}
