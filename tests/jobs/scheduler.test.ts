import { createScheduler, type Job } from '../../bot/jobs/scheduler';
import { createJobLocks } from '../../bot/jobs/job-locks';
import { createDatabaseHealth } from '../../bot/store/database-health';
import { AppError } from '../../bot/errors';
import { createTestDatabase, DATABASE_KINDS, silentLogger, type TestDatabase } from '../support/databases';

const tick = () => new Promise((r) => setTimeout(r, 20));

describe.each(DATABASE_KINDS)('the job scheduler around a database outage on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await t.drop();
  });
  const schedule = (jobs: Job[], health: ReturnType<typeof createDatabaseHealth>) =>
    createScheduler(jobs, {
      db: t.db,
      logger: silentLogger,
      now: () => new Date(),
      instance: 'test:1',
      locks: createJobLocks(t.db, silentLogger),
      health,
      takeoverMs: 15,
    });

  it('when a job comes due while jobs are paused for the database, then it runs again once the database is back', async () => {
    const health = createDatabaseHealth(t.db, silentLogger, { probeMs: 10, graceMs: 10 });
    let runs = 0;
    const jobs: Job[] = [
      { name: 'notify', everyMs: 15, runAtStart: true, everyInstance: true, run: async () => void runs++ },
      { name: 'escalate', everyMs: 15, runAtStart: true, run: async () => undefined },
    ];
    const scheduler = schedule(jobs, health);
    // Paused before the first turn of the job: every turn while paused ends at once.
    health.reportUnreachable(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }));
    scheduler.start();
    for (let i = 0; i < 500 && health.available(); i++) await tick();
    const whilePaused = runs;
    for (let i = 0; i < 500 && !health.available(); i++) await tick();
    expect(health.available()).toBe(true);
    for (let i = 0; i < 500 && runs < whilePaused + 3; i++) await tick();
    await scheduler.stop();

    expect(runs).toBeGreaterThanOrEqual(whilePaused + 3);
  });

  it('when a scheduled run ends because its connection to the database was lost mid-write, then jobs pause until the database answers, as for any outage', async () => {
    const health = createDatabaseHealth(t.db, silentLogger, { probeMs: 10, graceMs: 10 });
    let lost = true;
    const jobs: Job[] = [
      {
        name: 'collect',
        everyMs: 15,
        runAtStart: true,
        everyInstance: true,
        run: async () => {
          if (!lost) return;
          lost = false;
          // As whileImportRuns words it once the run's connection was lost inside its write.
          throw new AppError(503, 'database_connection_lost', 'The collection was interrupted: the connection to the database was lost.');
        },
      },
    ];
    const scheduler = schedule(jobs, health);
    scheduler.start();
    let paused = false;
    for (let i = 0; i < 500 && !paused; i++) {
      paused = !health.available();
      await new Promise((r) => setTimeout(r, 2));
    }
    for (let i = 0; i < 500 && !health.available(); i++) await tick();
    await scheduler.stop();

    expect(paused).toBe(true);
    expect(health.available()).toBe(true);
  });
});
