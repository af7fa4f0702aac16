import type { Db } from './database';

/**
 * Records that a singleton job starts now, if it is due: it has never run and `firstRun` allows it,
 * or its last start is at least `everyMs` ago (less a little, so a timer firing early does not skip
 * a whole period). Called only by the instance holding the job's lock. A job never run and not
 * meant to run at start gets now as the origin of its schedule. Returns true when the job should run.
 * The write is a compare-and-set on the start it read, so even without the lock two callers cannot
 * both claim the same due time: the second finds the row changed and gets false.
 */
export async function claimJobRun(
  db: Db,
  opts: { name: string; instance: string; now: Date; everyMs: number; firstRun: boolean },
): Promise<boolean> {
  const at = opts.now.toISOString();
  const last = await db.selectFrom('job_runs').select('started_at').where('name', '=', opts.name).executeTakeFirst();
  if (!last) {
    const inserted = await db
      .insertInto('job_runs')
      .values({ name: opts.name, started_at: at, instance: opts.instance })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return opts.firstRun && Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
  const slack = Math.min(opts.everyMs * 0.05, 5_000);
  if (opts.now.getTime() - Date.parse(last.started_at) < opts.everyMs - slack) return false;
  const updated = await db
    .updateTable('job_runs')
    .set({ started_at: at, instance: opts.instance })
    .where('name', '=', opts.name)
    .where('started_at', '=', last.started_at)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** When each singleton job last started, and where: what an operator checks after a takeover. */
export async function listJobRuns(db: Db): Promise<Array<{ name: string; startedAt: string; instance: string }>> {
  const rows = await db.selectFrom('job_runs').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, startedAt: r.started_at, instance: r.instance }));
}
