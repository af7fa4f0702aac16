import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../store/database';
import { REAL_TIMERS, type Timers } from '../clock';
import { RateLimiter, type RateLimits } from './rate-limiter';

/** What a proactive send waits on before it leaves: the one pace of this process, or of every instance. */
export interface SendPacer {
  /** Resolves when one more send to `conversationId` keeps within the limits, and counts it. */
  acquire(conversationId: string): Promise<void>;
  /** Holds every send for `ms`: Teams asked us to slow down. */
  pause(ms: number): void;
}

/**
 * Spacing of the shared pace. Tenant: 47 requests/s, evenly spaced (Teams allows 50 per app per
 * tenant; the margin absorbs network jitter, since Teams counts arrivals). Conversation: one send
 * every 510 ms keeps every published window (7/1 s, 8/2 s, 60/30 s) without a burst allowance.
 * lateToleranceMs: a send that wakes later than this after its tenant slot (a busy event loop, a
 * paused process) gives the slot up and reserves a new one, so late sends never bunch with
 * on-time ones from other instances: any second then holds at most 47 x 1.02 + 1 < 50 sends.
 */
export const SHARED_PACE = { tenantIntervalMs: 1000 / 47, conversationIntervalMs: 510, lateToleranceMs: 20 };
/** Slots a send may give up for lateness before it goes in the next one it gets, late or not. */
const MAX_LATE_SLOTS = 20;

/**
 * One pace for every instance on one PostgreSQL (time-slot reservation, the GCRA's virtual
 * schedule): each send reserves the next free slot of its conversation, waits for it, then the next
 * free slot of the tenant, in one atomic `insert ... on conflict do update ... returning` each. The
 * database's clock decides, so instances on different hosts agree. N instances together therefore
 * never offer more than the tenant's 48/s. If the database cannot be asked (an outage), the send
 * falls back to this process's own limiter rather than fail: it cannot be recorded then anyway.
 */
export class SharedPacer implements SendPacer {
  private readonly local: RateLimiter;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clockMs: () => number;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    timers: Pick<Timers, 'clockMs' | 'sleep'> = REAL_TIMERS,
    private readonly pace = SHARED_PACE,
    localLimits?: RateLimits,
  ) {
    this.local = new RateLimiter(localLimits, timers);
    this.sleep = timers.sleep;
    this.clockMs = timers.clockMs;
  }

  /** Reserves the next slot of `key`; returns how long to wait for it (ms, by the database's clock). */
  private async reserve(key: string, intervalMs: number): Promise<number> {
    const interval = Math.round(intervalMs * 1000);
    // Micro-second resolution keeps 48/s exact; the column holds epoch microseconds.
    const { rows } = await sql<{ wait_us: number | string }>`
      with clock as (select (extract(epoch from clock_timestamp()) * 1000000)::bigint as now_us)
      insert into send_pace (key, next_us)
      select ${key}, now_us + ${interval} from clock
      on conflict (key) do update set next_us = greatest(send_pace.next_us, excluded.next_us - ${interval}) + ${interval}
      returning next_us - ${interval} - (select now_us from clock) as wait_us`.execute(this.db);
    return Math.max(0, Number(rows[0]?.wait_us ?? 0) / 1000);
  }

  async acquire(conversationId: string): Promise<void> {
    let waitConversation: number;
    try {
      waitConversation = await this.reserve(`c:${conversationId}`, this.pace.conversationIntervalMs);
    } catch (error) {
      this.logger.warn({ err: error }, 'shared send pace unavailable; pacing this process alone');
      return this.local.acquire(conversationId);
    }
    if (waitConversation > 0) await this.sleep(waitConversation);
    for (let tries = 1; ; tries++) {
      const asked = this.clockMs();
      let waitTenant: number;
      try {
        waitTenant = await this.reserve('tenant', this.pace.tenantIntervalMs);
      } catch (error) {
        this.logger.warn({ err: error }, 'shared send pace unavailable; pacing this process alone');
        return this.local.acquire(conversationId);
      }
      // The slot's time on this process's clock: the database answered half-way through the round trip.
      const slotAt = (asked + this.clockMs()) / 2 + waitTenant;
      const wait = slotAt - this.clockMs();
      if (wait > 0) await this.sleep(wait);
      if (this.clockMs() - slotAt <= this.pace.lateToleranceMs || tries >= MAX_LATE_SLOTS) return;
    }
  }

  pause(ms: number): void {
    const us = Math.round(ms * 1000);
    void sql`update send_pace set next_us = greatest(next_us, (extract(epoch from clock_timestamp()) * 1000000)::bigint + ${us}) where key = 'tenant'`
      .execute(this.db)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not pause the shared send pace'));
    this.local.pause(ms);
  }
}
