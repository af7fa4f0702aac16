import pino from 'pino';
import { scheduledJobs } from '../../bot/jobs';
import { PULL_MOODLE_JOB_NAME } from '../../bot/jobs/pull-moodle.job';
import { createServices } from '../../bot/services';
import { insertIdentities } from '../../bot/store/identity.repository';
import { buildTestConfig, createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';
import { buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { createTestMoodle, type TestMoodle } from '../support/moodle-db';
import { generateSiteLog, SITE_USERS } from '../support/moodle-site';

const SIAN = buildStudent({ id: 'S1000001', email: 'sian.obriain@example.ac.uk' });

describe.each(DATABASE_KINDS)('the scheduled Moodle pull, our store on %s', (kind) => {
  let t: TestDatabase;
  let moodle: TestMoodle;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedPeople(t.db, { students: [SIAN] });
    await insertIdentities(t.db, [{ sourceSystem: 'samis', externalKey: SIAN.id, studentId: SIAN.id }]);
    moodle = await createTestMoodle('mysql');
    await moodle.insertUsers(SITE_USERS);
    await moodle.insertLog(generateSiteLog(31, Date.UTC(2026, 10, 24) / 1000, 3, Date.UTC(2026, 10, 26, 8) / 1000));
  });
  afterEach(async () => {
    await moodle.drop();
    await t.drop();
  });

  it('when MOODLE_DB_URL is set, then the job is scheduled at its interval and a run stores counts and a checkpoint', async () => {
    const config = buildTestConfig({ MOODLE_DB_URL: moodle.settings.url, MOODLE_DB_TLS: 'off', MOODLE_DB_PULL_EVERY_MINUTES: '30' });
    const services = createServices(config, { db: t.db, logger: pino({ level: 'silent' }), now: () => new Date('2026-11-26T09:00:00Z') });
    const job = scheduledJobs(services).find((j) => j.name === PULL_MOODLE_JOB_NAME);

    await job?.run();

    expect(job).toMatchObject({ everyMs: 30 * 60_000, runAtStart: true });
    const counts = await t.db.selectFrom('activity_counts').selectAll().where('student_id', '=', SIAN.id).execute();
    expect(counts.length).toBeGreaterThan(0);
    const checkpoint = await t.db.selectFrom('moodle_feed_checkpoints').selectAll().executeTakeFirst();
    expect(checkpoint).toMatchObject({ feed: 'moodle-db', resume_day: '2026-11-26', last_status: 'succeeded', lease_owner: null });
  });

  it('when MOODLE_DB_URL is not set, then no pull is scheduled', () => {
    const services = createServices(buildTestConfig(), { db: t.db, logger: pino({ level: 'silent' }) });
    expect(scheduledJobs(services).map((j) => j.name)).not.toContain(PULL_MOODLE_JOB_NAME);
  });
});
