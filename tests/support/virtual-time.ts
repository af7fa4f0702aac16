import type { Timers } from '../../bot/clock';

export interface VirtualTime extends Timers {
  /** Every wait that was asked for, in ms, in order. */
  readonly waits: number[];
}

/**
 * Time that passes only when code waits: `sleep` records the wait, moves the clock on by it and
 * returns at once (after yielding, so other work interleaves as it would). Tests assert the waits
 * requested (a Retry-After honoured, backoff growing) without sitting through them.
 */
export function createVirtualTime(startMs = 0, random: () => number = () => 0.5): VirtualTime {
  let clock = startMs;
  const waits: number[] = [];
  return {
    waits,
    clockMs: () => clock,
    random,
    sleep: (ms) => {
      waits.push(ms);
      clock += Math.max(0, ms);
      return new Promise((resolve) => setImmediate(resolve));
    },
  };
}
