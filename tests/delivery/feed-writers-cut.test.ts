import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { PULL_CONNECTION_LOST } from '../../bot/feeds/moodle-db/pull-moodle.command';
import { COLLECTION_CONNECTION_LOST } from '../../bot/graph/collect-attendance.command';
import { migrateToLatest, type Db } from '../../bot/store/database';
import { insertIdentities } from '../../bot/store/identity.repository';
import type { Staff } from '../../bot/store/staff.repository';
import {
  cutInsideWrite,
  holdWriteLock,
  importHistory,
  observeDatabase,
  startCli,
  untilWaitingInWrite,
  WRITER,
  type Cut,
} from '../support/cut-writer';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { createTestMoodle, type TestMoodle } from '../support/moodle-db';
import { generateSiteLog, login, SITE_USERS } from '../support/moodle-site';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { startGraphStandIn, type GraphStandIn } from '../graph/graph-stand-in';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  TENANT,
  emptyWorld,
  guestRecord,
  meeting,
  seedStudentIdentities,
  studentRecord,
} from '../graph/graph-fixtures';

// A ceiling only: the waits inside are bounded by polls.
jest.setTimeout(120_000);

// SQLite has no connection to lose (the file is opened in the process): these faults exist on PostgreSQL only.
const ORGANISER = 'convenor@example.ac.uk';
const VIEWER: Staff = {
  id: 'viewer',
  departmentId: 'dept-a',
  displayName: 'Ada Admin',
  email: null,
  entraId: null,
  roles: ['department_admin'],
};
const SIAN = buildStudent({ id: 'S1000001', email: 'sian.obriain@example.ac.uk' });
const AMY = buildStudent();
const BEN = buildStudent();

const stoppedInWords = (what: string, kept: string, again: string) =>
  `engagement: ${what} stopped: the connection to the database was lost (the server restarted or stopped, or ended the connection). ${kept}, and the import history shows it as interrupted. ${again}.\n`;

/**
 * The Moodle database pull and the Graph attendance collection on a private PostgreSQL cluster, their
 * connection to our store cut while each waits inside its write transaction on a lock the test holds.
 */
describe('feeds whose database connection is cut inside their write', () => {
  let pg: PrivatePostgres | undefined;
  let db: Db | undefined;
  let moodle: TestMoodle | undefined;
  let graph: GraphStandIn | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'em-feed-cut-'));
  /** Siân's own logins and submissions in the Moodle log: the one student on our roster. */
  let sianEvents = 0;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    db = observeDatabase(pg.url({ application_name: 'em-test' }));
    await migrateToLatest(db);
    await seedDepartment(db);
    await seedPeople(db, { staff: [buildStaff({ email: ORGANISER })], students: [SIAN, AMY, BEN] });
    await insertIdentities(db, [{ sourceSystem: 'samis', externalKey: SIAN.id, studentId: SIAN.id }]);
    await seedStudentIdentities(db, [AMY, BEN]);

    moodle = await createTestMoodle('mysql');
    await moodle.insertUsers(SITE_USERS);
    const today = Math.floor(Date.now() / 86_400_000) * 86_400;
    const now = Math.floor(Date.now() / 1000);
    const log = [...generateSiteLog(21, today - 2 * 86_400, 3, now - 60), login(2113, now - 60)];
    await moodle.insertLog(log);
    sianEvents = log.filter((e) => e.userid === 2113 && e.intent !== null).length;

    graph = await startGraphStandIn(
      emptyWorld({
        organisers: [{ upn: ORGANISER, id: 'aad-convenor', hasAccessPolicy: true }],
        meetings: [
          meeting(
            'workshop',
            ORGANISER,
            [
              ['2026-11-16T10:00:00.000Z', 60],
              ['2026-11-23T10:00:00.000Z', 60],
            ],
            () => [studentRecord(AMY, 3000), studentRecord(BEN, 3000), guestRecord(7)],
          ),
        ],
      }),
    );
    writeFileSync(join(dir, 'stand-in-ca.pem'), graph.ca);
  });

  afterAll(async () => {
    await graph?.close();
    await moodle?.drop();
    await db?.destroy().catch(() => undefined);
    await pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const world = () => {
    if (!pg || !db || !moodle || !graph) throw new Error('the private PostgreSQL, test Moodle or Graph stand-in did not start');
    return { pg, db, moodle, graph };
  };
  const env = (): Record<string, string> => {
    const { pg, moodle, graph } = world();
    return {
      DATABASE_URL: pg.url({ application_name: WRITER }),
      TIME_ZONE: 'Europe/London',
      MOODLE_DB_URL: moodle.settings.url,
      MOODLE_DB_TLS: 'off',
      NODE_EXTRA_CA_CERTS: join(dir, 'stand-in-ca.pem'),
      GRAPH_TENANT_ID: TENANT,
      GRAPH_CLIENT_ID: CLIENT_ID,
      GRAPH_CLIENT_SECRET: CLIENT_SECRET,
      GRAPH_BASE_URL: graph.baseUrl,
      GRAPH_AUTHORITY_HOST: graph.authorityHost,
      GRAPH_ORGANISERS: ORGANISER,
    };
  };

  async function cutWhileWriting(args: string[], table: string, cut: Cut) {
    const { pg, db } = world();
    const lock = await holdWriteLock(pg.url(), table);
    const writer = startCli(args, env());
    const inWrite = await untilWaitingInWrite(db, writer);
    const ended = await cutInsideWrite(pg, db, lock, cut);
    const code = await writer.exited;
    return { inWrite, ended, code, stderr: writer.stderr() };
  }

  async function runToEnd(...args: string[]) {
    const writer = startCli(args, env());
    return { code: await writer.exited, stdout: writer.stdout(), stderr: writer.stderr() };
  }

  async function moodleCounts(): Promise<{ rows: number; total: number; checkpoints: number }> {
    const { rows } = await sql<{ rows: number; total: number; checkpoints: number }>`
      select (select count(*)::int from activity_counts where source like 'moodle%') as rows,
             (select coalesce(sum(count), 0)::int from activity_counts where source like 'moodle%') as total,
             (select count(*)::int from moodle_feed_checkpoints where resume_id is not null) as checkpoints`.execute(world().db);
    return rows[0] ?? { rows: -1, total: -1, checkpoints: -1 };
  }

  it("when the Moodle pull's own connection to our store is ended (pg_terminate_backend) while it replaces the counts, then it says so in one line, stored no count nor checkpoint, shows interrupted, and a re-run counts each event once", async () => {
    const { db } = world();
    const before = await moodleCounts();

    // Its import record is written first; the counts then wait on the lock.
    const cut = await cutWhileWriting(['pull', 'moodle'], 'activity_counts', 'pg_terminate_backend');

    expect(cut.inWrite).toBe(true);
    expect(cut.ended).toBeGreaterThan(0);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toBe(
      stoppedInWords('The Moodle database pull', 'No counts from it were stored', 'The next pull reads the same events again'),
    );
    expect(before).toEqual({ rows: 0, total: 0, checkpoints: 0 });
    expect(await moodleCounts()).toEqual(before);
    expect(await importHistory(db, VIEWER)).toEqual([['Moodle database', 'interrupted', [PULL_CONNECTION_LOST]]]);

    const again = await runToEnd('pull', 'moodle', '--json');
    const once = await moodleCounts();
    const third = await runToEnd('pull', 'moodle', '--json');

    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'succeeded' });
    expect(sianEvents).toBeGreaterThan(0);
    expect(once.total).toBe(sianEvents);
    expect(once.checkpoints).toBe(1);
    // The next pull reads the unfinished day again and replaces its counts: nothing is counted twice.
    expect(third).toMatchObject({ code: 0, stderr: '' });
    expect(await moodleCounts()).toEqual(once);
  });

  it('when pg_ctl restart -m fast comes while the Graph collection stores a report, then it says so in one line, stored no report, shows interrupted, and a re-run collects each report once', async () => {
    const { db } = world();
    const reports = async () =>
      (
        await sql<{ reports: number; total: number }>`
          select (select count(*)::int from graph_attendance_reports) as reports,
                 (select coalesce(sum(count), 0)::int from activity_counts where source = 'teams_attendance') as total`.execute(db)
      ).rows[0];
    const before = await reports();

    // The report's row is written first; its attendances then wait on the lock.
    const cut = await cutWhileWriting(['collect', '--since', '2026-11-01'], 'teams_attendance_sessions', 'pg_ctl restart -m fast');

    expect(cut.inWrite).toBe(true);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toBe(
      stoppedInWords(
        `The Teams attendance collection (Microsoft Graph: ${ORGANISER})`,
        'Reports stored before it stopped are kept and counted once',
        'Collect again: it resumes where each organiser was left',
      ),
    );
    expect(before).toEqual({ reports: 0, total: 0 });
    expect(await reports()).toEqual(before);
    expect(await importHistory(db, VIEWER)).toContainEqual([`Microsoft Graph: ${ORGANISER}`, 'interrupted', [COLLECTION_CONNECTION_LOST]]);

    const again = await runToEnd('collect', '--since', '2026-11-01', '--json');
    const once = await reports();
    const third = await runToEnd('collect', '--since', '2026-11-01', '--json');

    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'succeeded', reportsCollected: 2, attendancesCounted: 4 });
    expect(once).toEqual({ reports: 2, total: 4 });
    expect(third.code).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ reportsCollected: 0, reportsAlreadyCollected: 2 });
    expect(await reports()).toEqual(once);
  });
});
