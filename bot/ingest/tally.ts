import type { IsoDay, Source } from '../../shared/domain';

/** The identity systems an export can name a student by; keys in the identities table use these. */
export type IdentitySystem = 'moodle' | 'moodle_username' | 'panopto' | 'email' | 'entra' | 'samis';

const SEP = '\u001f';
const CANDIDATE_SEP = '\u001e';
const MAX_REJECTIONS_KEPT = 200;

/** One or more `system:key` candidates, tried in order, joined into one string (cheap to use as a map key). */
export function identityKey(...candidates: Array<[IdentitySystem, string] | null>): string {
  const keys = candidates
    .filter((c): c is [IdentitySystem, string] => c !== null && c[1] !== '')
    .map(([system, key]) => `${system}:${key}`);
  return [...new Set(keys)].join(CANDIDATE_SEP);
}

export function splitIdentityKey(key: string): Array<{ system: IdentitySystem; key: string }> {
  return key.split(CANDIDATE_SEP).map((c) => {
    const i = c.indexOf(':');
    return { system: c.slice(0, i) as IdentitySystem, key: c.slice(i + 1) };
  });
}

/** The key of one (identity, day, source) in `Tally.counts`. */
export const countKey = (identity: string, day: IsoDay, source: Source): string => identity + SEP + day + SEP + source;

/** One count as resolving and writing read it. */
export interface CountEntry {
  identity: string;
  day: IsoDay;
  source: Source;
  count: number;
}

/**
 * Counts a format keeps without a string key each (the Moodle site log's, under numbers) until they are read: the keys
 * made only when asked for. A block's (identity, day, source) never appear in the tally's `counts`; two blocks may hold the
 * same one (two parts of a file counted on a day both saw), and every reader sums them (`allCounts`, resolving). The blocks'
 * sizes add up to the keys they hold between them, each once.
 */
export interface CountBlock {
  readonly size: number;
  entries(): Iterable<CountEntry>;
  /** The same as `entries`, without an object for each. */
  forEach(fn: (identity: string, day: IsoDay, source: Source, count: number) => void): void;
  /** Whether any count is of `source`. */
  has(source: Source): boolean;
}

export interface Rejection {
  line: number;
  reason: string;
}

/**
 * What one file amounts to, built row by row: counts per (identity, day, source), row figures, the
 * days seen and the rejected lines. Rows themselves are never kept.
 */
export class Tally {
  rowsRead = 0;
  rowsCounted = 0;
  rowsIgnored = 0;
  rowsRejected = 0;
  firstDay: IsoDay | null = null;
  lastDay: IsoDay | null = null;
  readonly rejections: Rejection[] = [];
  readonly warnings: string[] = [];
  /** `identity \x1f day \x1f source` -> occurrences. */
  readonly counts = new Map<string, number>();
  /** Sources this file turned out to hold complete data for (a format may withdraw one, see Moodle logins). */
  readonly sources: Set<Source>;
  /**
   * Occurrences a format counts at most once (a Moodle submission: student, course module and day),
   * each as its count key, SEP, and what makes it once-only: a file counted in parts takes out the
   * ones a part before it already counted, so the rule holds across parts (parse-parallel.ts). One
   * string per occurrence, the count key inside it: they are a large part of a worker's memory.
   */
  readonly onceKeys = new Set<string>();
  /** Counts beside `counts`, kept as their format made them (CountBlock). */
  private readonly blocks: CountBlock[] = [];

  constructor(sources: readonly Source[]) {
    this.sources = new Set(sources);
  }

  seeDay(day: IsoDay): void {
    if (this.firstDay === null || day < this.firstDay) this.firstDay = day;
    if (this.lastDay === null || day > this.lastDay) this.lastDay = day;
  }

  /** `n` rows, each one occurrence of (identity, day, source). */
  count(identity: string, day: IsoDay, source: Source, n = 1): void {
    const key = countKey(identity, day, source);
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
    this.rowsCounted += n;
  }

  /**
   * Claims the one count allowed for `what` (which holds no SEP) under (identity, day, source): false when
   * it was claimed before, and the row is then not counted again.
   */
  claimOnce(identity: string, day: IsoDay, source: Source, what: string): boolean {
    const once = countKey(identity, day, source) + SEP + what;
    if (this.onceKeys.has(once)) return false;
    this.onceKeys.add(once);
    return true;
  }

  /** Takes out one occurrence counted a second time for a once-only key (see `onceKeys`): it becomes an ignored row. */
  uncountRepeat(once: string): void {
    const key = once.slice(0, once.lastIndexOf(SEP));
    const n = (this.counts.get(key) ?? 0) - 1;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
    this.rowsCounted -= 1;
    this.rowsIgnored += 1;
  }

  /** Rows of staff the file itself marks as such (a meeting's organiser): reported as "staff, ignored", never counted. */
  rowsStaff = 0;
  readonly staffKeys = new Set<string>();

  staff(key: string): void {
    this.rowsStaff += 1;
    if (key) this.staffKeys.add(key);
  }

  ignore(): void {
    this.rowsIgnored += 1;
  }

  reject(line: number, reason: string): void {
    this.rowsRejected += 1;
    if (this.rejections.length < MAX_REJECTIONS_KEPT) this.rejections.push({ line, reason });
  }

  /** Adds a format's counts kept as it made them; `rows` is how many rows they count. */
  addBlock(block: CountBlock, rows: number): void {
    this.blocks.push(block);
    this.rowsCounted += rows;
  }

  /** How many (identity, day, source) are counted. */
  get size(): number {
    return this.blocks.reduce((n, b) => n + b.size, this.counts.size);
  }

  /** Counts as (identity, day, source, n), for resolving and writing; one (identity, day, source) may come twice (two blocks): sum them. */
  *entries(): Generator<CountEntry> {
    for (const [key, count] of this.counts) {
      const [identity, day, source] = key.split(SEP) as [string, IsoDay, Source];
      yield { identity, day, source, count };
    }
    for (const block of this.blocks) yield* block.entries();
  }

  /** Every count as (identity, day, source, n), without an object for each: resolving reads a large file's counts twice. */
  forEach(fn: (identity: string, day: IsoDay, source: Source, count: number) => void): void {
    for (const [key, count] of this.counts) {
      const [identity, day, source] = key.split(SEP) as [string, IsoDay, Source];
      fn(identity, day, source, count);
    }
    for (const block of this.blocks) block.forEach(fn);
  }

  /** Every count under its key (countKey), the blocks' keys made here: for a part's counts to cross to another thread, and for tests. */
  allCounts(): Map<string, number> {
    if (this.blocks.length === 0) return this.counts;
    const all = new Map(this.counts);
    for (const block of this.blocks)
      for (const e of block.entries()) {
        const key = countKey(e.identity, e.day, e.source);
        all.set(key, (all.get(key) ?? 0) + e.count);
      }
    return all;
  }

  /** Whether anything of `source` was counted. */
  counted(source: Source): boolean {
    for (const key of this.counts.keys()) if (key.endsWith(SEP + source)) return true;
    return this.blocks.some((b) => b.has(source));
  }

  /** Lets the counts go (after they are resolved), the blocks too. */
  clearCounts(): void {
    this.counts.clear();
    this.blocks.length = 0;
    this.onceKeys.clear();
  }
}
