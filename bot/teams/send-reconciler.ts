import type { Logger } from 'pino';
import type { Db } from '../store/database';

/** Cards that went out while the database could not record them, kept until it can. */
export interface SendReconciler {
  hold(outboxId: string, record: (db: Db) => Promise<void>): void;
  /** Tries to record every held send; returns how many are still held. */
  flush(db: Db): Promise<number>;
  readonly size: number;
}

/**
 * Kept in process memory on purpose: the card is at the recipient, and what must not happen is a
 * second send or a "failed" mark. Each held result is retried (by every delivery run, and by the
 * database health watch when the database comes back) until it is recorded. A process that dies
 * holding some leaves them as interrupted attempts, which the next claim counts as repeats.
 */
export function createSendReconciler(logger: Logger): SendReconciler {
  const held = new Map<string, (db: Db) => Promise<void>>();
  let flushing: Promise<number> | null = null;
  return {
    hold(outboxId, record) {
      held.set(outboxId, record);
    },
    get size() {
      return held.size;
    },
    flush(db) {
      flushing ??= (async () => {
        for (const [id, record] of [...held]) {
          try {
            await record(db);
            held.delete(id);
            logger.info({ outboxId: id }, 'recorded a send that went out while the database was away');
          } catch (error) {
            logger.warn({ err: error, outboxId: id, held: held.size }, 'still cannot record a send that went out');
            break;
          }
        }
        return held.size;
      })().finally(() => (flushing = null));
      return flushing;
    },
  };
}
