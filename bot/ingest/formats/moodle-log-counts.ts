import type { IsoDay, Source } from '../../../shared/domain';
import type { CountBlock, CountEntry } from '../tally';

/** Days a site log's numeric count keys hold (a day's index below this); a log of more days keeps text keys past them. */
export const MAX_DAYS = 4096;

/**
 * The counts a site log kept in numbers (MoodleLogCounter), read as entries: each user's identity made once, no key string
 * per count. Numeric keys are user ids of at most 12 digits without a leading zero, on days below MAX_DAYS: their identities
 * are never those of the counts kept as text.
 */
export class NumericCounts implements CountBlock {
  /**
   * `counts`: key -> occurrences (this thread's counter), or pairs of key and occurrences (a worker's, handed over); `size`: how
   * many of its keys no other block of the tally holds.
   */
  constructor(
    private readonly counts: ReadonlyMap<number, number> | Float64Array,
    private readonly days: readonly IsoDay[],
    readonly size: number = ArrayBuffer.isView(counts) ? counts.length / 2 : counts.size,
  ) {}

  *entries(): Generator<CountEntry> {
    const all: CountEntry[] = [];
    this.forEach((identity, day, source, count) => all.push({ identity, day, source, count }));
    yield* all;
  }

  has(source: Source): boolean {
    const parity = source === 'moodle_login' ? 0 : source === 'moodle_submission' ? 1 : -1;
    let found = false;
    this.each((key) => (found ||= key % 2 === parity));
    return found;
  }

  forEach(fn: (identity: string, day: IsoDay, source: Source, count: number) => void): void {
    const identities = new Map<number, string>();
    this.each((key, count) => {
      const rest = Math.floor(key / 2);
      const userId = Math.floor(rest / MAX_DAYS);
      let identity = identities.get(userId);
      if (identity === undefined) identities.set(userId, (identity = `moodle:${userId}`));
      fn(identity, this.days[rest % MAX_DAYS] as IsoDay, key % 2 === 0 ? 'moodle_login' : 'moodle_submission', count);
    });
  }

  private each(fn: (key: number, count: number) => void): void {
    const { counts } = this;
    if (ArrayBuffer.isView(counts)) for (let i = 0; i < counts.length; i += 2) fn(counts[i] as number, counts[i + 1] as number);
    else for (const [key, count] of counts) fn(key, count);
  }
}
