import { REAL_TIMERS, type Timers } from '../clock';

/** A limit of `count` sends in any `windowMs`. */
export interface RateWindow {
  count: number;
  windowMs: number;
}

export interface RateLimits {
  perConversation: readonly RateWindow[];
  perTenant: readonly RateWindow[];
}

/**
 * Teams' published limits for a bot: per thread 7/1 s, 8/2 s, 60/30 s, 1,800/h; per app per tenant
 * 50 RPS. The tenant pace keeps a small margin (48, evenly spaced) because the service counts arrivals, not sends.
 */
export const TEAMS_RATE_LIMITS: RateLimits = {
  perConversation: [
    { count: 7, windowMs: 1000 },
    { count: 8, windowMs: 2000 },
    { count: 60, windowMs: 30_000 },
    { count: 1800, windowMs: 3_600_000 },
  ],
  perTenant: [{ count: 48, windowMs: 1000 }],
};

/** How many missed slots a late sender may make up at once; the sliding windows still cap every second. */
const CATCH_UP_SLOTS = 1;

/**
 * Sliding-window limiter for one process: `acquire` resolves when a send to the conversation fits
 * every window, and records it. `pause` holds all sends, e.g. after a 429 names a Retry-After.
 */
export class RateLimiter {
  private readonly tenant: number[] = [];
  private readonly conversations = new Map<string, number[]>();
  private pausedUntil = 0;
  private nextTenantSlot = 0;

  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly limits: RateLimits = TEAMS_RATE_LIMITS,
    timers: Pick<Timers, 'clockMs' | 'sleep'> = REAL_TIMERS,
  ) {
    this.clock = timers.clockMs;
    this.sleep = timers.sleep;
  }

  private waitFor(times: number[], windows: readonly RateWindow[], now: number): number {
    let wait = 0;
    for (const w of windows) {
      const inWindow = times.filter((t) => t > now - w.windowMs);
      if (inWindow.length >= w.count) wait = Math.max(wait, (inWindow[inWindow.length - w.count] ?? now) + w.windowMs - now);
    }
    return wait;
  }

  private prune(times: number[], windows: readonly RateWindow[], now: number): void {
    const longest = Math.max(...windows.map((w) => w.windowMs));
    while (times.length > 0 && (times[0] ?? 0) <= now - longest) times.shift();
  }

  /** Waits until one more send to `conversationId` is within every limit, then counts it. */
  async acquire(conversationId: string): Promise<void> {
    for (;;) {
      // Check and record with no await between them: two sends never both take the last slot.
      const now = this.clock();
      const times = this.conversations.get(conversationId) ?? [];
      this.prune(this.tenant, this.limits.perTenant, now);
      this.prune(times, this.limits.perConversation, now);
      const wait = Math.max(
        this.pausedUntil - now,
        this.waitFor(this.tenant, this.limits.perTenant, now),
        this.nextTenantSlot - now,
        this.waitFor(times, this.limits.perConversation, now),
      );
      if (wait <= 0) {
        this.tenant.push(now);
        // Even spacing: the service counts arrivals, and a burst sent at the start of a window can
        // arrive bunched with the previous window's tail. Slots advance from the schedule, not from
        // when a waiter woke, so a late timer (the event loop busy with a query) does not slow every later send.
        const interval = Math.max(...this.limits.perTenant.map((w) => w.windowMs / w.count));
        this.nextTenantSlot = Math.max(this.nextTenantSlot, now - CATCH_UP_SLOTS * interval) + interval;
        times.push(now);
        this.conversations.set(conversationId, times);
        return;
      }
      await this.sleep(Math.min(wait, 1000));
    }
  }

  /** Holds every send until `ms` from now: the service asked us to slow down. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock() + ms);
  }
}
