import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMoodleConnection, type MoodleConnection } from '../../bot/feeds/moodle-db/moodle-connection';
import { MOODLE_FEED, pullMoodle, type MoodlePullDeps } from '../../bot/feeds/moodle-db/pull-moodle.command';
import { findMoodleFeedState } from '../../bot/store/moodle-feed.repository';
import { importExport } from '../../bot/ingest/import.command';
import { importMoodleUsers } from '../../bot/ingest/identity-imports.command';
import { describeDataStatus } from '../../bot/commands/data-status.command';
import { loadCoverage } from '../../bot/store/import.repository';
import { createTestDatabase, DATABASE_KINDS, silentLogger, type TestDatabase } from '../support/databases';
import { buildStaff, seedPeople } from '../support/factories';
import { ADMIN, countsOf, intendedCounts, seedRoster } from '../support/moodle-roster';
import { createTestMoodle, MOODLE_ENGINES, type TestMoodle } from '../support/moodle-db';
import { generateSiteLog, SITE_USERS, TEACHER, writeLogstoreCsv, writeUsersCsv } from '../support/moodle-site';
import { CAMPUS, ingestConfig } from '../ingest/support';

const FIRST_DAY = Date.UTC(2026, 10, 20) / 1000;
const NOW = new Date('2026-11-27T09:00:00Z');

describe.each(DATABASE_KINDS)('Moodle database pull, our store on %s', (kind) => {
  describe.each(MOODLE_ENGINES)('Moodle on %s', (engine) => {
    let store: TestDatabase;
    let moodle: TestMoodle;
    let dir: string;
    let clock: Date;

    const deps = (overrides: Partial<MoodlePullDeps> = {}): MoodlePullDeps => ({
      db: store.db,
      logger: silentLogger,
      now: () => clock,
      connect: () => openMoodleConnection(moodle.settings),
      settings: { timeZone: CAMPUS, lookbackDays: 14, maxLagMinutes: 180, pageSize: 40 },
      ...overrides,
    });

    beforeEach(async () => {
      clock = NOW;
      dir = mkdtempSync(join(tmpdir(), 'moodle-pull-'));
      store = await createTestDatabase(kind);
      await seedRoster(store.db);
      moodle = await createTestMoodle(engine);
      await moodle.insertUsers(SITE_USERS);
    });

    afterEach(async () => {
      await moodle.drop();
      await store.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('when the log is pulled, then the counts equal those of the CSV import of the same rows, and what was meant', async () => {
      const events = generateSiteLog(7, FIRST_DAY, 8, NOW.getTime() / 1000 - 1_800);
      await moodle.insertLog(events);

      const summary = await pullMoodle(deps(), { since: '2026-11-20' });

      // The same events, dumped from the Moodle table, through the CSV importers into a second store.
      const other = await createTestDatabase(kind);
      try {
        await seedRoster(other.db);
        const rows = await moodle.exec(
          `select * from ${engine === 'mysql' ? '`mdl_logstore_standard_log`' : 'mdl_logstore_standard_log'} order by id`,
        );
        writeLogstoreCsv(join(dir, 'logstore.csv'), rows as Array<Record<string, unknown>>);
        writeUsersCsv(join(dir, 'users.csv'), SITE_USERS);
        const csvDeps = { db: other.db, ingest: ingestConfig(), campusTimeZone: CAMPUS, now: () => NOW };
        expect((await importMoodleUsers(csvDeps, { path: join(dir, 'users.csv') })).status).toBe('succeeded');
        const csv = await importExport(csvDeps, { source: 'moodle', path: join(dir, 'logstore.csv') });
        expect(csv.status).toBe('succeeded');

        expect(summary.status).toBe('succeeded');
        expect(await countsOf(store.db)).toEqual(await countsOf(other.db));
        expect(summary.rowsCounted).toBe(csv.rowsCounted);
      } finally {
        await other.drop();
      }
      expect(await countsOf(store.db)).toEqual(intendedCounts(events));
      expect(summary.users).toMatchObject({ read: SITE_USERS.length, deleted: 1, suspended: 1, linked: 3 });
      // Nov 27 is still going on: coverage stops at the 26th.
      expect(summary.period).toEqual({ start: '2026-11-20', end: '2026-11-26' });
      const coverage = await loadCoverage(store.db, '2026-11-19', '2026-11-27');
      expect([...(coverage.get('moodle_login') ?? [])].sort()).toEqual(
        ['20', '21', '22', '23', '24', '25', '26'].map((d) => `2026-11-${d}`),
      );
    });

    it('when a Moodle user is a member of staff by e-mail, then their events are "staff, ignored", not unlinked', async () => {
      await seedPeople(store.db, { staff: [buildStaff({ id: 'staff-teacher', email: 'dr.staff@example.ac.uk' })] });
      await moodle.insertLog(generateSiteLog(7, FIRST_DAY, 2, NOW.getTime() / 1000 - 1_800));

      const summary = await pullMoodle(deps(), { since: '2026-11-20' });

      expect(summary.status).toBe('succeeded');
      expect(summary.staff.keys).toEqual([`moodle:${TEACHER}`]);
      expect(summary.rowsStaff).toBeGreaterThan(0);
      expect(summary.unresolved.keys).not.toContain(`moodle:${TEACHER}`);
      expect(summary.warnings.join(' ')).toMatch(/member\(s\) of staff \(staff, ignored\)/);
    });

    it('when more events arrive and the pull runs again, then each event is counted once and a run with nothing new changes nothing', async () => {
      const all = generateSiteLog(11, FIRST_DAY, 8, NOW.getTime() / 1000 - 1_800);
      const cut = Date.UTC(2026, 10, 25, 13) / 1000;
      await moodle.insertLog(all.filter((e) => e.timecreated < cut));
      clock = new Date(cut * 1000 + 600_000);
      const first = await pullMoodle(deps(), { since: '2026-11-20' });
      expect(first.period).toEqual({ start: '2026-11-20', end: '2026-11-24' });

      await moodle.insertLog(all.filter((e) => e.timecreated >= cut));
      clock = NOW;
      const second = await pullMoodle(deps());
      const third = await pullMoodle(deps());

      expect(second.status).toBe('succeeded');
      expect(second.period).toEqual({ start: '2026-11-25', end: '2026-11-26' });
      expect(await countsOf(store.db)).toEqual(intendedCounts(all));
      expect(third.period).toBeNull();
      expect(third.rowsCounted).toBeGreaterThan(0);
      expect(await countsOf(store.db)).toEqual(intendedCounts(all));
      // The second run re-read the 25th from its first entry rather than from the last one read.
      expect(second.recounted?.start).toBe('2026-11-25');
    });

    it('when --since re-reads days already pulled, then their counts are replaced, not added', async () => {
      const events = generateSiteLog(3, FIRST_DAY, 8, NOW.getTime() / 1000 - 1_800);
      await moodle.insertLog(events);
      await pullMoodle(deps(), { since: '2026-11-20' });
      const again = await pullMoodle(deps(), { since: '2026-11-22' });
      expect(again.status).toBe('succeeded');
      expect(await countsOf(store.db)).toEqual(intendedCounts(events));
    });

    it('when two instances pull at once, then one reads and the other skips, and nothing is counted twice', async () => {
      const events = generateSiteLog(5, FIRST_DAY, 8, NOW.getTime() / 1000 - 1_800);
      await moodle.insertLog(events);
      // Moodle answers only once one of the two has returned, so the pulls overlap however the machine schedules them:
      // the skipped one returns at once; had both taken the lease, both would wait here (until the 5 s fallback) and both succeed.
      let answer: () => void = () => undefined;
      const moodleAnswers = new Promise<void>((resolve) => (answer = resolve));
      const fallback = setTimeout(() => answer(), 5_000);
      const slowMoodle = async () => {
        await moodleAnswers;
        return openMoodleConnection(moodle.settings);
      };
      const runs = ['instance-a', 'instance-b'].map((owner) => pullMoodle(deps({ owner, connect: slowMoodle }), { since: '2026-11-20' }));
      await Promise.race(runs);
      answer();
      const results = await Promise.all(runs);
      clearTimeout(fallback);
      expect(results.map((r) => r.status).sort()).toEqual(['skipped', 'succeeded']);
      expect(results.find((r) => r.status === 'skipped')?.warnings[0]).toMatch(/Another instance is pulling/);
      expect(await countsOf(store.db)).toEqual(intendedCounts(events));
    });

    /**
     * A first pull reads the days before `cut`; then the rest of the log arrives. Returns what a run that
     * breaks must leave as it was, and every event.
     */
    const pullFirstPart = async (seed: number) => {
      const all = generateSiteLog(seed, FIRST_DAY, 8, NOW.getTime() / 1000 - 1_800);
      const cut = Date.UTC(2026, 10, 25, 13) / 1000;
      await moodle.insertLog(all.filter((e) => e.timecreated < cut));
      clock = new Date(cut * 1000 + 600_000);
      expect((await pullMoodle(deps(), { since: '2026-11-20' })).status).toBe('succeeded');
      await moodle.insertLog(all.filter((e) => e.timecreated >= cut));
      clock = NOW;
      return { all, counts: await countsOf(store.db), checkpoint: (await findMoodleFeedState(store.db, MOODLE_FEED))?.checkpoint };
    };

    /** A real connection on which `act` runs the pull's request for log page `at` (counted from 1): it takes a lock, kills, then `issue`s it. */
    const breakingAtPage =
      (at: number, act: (issue: () => Promise<unknown[][]>) => Promise<unknown[][]>, timeoutSeconds = 120) =>
      async (): Promise<MoodleConnection> => {
        const conn = await openMoodleConnection({ ...moodle.settings, queryTimeoutSeconds: timeoutSeconds });
        let pages = 0;
        return {
          ...conn,
          query: (sqlText, params) =>
            sqlText.startsWith('select id, eventname') && ++pages === at
              ? act(() => conn.query(sqlText, params))
              : conn.query(sqlText, params),
        };
      };

    it('when the connection to Moodle is killed in the middle of the paged read, then the run fails saying so, stores nothing, and the next run counts as a clean pull', async () => {
      const before = await pullFirstPart(17);
      let killed = 0;
      const connect = breakingAtPage(2, async (issue) => {
        // The page's SELECT waits on a lock, so the kill lands while it runs, as a server restart would.
        const lock = await moodle.lockLog();
        const page = issue();
        page.catch(() => undefined);
        try {
          await moodle.waitForBlockedRead();
          killed = await moodle.killSessions();
        } finally {
          await lock.release();
        }
        return page;
      });

      const broken = await pullMoodle(deps({ connect, settings: { ...deps().settings, pageSize: 10 } }));

      expect(killed).toBe(1);
      expect(broken).toMatchObject({ status: 'failed', code: 'moodle_db_connection_lost', rowsRead: 0, rowsCounted: 0 });
      expect(broken.errors[0]).toMatch(
        /^The connection to the Moodle database \((MySQL\/MariaDB|PostgreSQL) 127\.0\.0\.1:\d+\/\w+ as \w+\) was lost during the pull: /,
      );
      expect(broken.errors[0]).toMatch(/Nothing from this run was counted and the checkpoint is unchanged/);
      expect(await countsOf(store.db)).toEqual(before.counts);
      expect((await findMoodleFeedState(store.db, MOODLE_FEED))?.checkpoint).toEqual(before.checkpoint);

      const next = await pullMoodle(deps());
      expect(next.status).toBe('succeeded');
      expect(next.period).toEqual({ start: '2026-11-25', end: '2026-11-26' });
      expect(await countsOf(store.db)).toEqual(intendedCounts(before.all));
    });

    it('when a query never answers (the log table locked), then the run fails after the configured timeout, stores nothing, and the next run completes', async () => {
      const before = await pullFirstPart(19);
      let lock: { release(): Promise<void> } | null = null;
      const connect = breakingAtPage(
        2,
        async (issue) => {
          lock = await moodle.lockLog();
          return issue();
        },
        1,
      );
      try {
        const started = performance.now();
        const stuck = await pullMoodle(deps({ connect, settings: { ...deps().settings, pageSize: 10 } }));
        const seconds = (performance.now() - started) / 1000;

        expect(stuck).toMatchObject({ status: 'failed', code: 'moodle_db_timeout', rowsRead: 0, rowsCounted: 0 });
        expect(stuck.errors[0]).toMatch(
          /^The Moodle database did not answer within 1 s \((MySQL\/MariaDB|PostgreSQL) 127\.0\.0\.1:\d+\/\w+ as \w+\).*MOODLE_DB_QUERY_TIMEOUT_SECONDS/,
        );
        expect(seconds).toBeLessThan(8);
        expect(await countsOf(store.db)).toEqual(before.counts);
        expect((await findMoodleFeedState(store.db, MOODLE_FEED))?.checkpoint).toEqual(before.checkpoint);
      } finally {
        await (lock as { release(): Promise<void> } | null)?.release();
      }

      const next = await pullMoodle(deps());
      expect(next.status).toBe('succeeded');
      expect(await countsOf(store.db)).toEqual(intendedCounts(before.all));
    }, 30_000);

    it('when the log table is empty, then the run says so and claims no day', async () => {
      const summary = await pullMoodle(deps());
      expect(summary.status).toBe('succeeded');
      expect(summary.warnings[0]).toMatch(/mdl_logstore_standard_log is empty/);
      expect(summary.period).toBeNull();
      expect(summary.recounted).toBeNull();
      expect(summary.users.linked).toBe(3);
    });

    it('when the password is wrong, then the run fails saying so on the data page, and nothing changes', async () => {
      const url = new URL(moodle.settings.url);
      url.username = 'moodle_reader_that_does_not_exist';
      url.password = 'wrong-password';
      const summary = await pullMoodle(deps({ connect: () => openMoodleConnection({ ...moodle.settings, url: url.toString() }) }));
      expect(summary).toMatchObject({ status: 'failed', code: 'moodle_db_credentials' });
      expect(summary.errors[0]).toMatch(/refused the user name or password/);
      expect(summary.errors[0]).not.toContain('wrong-password');
      const status = await describeDataStatus(store.db, ADMIN, '2026-11-27');
      const moodleRuns = status.imports.filter((i) => i.source === 'moodle_login');
      expect(moodleRuns[0]).toMatchObject({ status: 'failed' });
      expect(moodleRuns[0]?.errors[0]).toMatch(/refused the user name or password/);
      expect(await countsOf(store.db)).toEqual([]);
    });

    it('when TLS is required but cannot be set up with this server, then the run says it is the secure connection that failed', async () => {
      const summary = await pullMoodle(
        deps({ connect: () => openMoodleConnection({ ...moodle.settings, tls: { mode: 'verify', caPath: null } }) }),
      );
      expect(summary).toMatchObject({ status: 'failed', code: 'moodle_db_tls' });
      expect(summary.errors[0]).toMatch(/secure connection to the Moodle database failed.*MOODLE_DB_TLS/);
    });

    it('when the log table lacks a column (another Moodle version), then the run names it and reads nothing', async () => {
      await moodle.drop();
      moodle = await createTestMoodle(engine, {
        logColumns: [
          'id',
          'eventname',
          'component',
          'action',
          'target',
          'crud',
          'edulevel',
          'contextid',
          'contextlevel',
          'contextinstanceid',
          'userid',
          'courseid',
          'relateduserid',
          'timecreated',
          'origin',
          'ip',
        ],
      });
      await moodle.insertUsers(SITE_USERS);
      const summary = await pullMoodle(deps());
      expect(summary).toMatchObject({ status: 'failed', code: 'moodle_db_schema' });
      expect(summary.errors[0]).toMatch(/mdl_logstore_standard_log has no column realuserid/);
    });

    it('when the prefix is wrong, then the run says the tables are missing and names the prefix', async () => {
      const summary = await pullMoodle(deps({ connect: () => openMoodleConnection({ ...moodle.settings, prefix: 'moodle_' }) }));
      expect(summary).toMatchObject({ status: 'failed', code: 'moodle_db_schema' });
      expect(summary.errors[0]).toMatch(/table moodle_logstore_standard_log is missing.*MOODLE_DB_PREFIX \(now "moodle_"\)/);
    });

    it('when the replica lags two days behind, then the run warns and claims only the days before its newest entry', async () => {
      const events = generateSiteLog(9, FIRST_DAY, 5, Infinity);
      await moodle.insertLog(events);
      const summary = await pullMoodle(deps(), { since: '2026-11-20' });
      expect(summary.status).toBe('succeeded');
      expect(summary.warnings.join(' ')).toMatch(/looks behind: its newest log entry is from 2026-11-24.*stopped replicating/);
      expect(summary.period).toEqual({ start: '2026-11-20', end: '2026-11-23' });
      const status = await describeDataStatus(store.db, ADMIN, '2026-11-27');
      expect(status.imports.find((i) => i.source === 'moodle_login')?.errors.join(' ')).toMatch(/looks behind/);
    });

    it('when the Moodle database is restored from an older copy, then the run refuses, keeps the counts, and --since recovers', async () => {
      const events = generateSiteLog(13, FIRST_DAY, 8, NOW.getTime() / 1000 - 1_800);
      await moodle.insertLog(events);
      await pullMoodle(deps(), { since: '2026-11-20' });
      const before = await countsOf(store.db);

      const restoredUntil = Date.UTC(2026, 10, 24) / 1000;
      await moodle.drop();
      moodle = await createTestMoodle(engine);
      await moodle.insertUsers(SITE_USERS);
      await moodle.insertLog(events.filter((e) => e.timecreated < restoredUntil));

      const refused = await pullMoodle(deps());
      expect(refused).toMatchObject({ status: 'failed', code: 'moodle_db_checkpoint_ahead' });
      expect(refused.errors[0]).toMatch(/restored from an older copy.*--since/);
      expect(await countsOf(store.db)).toEqual(before);

      const recovered = await pullMoodle(deps(), { since: '2026-11-20' });
      expect(recovered.status).toBe('succeeded');
      expect(recovered.recounted).toEqual({ start: '2026-11-20', end: '2026-11-23' });
      // The days the copy still holds are rebuilt, not added to; later days keep what was read before the restore.
      expect(await countsOf(store.db)).toEqual(before);
      expect(before).toEqual(intendedCounts(events));
    });
  });
});
