import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from './database';

/** Whether jobs may use the database now; watches it back after an outage. */
export interface DatabaseHealth {
  available(): boolean;
  /** A job found the database unreachable: pause jobs and watch for it to come back. */
  reportUnreachable(error: unknown): void;
  stop(): void;
}

/**
 * Jobs pause while the database is away and resume by themselves: a probe every `probeMs`, then
 * `onBack` (recording sends held in memory) and a short grace, so every instance records what it
 * sent before any instance claims again.
 */
export function createDatabaseHealth(
  db: Db,
  logger: Logger,
  opts: { probeMs?: number; graceMs?: number; onBack?: () => Promise<unknown> } = {},
): DatabaseHealth {
  const probeMs = opts.probeMs ?? 1000;
  const graceMs = opts.graceMs ?? 3000;
  let down = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const probe = () => {
    timer = setTimeout(() => {
      void (async () => {
        if (stopped) return;
        try {
          await sql`select 1`.execute(db);
        } catch {
          return probe();
        }
        try {
          await opts.onBack?.();
        } catch (error) {
          logger.warn({ err: error }, 'database back, but recording held sends failed; trying again');
          return probe();
        }
        timer = setTimeout(() => {
          down = false;
          logger.info('database reachable again: jobs resume');
        }, graceMs);
        timer.unref();
      })();
    }, probeMs);
    timer.unref();
  };

  return {
    available: () => !down,
    reportUnreachable(error) {
      if (down || stopped) return;
      down = true;
      logger.error({ err: error }, 'database unreachable: jobs pause until it answers again');
      probe();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
