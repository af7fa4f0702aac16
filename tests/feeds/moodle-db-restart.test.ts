import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openMoodleConnection, type MoodleConnection } from '../../bot/feeds/moodle-db/moodle-connection';
import { MOODLE_FEED, pullMoodle, type MoodlePullDeps, type MoodlePullSummary } from '../../bot/feeds/moodle-db/pull-moodle.command';
import { describeDataStatus } from '../../bot/commands/data-status.command';
import { findMoodleFeedState } from '../../bot/store/moodle-feed.repository';
import type { Db } from '../../bot/store/database';
import { createTestDatabase, DATABASE_KINDS, silentLogger, type DatabaseKind, type TestDatabase } from '../support/databases';
import { createSharedDatabase, FAST_DELIVERY_ENV, startService, type ServiceProcess, type SharedDatabase } from '../support/delivery-world';
import { createTestMoodle, type TestMoodle } from '../support/moodle-db';
import { ADMIN, countsOf, seedRoster } from '../support/moodle-roster';
import { generateSiteLog, SITE_USERS, type SiteEvent } from '../support/moodle-site';
import { startPrivateMariadb, type PrivateMariadb } from '../support/private-mariadb';
import { CAMPUS } from '../ingest/support';

// A ceiling only: the waits inside are bounded by polls.
jest.setTimeout(90_000);

const ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = 86_400;
/** The site's last week, up to half an hour ago, in real time: the service process pulls with the real clock. */
const TODAY = Math.floor(Date.now() / 1000 / DAY) * DAY;
const FIRST_DAY = TODAY - 6 * DAY;
const UNTIL = Math.floor(Date.now() / 1000) - 1_800;
/** What the first, clean run has read: the week up to the day before yesterday, 13:00. */
const CUT = TODAY - 2 * DAY + 13 * 3_600;
const PULL_SETTINGS = { timeZone: CAMPUS, lookbackDays: 14, maxLagMinutes: 180, pageSize: 10 };
const LOST =
  /^The connection to the Moodle database \(MySQL\/MariaDB 127\.0\.0\.1:\d+\/\w+ as root\) was lost during the pull: .*The database server restarted, or the connection was killed or cut\. Nothing from this run was counted and the checkpoint is unchanged; the next run reads the same events again\.$/;

const UNREACHABLE =
  /^Cannot reach the Moodle database \(MySQL\/MariaDB 127\.0\.0\.1:\d+\/\w+ as root\): nothing accepted the connection \(ECONNREFUSED\): the database server is stopped or restarting, or MOODLE_DB_URL names the wrong host or port\. Nothing was read or stored and the checkpoint is unchanged; the next run tries again\.$/;

/** `engagement pull moodle --json` as its own process, as an administrator runs it in a shell. */
async function runPullCli(
  env: Record<string, string>,
): Promise<{ code: number | null; summary: MoodlePullSummary | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--disable-warning=DEP0111', '--import', 'tsx', join(ROOT, 'bot', 'cli.ts'), 'pull', 'moodle', '--json'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DEMO_DATA: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += String(d)));
  child.stderr?.on('data', (d: Buffer) => (stderr += String(d)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  let summary: MoodlePullSummary | null = null;
  try {
    summary = JSON.parse(stdout) as MoodlePullSummary;
  } catch {
    // Left null: the test shows what was printed.
  }
  return { code, summary, output: `${stdout}\n${stderr}` };
}

/**
 * A real MariaDB server of the test's own (never the shared one at 3306), restarted cleanly, killed
 * with -9 and left stopped while the Moodle pull reads it.
 */
describe('the Moodle pull against a MariaDB server that restarts, crashes and stops', () => {
  let maria: PrivateMariadb | undefined;
  const server = () => {
    if (!maria) throw new Error('the private MariaDB did not start');
    return maria;
  };

  beforeAll(async () => {
    maria = await startPrivateMariadb();
  });

  afterAll(async () => {
    await maria?.destroy();
  });

  /** A Moodle database on the private server with the site's users and the whole week's log. */
  async function createMoodle(seed: number): Promise<{ moodle: TestMoodle; all: SiteEvent[] }> {
    const moodle = await createTestMoodle('mysql', { mariadbUrl: server().url() });
    await moodle.insertUsers(SITE_USERS);
    return { moodle, all: generateSiteLog(seed, FIRST_DAY, 7, UNTIL) };
  }

  const deps = (db: Db, moodle: TestMoodle, overrides: Partial<MoodlePullDeps> = {}): MoodlePullDeps => ({
    db,
    logger: silentLogger,
    now: () => new Date(),
    connect: () => openMoodleConnection(moodle.settings),
    settings: PULL_SETTINGS,
    ...overrides,
  });

  /** A first, clean run reads the events before CUT; then the rest arrives. Returns what a broken run must leave as it was. */
  async function pullFirstPart(db: Db, moodle: TestMoodle, all: readonly SiteEvent[]) {
    await moodle.insertLog(all.filter((e) => e.timecreated < CUT));
    expect((await pullMoodle(deps(db, moodle))).status).toBe('succeeded');
    await moodle.insertLog(all.filter((e) => e.timecreated >= CUT));
    return { counts: await countsOf(db), checkpoint: (await findMoodleFeedState(db, MOODLE_FEED))?.checkpoint };
  }

  /** What one clean pull of the whole log counts, into a store of its own. */
  async function cleanPullCounts(kind: DatabaseKind, moodle: TestMoodle): Promise<string[]> {
    const fresh = await createTestDatabase(kind);
    try {
      await seedRoster(fresh.db);
      expect((await pullMoodle(deps(fresh.db, moodle))).status).toBe('succeeded');
      return await countsOf(fresh.db);
    } finally {
      await fresh.drop();
    }
  }

  /** A real connection on which `act` runs the pull's request for log page 2: it takes the log's lock, issues it, and breaks the server. */
  const breakingAtSecondPage =
    (moodle: TestMoodle, act: (issue: () => Promise<unknown[][]>) => Promise<unknown[][]>) => async (): Promise<MoodleConnection> => {
      const conn = await openMoodleConnection(moodle.settings);
      let pages = 0;
      return {
        ...conn,
        query: (sqlText, params) =>
          sqlText.startsWith('select id, eventname') && ++pages === 2
            ? act(() => conn.query(sqlText, params))
            : conn.query(sqlText, params),
      };
    };

  /** The page's SELECT waits on a lock the test holds, so the fault lands while it runs. */
  const whileAPageWaits = (moodle: TestMoodle, fault: () => Promise<void>) =>
    breakingAtSecondPage(moodle, async (issue) => {
      const lock = await moodle.lockLog();
      const page = issue();
      page.catch(() => undefined);
      try {
        await moodle.waitForBlockedRead();
        await fault();
      } finally {
        // The server ended the lock's session with the others.
        await lock.release().catch(() => undefined);
      }
      return page;
    });

  describe.each(DATABASE_KINDS)('our store on %s', (kind) => {
    let store: TestDatabase;
    let moodle: TestMoodle;
    let all: SiteEvent[];

    beforeEach(async () => {
      store = await createTestDatabase(kind);
      await seedRoster(store.db);
      ({ moodle, all } = await createMoodle(kind === 'sqlite' ? 41 : 43));
    });

    afterEach(async () => {
      await moodle.drop();
      await store.drop();
    });

    async function expectFailedRunLeftNothing(broken: MoodlePullSummary, before: Awaited<ReturnType<typeof pullFirstPart>>) {
      expect(broken).toMatchObject({ status: 'failed', code: 'moodle_db_connection_lost', rowsRead: 0, rowsCounted: 0 });
      expect(broken.errors[0]).toMatch(LOST);
      expect(await countsOf(store.db)).toEqual(before.counts);
      expect((await findMoodleFeedState(store.db, MOODLE_FEED))?.checkpoint).toEqual(before.checkpoint);
      const status = await describeDataStatus(store.db, ADMIN, new Date().toISOString().slice(0, 10));
      expect(status.imports.find((i) => i.source === 'moodle_login')).toMatchObject({ status: 'failed' });
    }

    async function expectNextRunCountsAsACleanPull() {
      const next = await pullMoodle(deps(store.db, moodle));
      expect(next.status).toBe('succeeded');
      const clean = await cleanPullCounts(kind, moodle);
      expect(clean.length).toBeGreaterThan(0);
      expect(await countsOf(store.db)).toEqual(clean);
    }

    it('when MariaDB shuts down cleanly and starts again while a page of the log is being read, then the run fails saying the connection was lost, stores nothing, and the next run counts as a clean pull', async () => {
      const before = await pullFirstPart(store.db, moodle, all);
      const pidBefore = server().pid();

      const broken = await pullMoodle(deps(store.db, moodle, { connect: whileAPageWaits(moodle, () => server().restart()) }));

      expect(server().pid()).not.toBe(pidBefore);
      await expectFailedRunLeftNothing(broken, before);
      await expectNextRunCountsAsACleanPull();
    });

    it('when mariadbd is killed with -9 while a page of the log is being read and starts again (crash recovery), then the run fails saying so, stores nothing, and the next run counts as a clean pull', async () => {
      const before = await pullFirstPart(store.db, moodle, all);

      const broken = await pullMoodle(
        deps(store.db, moodle, {
          connect: whileAPageWaits(moodle, async () => {
            await server().crash();
            await server().start();
          }),
        }),
      );

      expect(server().log()).toMatch(/crash recovery|Starting crash recovery|redo log/i);
      await expectFailedRunLeftNothing(broken, before);
      await expectNextRunCountsAsACleanPull();
    });
  });

  /**
   * A process of its own opens one Moodle connection with our code and queries it: at once (`blocked`: the test holds
   * the log's lock), or when told to (`idle`). Then it closes the connection and prints what it saw and which of its
   * timers are still pending; it never calls process.exit, so it ends only once nothing of the connection is left.
   * (An idle connection's error event with no listener ends a Node process; jest's own would hide that.)
   */
  function runConnectionProcess(settings: TestMoodle['settings'], mode: 'blocked' | 'idle') {
    const page = 'select id, eventname, userid, timecreated from `mdl_logstore_standard_log` where id >= 1 order by id';
    const script = `
      const loaded = await import(${JSON.stringify(join(ROOT, 'bot', 'feeds', 'moodle-db', 'moodle-connection.ts'))});
      const { openMoodleConnection } = loaded.default ?? loaded;
      const conn = await openMoodleConnection(${JSON.stringify(settings)});
      const ask = (sql) => conn.query(sql).then(() => null, (error) => ({ code: error.code, message: error.message }));
      console.log('open');
      if (${JSON.stringify(mode)} === 'idle') await new Promise((resolve) => process.stdin.once('data', resolve));
      const failure = await ask(${JSON.stringify(mode)} === 'idle' ? 'select 1' : ${JSON.stringify(page)});
      const started = performance.now();
      await conn.close();
      const closeMs = performance.now() - started;
      console.log(JSON.stringify({ failure, closeMs, timers: process.getActiveResourcesInfo().filter((r) => r === 'Timeout') }));`;
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += String(d)));
    child.stderr?.on('data', (d: Buffer) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const opened = async () => {
      // Bounded by polls: tsx compiles the connection module first.
      for (let poll = 0; poll < 400 && !output.includes('open') && child.exitCode === null; poll++) await sleep(50);
      expect(output).toContain('open');
    };
    /** Its exit code, or null if it is still running after `polls` polls (then it is killed). */
    const ended = async (polls: number) => {
      for (let poll = 0; poll < polls && child.exitCode === null; poll++) await sleep(50);
      const running = child.exitCode === null;
      if (running) child.kill('SIGKILL');
      const code = await exited;
      return running ? null : code;
    };
    const result = () =>
      JSON.parse(output.split('\n').filter(Boolean).at(-1) ?? '{}') as {
        failure: { code: string; message: string } | null;
        closeMs: number;
        timers: string[];
      };
    return { child, opened, ended, result, output: () => output };
  }

  it('when a Moodle connection is idle while the server restarts, then its process stays up and its next query says the connection was lost', async () => {
    const { moodle } = await createMoodle(47);
    const holder = runConnectionProcess(moodle.settings, 'idle');
    try {
      await holder.opened();

      await server().restart();
      // The server's closing of the idle socket arrives as an event with no query to take it.
      await sleep(300);
      const aliveAfterRestart = holder.child.exitCode === null;
      holder.child.stdin?.end('go\n');
      const code = await holder.ended(200);

      expect({ aliveAfterRestart, code, output: holder.output() }).toMatchObject({ aliveAfterRestart: true, code: 0 });
      expect(holder.result().failure?.code).toBe('moodle_db_connection_lost');
      expect(holder.result().failure?.message).toMatch(LOST);
      expect(holder.result().closeMs).toBeLessThan(1_000);
    } finally {
      holder.child.kill('SIGKILL');
      await moodle.drop();
    }
  });

  it('when the server restarts while a query waits, then the query fails at once and nothing of it is left waiting for the query time limit', async () => {
    const { moodle, all } = await createMoodle(49);
    await moodle.insertLog(all);
    const lock = await moodle.lockLog();
    const runner = runConnectionProcess({ ...moodle.settings, queryTimeoutSeconds: 120 }, 'blocked');
    try {
      runner.child.stdin?.end();
      await runner.opened();
      await moodle.waitForBlockedRead();

      await server().restart();
      await lock.release().catch(() => undefined);
      // Far less than the 120 s limit: a timer left for it would keep the process running.
      const code = await runner.ended(300);

      expect({ code, output: runner.output() }).toMatchObject({ code: 0 });
      expect(runner.result()).toMatchObject({ failure: { code: 'moodle_db_connection_lost' }, timers: [] });
      expect(runner.result().failure?.message).toMatch(LOST);
    } finally {
      runner.child.kill('SIGKILL');
      await lock.release().catch(() => undefined);
      await moodle.drop();
    }
  });

  describe('the scheduled pull in the service process, our store on PostgreSQL', () => {
    let shared: SharedDatabase | undefined;
    let moodle: TestMoodle | undefined;
    let service: ServiceProcess | undefined;

    afterAll(async () => {
      if (service && service.child.exitCode === null) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
      await moodle?.drop();
      await shared?.drop();
    });

    it('when MariaDB is down for 20 s while the job runs, then the service stays up, the run fails saying the database cannot be reached, nothing is stored, and the next run counts as a clean pull', async () => {
      shared = await createSharedDatabase('postgres');
      await seedRoster(shared.db);
      const site = await createMoodle(53);
      moodle = site.moodle;
      const before = await pullFirstPart(shared.db, moodle, site.all);
      const env = { DATABASE_URL: shared.url, MOODLE_DB_URL: moodle.settings.url, MOODLE_DB_TLS: 'off' };

      await server().stop();
      const downAt = performance.now();
      service = await startService({ ...FAST_DELIVERY_ENV, LOG_LEVEL: 'info', ...env });
      // The job runs at start; bounded by polls.
      let state = await findMoodleFeedState(shared.db, MOODLE_FEED);
      for (let poll = 0; poll < 300 && state?.lastStatus !== 'failed'; poll++) {
        await sleep(50);
        state = await findMoodleFeedState(shared.db, MOODLE_FEED);
      }
      // An administrator runs the pull by hand meanwhile.
      const byHand = await runPullCli(env);
      await sleep(Math.max(0, 20_000 - (performance.now() - downAt)));
      const healthWhileDown = await service.health();
      // Read again once the run has ended: it records its failure, then gives back the lease.
      state = await findMoodleFeedState(shared.db, MOODLE_FEED);
      await server().start();

      expect(state).toMatchObject({ lastStatus: 'failed', leaseOwner: null, checkpoint: before.checkpoint });
      expect(state?.lastError).toMatch(UNREACHABLE);
      expect(byHand).toMatchObject({ code: 1, summary: { status: 'failed', code: 'moodle_db_unreachable' } });
      expect(byHand.summary?.errors).toEqual([expect.stringMatching(UNREACHABLE)]);
      expect(healthWhileDown).toBe(200);
      expect(await countsOf(shared.db)).toEqual(before.counts);

      const next = await runPullCli(env);
      expect(next.summary).toMatchObject({ status: 'succeeded' });
      expect(next.code).toBe(0);
      expect(await countsOf(shared.db)).toEqual(await cleanPullCounts('postgres', moodle));
      expect(service.child.exitCode).toBeNull();
      expect(await service.health()).toBe(200);
      expect(service.output()).not.toMatch(/uncaught|unhandled/i);
    });
  });
});
