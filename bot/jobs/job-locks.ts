import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isPostgres, type Db } from '../store/database';
import type { Database } from '../store/schema';

/** Which instance may run a singleton job now. */
export interface JobLocks {
  /**
   * True when this instance holds the job's lock: takes it when free, confirms it when already held.
   * A lock lost with its connection (a restart, pg_terminate_backend) answers false until taken again.
   */
  acquire(name: string): Promise<boolean>;
  /** Gives every lock back (graceful shutdown), so another instance takes over at once. */
  close(): Promise<void>;
}

interface Session {
  conn: Kysely<Database>;
  release(): void;
}

/** Holds one pooled connection for as long as the session lives: session advisory locks belong to it. */
function openSession(db: Db): Promise<Session> {
  return new Promise((resolve, reject) => {
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    db.connection()
      .execute(async (conn) => {
        resolve({ conn, release });
        await done;
      })
      .catch(reject);
  });
}

/**
 * PostgreSQL session advisory locks, held on a dedicated connection (chosen over a job library such
 * as pg-boss: the jobs are few and periodic, the locks need no tables, and PostgreSQL releases them
 * the moment the holder's connection ends, so a killed instance is replaced at the next poll instead
 * of after a lease). The key is namespaced by schema, so installations (and test runs) sharing one
 * database never block each other. On SQLite one process is the only instance: every lock is granted.
 */
export function createJobLocks(db: Db, logger: Logger): JobLocks {
  if (!isPostgres(db)) return { acquire: async () => true, close: async () => undefined };
  let session: Promise<Session> | null = null;
  const held = new Set<string>();

  const drop = (s: Promise<Session> | null) => {
    if (session === s) session = null;
    held.clear();
    void s?.then((x) => x.release()).catch(() => undefined);
  };

  const tryLock = async (name: string): Promise<boolean> => {
    const current = (session ??= openSession(db));
    try {
      const s = await current;
      const { rows } = await sql<{ ok: boolean }>`
        select pg_try_advisory_lock(hashtext('engagement-monitor:' || current_schema()), hashtext(${name})) as ok`.execute(s.conn);
      return rows[0]?.ok === true;
    } catch (error) {
      drop(current);
      throw error;
    }
  };

  return {
    async acquire(name) {
      let ok: boolean;
      try {
        ok = await tryLock(name);
      } catch (error) {
        logger.warn({ err: error, job: name }, 'job lock connection lost; the locks it held are gone');
        try {
          ok = await tryLock(name);
        } catch {
          return false;
        }
      }
      if (ok && !held.has(name)) logger.info({ job: name }, 'this instance now runs the job');
      if (!ok && held.has(name)) held.delete(name);
      if (ok) held.add(name);
      return ok;
    },
    async close() {
      const current = session;
      session = null;
      held.clear();
      if (!current) return;
      try {
        const s = await current;
        await sql`select pg_advisory_unlock_all()`.execute(s.conn).catch(() => undefined);
        s.release();
      } catch {
        // The connection is gone already, and its locks with it.
      }
    },
  };
}
