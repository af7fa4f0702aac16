import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { describeDataStatus } from '../../bot/commands/data-status.command';
import { insertIdentities } from '../../bot/store/identity.repository';
import { CONNECTION_LOST_IMPORT_ERROR } from '../../bot/store/import.repository';
import { insertStaff, type Staff } from '../../bot/store/staff.repository';
import { insertStudents } from '../../bot/store/student.repository';
import { migrateToLatest, type Db } from '../../bot/store/database';
import type { Database } from '../../bot/store/schema';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { startCli } from '../support/cut-writer';
import {
  FAST_DELIVERY_ENV,
  queueCaseDigests,
  seedDigests,
  startService,
  startStandInProcess,
  tallyArrivals,
  waitForOutbox,
  type ServiceProcess,
  type StandInProcess,
} from '../support/delivery-world';

// A ceiling only: the waits inside are bounded by polls and progress.
jest.setTimeout(240_000);

const SERVICE = 'em-service';
const TUTORS = 30;
const SINGLETON_JOBS = ['case-care', 'escalate', 'evaluate', 'retention'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const IMPORTER = 'em-import';
const ADMIN: Staff = { id: 'admin', departmentId: 'd1', displayName: 'Ada Admin', email: null, entraId: null, roles: ['department_admin'] };

/**
 * The test's own view of the database: a plain pg pool, not the service's createDatabase, so a fault that
 * would end the service (an idle connection's error event with no listener) cannot end the test first.
 */
function observeDatabase(url: string): Db {
  const pool = new Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Moodle users, each a student known by their Moodle id, and a site log of `rows` logins spread over their days. */
const LOG_USERS = 3000;
const LOG_DAYS = 20;
const LOG_ROWS = 240_000;
const LOG_HEADER = '\ufeffTime,"User full name","Affected user","Event context",Component,"Event name",Description,Origin,"IP address"\n';

async function writeMoodleLog(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write(LOG_HEADER);
  for (let i = 0; i < LOG_ROWS; i++) {
    const user = 5000 + (i % LOG_USERS);
    const day = String(1 + (Math.floor(i / LOG_USERS) % LOG_DAYS)).padStart(2, '0');
    const line = `"${day}/10/23, 08:${String(i % 60).padStart(2, '0')}:40","Student ${user}",-,System,System,"User has logged in","The user with id '${user}' has logged in.",web,192.0.2.10\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** `engagement import moodle FILE` as its own process, as an administrator runs it in a shell. */
const startImport = (databaseUrl: string, file: string, ...options: string[]) =>
  startCli(['import', 'moodle', file, ...options], { DATABASE_URL: databaseUrl });

/**
 * A real PostgreSQL server of the test's own (never the shared one at 5432), restarted, crashed and
 * stopped under a running service process that is delivering alerts to the stand-in Bot Connector.
 */
describe('the service on a PostgreSQL server that restarts, crashes and stops', () => {
  let pg: PrivatePostgres | undefined;
  let db: Db | undefined;
  let standIn: StandInProcess | undefined;
  let service: ServiceProcess | undefined;
  const allCases: string[] = [];
  /** When the server came back from the 20 s stop. */
  let backAt = '';

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    db = observeDatabase(pg.url({ application_name: 'em-test' }));
    await migrateToLatest(db);
    standIn = await startStandInProcess();
    allCases.push(...(await seedDigests(db, { serviceUrl: standIn.serviceUrl, tutors: TUTORS, digests: 30 })));
    service = await startService({
      ...FAST_DELIVERY_ENV,
      LOG_LEVEL: 'info',
      // The evaluation (a singleton job) comes round again during the test, after the faults.
      EVALUATE_EVERY_MINUTES: '1',
      DATABASE_URL: pg.url({ application_name: SERVICE }),
    });
  });

  afterAll(async () => {
    // Each step on its own: a failure in one must not leave the private cluster running.
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
    standIn?.stop();
    await db?.destroy().catch(() => undefined);
    await pg?.destroy();
  });

  const world = () => {
    if (!pg || !db || !standIn || !service) throw new Error('the private PostgreSQL, stand-in or service did not start');
    return { pg, db, standIn, service };
  };

  /** Queues a wave of digests and waits until the service is sending them (a tenth arrived). */
  async function deliveringWave(batch: string, digests: number): Promise<string[]> {
    const { db, standIn } = world();
    const caseIds = await queueCaseDigests(db, { tutors: TUTORS, digests, batch });
    allCases.push(...caseIds);
    for (let poll = 0; poll < 600; poll++) {
      const arrived = tallyArrivals(await standIn.log(), caseIds);
      if (digests - arrived.lost >= digests / 10) return caseIds;
      await sleep(50);
    }
    throw new Error(`the service did not start sending wave ${batch}`);
  }

  /** /healthz until it answers 200 (bounded by polls); every answer on the way. */
  async function healthUntilOk(): Promise<number[]> {
    const answers: number[] = [];
    for (let poll = 0; poll < 200 && answers.at(-1) !== 200; poll++) {
      answers.push(await world().service.health());
      if (answers.at(-1) !== 200) await sleep(250);
    }
    return answers;
  }

  /** The singleton jobs' advisory locks the service holds now, as PostgreSQL sees them. */
  async function serviceAdvisoryLocks(): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and a.application_name = ${SERVICE}`.execute(world().db);
    return rows[0]?.n ?? 0;
  }

  /** Bounded by polls: the scheduler asks for each singleton job every JOB_TAKEOVER_SECONDS. */
  async function waitForLocks(): Promise<number> {
    let held = 0;
    for (let poll = 0; poll < 100 && held < SINGLETON_JOBS.length; poll++) {
      held = await serviceAdvisoryLocks();
      if (held < SINGLETON_JOBS.length) await sleep(200);
    }
    return held;
  }

  /** Everything queued is sent, each card arrived exactly once, and the process never left. */
  async function expectEveryAlertOnce(caseIds: string[]): Promise<void> {
    const { db, standIn, service } = world();
    const outbox = await waitForOutbox(db);
    expect(outbox).toMatchObject({ pending: 0, failed: 0 });
    expect(tallyArrivals(await standIn.log(), caseIds)).toMatchObject({ lost: 0, duplicated: 0 });
    expect(service.child.exitCode).toBeNull();
  }

  it('when the service starts, then it holds the singleton jobs advisory locks', async () => {
    expect(await waitForLocks()).toBe(SINGLETON_JOBS.length);
    await expectEveryAlertOnce(allCases);
  });

  it('when pg_ctl restart -m fast drops every connection, idle pooled ones included, then the process stays up, jobs take their locks again and every alert arrives once', async () => {
    const { pg, db, service } = world();
    const caseIds = await deliveringWave('a', 200);
    // Several health checks at once leave several pooled connections idle: the server ending those must not end the process.
    await Promise.all(Array.from({ length: 6 }, () => service.health()));
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where application_name = ${SERVICE} and state = 'idle'`.execute(db);
    const idleBefore = rows[0]?.n ?? 0;
    const pidBefore = pg.postmasterPid();

    await pg.restartFast();
    await sleep(1000);

    expect(pg.postmasterPid()).not.toBe(pidBefore);
    expect(idleBefore).toBeGreaterThanOrEqual(2);
    expect(service.child.exitCode).toBeNull();
    expect((await healthUntilOk()).at(-1)).toBe(200);
    expect(await waitForLocks()).toBe(SINGLETON_JOBS.length);
    await expectEveryAlertOnce(caseIds);
  });

  it('when the postmaster is killed (kill -9) and started again, then /healthz says 503 while it is away and 200 after crash recovery, and every alert arrives once', async () => {
    const { pg, service } = world();
    const caseIds = await deliveringWave('b', 200);

    await pg.crash();
    const during: number[] = [];
    for (let i = 0; i < 4; i++) {
      during.push(await service.health());
      await sleep(500);
    }
    await pg.start();

    expect(pg.log()).toMatch(/database system was interrupted|not properly shut down; automatic recovery in progress/);
    expect(new Set(during)).toEqual(new Set([503]));
    expect((await healthUntilOk()).at(-1)).toBe(200);
    expect(await waitForLocks()).toBe(SINGLETON_JOBS.length);
    await expectEveryAlertOnce(caseIds);
  });

  it('when the server is stopped for 20 s and started again, then jobs pause and resume by themselves, /healthz follows, the log says so, and every alert arrives once', async () => {
    const { pg, service } = world();
    const caseIds = await deliveringWave('c', 200);

    await pg.stop();
    const during: number[] = [];
    for (let i = 0; i < 8; i++) {
      await sleep(2500);
      during.push(await service.health());
    }
    expect(service.child.exitCode).toBeNull();
    await pg.start();
    backAt = new Date().toISOString();

    expect(new Set(during)).toEqual(new Set([503]));
    expect((await healthUntilOk()).at(-1)).toBe(200);
    expect(await waitForLocks()).toBe(SINGLETON_JOBS.length);
    await expectEveryAlertOnce(caseIds);
    const said = service
      .output()
      .split('\n')
      .map((line) => (line.startsWith('{') ? (JSON.parse(line) as { msg?: string }).msg : line));
    expect(said).toEqual(
      expect.arrayContaining(['database unreachable: jobs pause until it answers again', 'database reachable again: jobs resume']),
    );
  });

  /** Once: the Moodle users as students of the department, and their site log in a file. */
  let moodleLog: Promise<string> | undefined;
  function prepareMoodleLog(): Promise<string> {
    moodleLog ??= (async () => {
      const { db } = world();
      const now = new Date().toISOString();
      await insertStaff(db, [ADMIN], now);
      const users = Array.from({ length: LOG_USERS }, (_, i) => i);
      await insertStudents(
        db,
        users.map((i) => ({
          id: `m${i}`,
          departmentId: 'd1',
          givenName: 'Moodle',
          familyName: `${i}`,
          email: null,
          entraId: null,
          programme: 'BSc Delivery',
          year: 1,
          status: 'active',
          tutorId: 't0',
        })),
        now,
      );
      await insertIdentities(
        db,
        users.map((i) => ({ sourceSystem: 'moodle', externalKey: String(5000 + i), studentId: `m${i}` })),
      );
      const file = join(logDir, 'moodle-log.csv');
      await writeMoodleLog(file);
      return file;
    })();
    return moodleLog;
  }
  const logDir = mkdtempSync(join(tmpdir(), 'em-restart-import-'));
  afterAll(() => rmSync(logDir, { recursive: true, force: true }));

  /** Bounded by polls: true once the import's transaction has begun writing its counts. */
  async function untilImportWrites(importer: ReturnType<typeof startImport>): Promise<boolean> {
    for (let poll = 0; poll < 3000 && importer.running(); poll++) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where application_name = ${IMPORTER} and backend_xid is not null
          and (state = 'idle in transaction' or query ilike '%import_counts%' or query ilike '%activity_counts%')`.execute(world().db);
      if ((rows[0]?.n ?? 0) > 0) return true;
      await sleep(20);
    }
    return false;
  }

  const STOPPED_IN_WORDS =
    'engagement: The import of moodle-log.csv stopped: the connection to the database was lost (the server restarted or stopped, or ended the connection). Nothing from this file was stored, and the import history shows it as interrupted. Import it again.\n';

  async function countTotals(): Promise<{ rows: number; total: number }> {
    return world()
      .db.selectFrom('activity_counts')
      .select([sql<number>`count(*)::int`.as('rows'), sql<number>`coalesce(sum(count), 0)::int`.as('total')])
      .executeTakeFirstOrThrow();
  }

  /** The import history as the Data page shows it (which also marks runs whose process is gone). */
  async function importHistory(): Promise<Array<[string, string, string[]]>> {
    const status = await describeDataStatus(world().db, ADMIN, '2026-12-07');
    return status.imports.map((i) => [i.fileName, i.status, i.errors]);
  }

  it('when pg_ctl restart -m fast comes while an import is writing its counts, then the import fails in words, shows as interrupted in the history, stored nothing, and a re-run applies it once', async () => {
    const { pg } = world();
    const file = await prepareMoodleLog();
    const caseIds = await deliveringWave('d', 200);

    const first = startImport(pg.url({ application_name: IMPORTER }), file);
    const writing = await untilImportWrites(first);
    await pg.restartFast();
    const code = await first.exited;

    // Failed in words: one line, no stack, saying what happened and what to do.
    expect(writing).toBe(true);
    expect(code).toBe(1);
    expect(first.stderr()).toBe(STOPPED_IN_WORDS);
    // Never half applied: nothing of it counted, and the history says it was interrupted and why.
    expect(await countTotals()).toEqual({ rows: 0, total: 0 });
    expect(await importHistory()).toEqual([['moodle-log.csv', 'interrupted', [CONNECTION_LOST_IMPORT_ERROR]]]);

    // The same file again, the server steady: applied once, every login counted once.
    const again = startImport(pg.url({ application_name: IMPORTER }), file);
    expect(await again.exited).toBe(0);
    expect(again.stdout()).toMatch(/^moodle-log\.csv: imported/);
    expect(await countTotals()).toEqual({ rows: LOG_USERS * LOG_DAYS, total: LOG_ROWS });
    expect(await importHistory()).toEqual(
      expect.arrayContaining([
        ['moodle-log.csv', 'interrupted', [CONNECTION_LOST_IMPORT_ERROR]],
        ['moodle-log.csv', 'succeeded', []],
      ]),
    );
    await expectEveryAlertOnce(caseIds);
  });

  it("when only the import's own connection is ended mid-write and the server stays up, then the import still shows as interrupted, not vanished, and the counts stay as they were", async () => {
    const { db } = world();
    const file = await prepareMoodleLog();
    const before = await countTotals();
    const historyBefore = await importHistory();

    const forced = startImport(world().pg.url({ application_name: IMPORTER }), file, '--force');
    const writing = await untilImportWrites(forced);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${IMPORTER}) t`.execute(
      db,
    );
    const code = await forced.exited;

    expect(writing).toBe(true);
    expect(rows[0]?.n).toBeGreaterThan(0);
    expect(code).toBe(1);
    expect(forced.stderr()).toBe(STOPPED_IN_WORDS);
    expect(await countTotals()).toEqual(before);
    const history = await importHistory();
    const interrupted = (entries: typeof history) => entries.filter(([, status]) => status === 'interrupted').length;
    expect(history).toHaveLength(historyBefore.length + 1);
    expect(interrupted(history)).toBe(interrupted(historyBefore) + 1);
    expect(history).toEqual(expect.arrayContaining([...historyBefore, ['moodle-log.csv', 'interrupted', [CONNECTION_LOST_IMPORT_ERROR]]]));
  });

  it('after every fault, then the scheduled evaluation ran again by itself, and no alert of any wave was lost or sent twice', async () => {
    const { db, standIn, service } = world();
    // Bounded by polls: the evaluation is due once a minute after the last.
    let evaluatedSince = 0;
    for (let poll = 0; poll < 400 && evaluatedSince === 0 && backAt !== ''; poll++) {
      evaluatedSince = (await db.selectFrom('evaluations').select('id').where('evaluated_at', '>', backAt).execute()).length;
      if (evaluatedSince === 0) await sleep(200);
    }
    expect(evaluatedSince).toBeGreaterThan(0);
    expect(tallyArrivals(await standIn.log(), allCases)).toMatchObject({ lost: 0, duplicated: 0 });
    expect(service.child.exitCode).toBeNull();
  });
});
