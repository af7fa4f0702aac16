import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../../bot/app';
import { ConfigError, parseConfig } from '../../bot/config';
import { COLLECT_JOB_NAME } from '../../bot/jobs/collect-attendance.job';
import { scheduledJobs } from '../../bot/jobs';
import { createServices } from '../../bot/services';
import { loadDepartmentCounts } from '../../bot/store/activity.repository';
import { buildTestConfig, createTestDatabase, type TestDatabase } from '../support/databases';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startGraphStandIn, type GraphStandIn } from './graph-stand-in';
import { CLIENT_ID, CLIENT_SECRET, TENANT, emptyWorld, meeting, seedStudentIdentities, studentRecord } from './graph-fixtures';

function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const graphEnv = (standIn: GraphStandIn, extra: Record<string, string> = {}) => ({
  GRAPH_TENANT_ID: TENANT,
  GRAPH_CLIENT_ID: CLIENT_ID,
  GRAPH_CLIENT_SECRET: CLIENT_SECRET,
  GRAPH_BASE_URL: standIn.baseUrl,
  GRAPH_AUTHORITY_HOST: standIn.authorityHost,
  ...extra,
});

describe('the scheduled Teams attendance collection', () => {
  let t: TestDatabase;
  let standIn: GraphStandIn;
  const leader = buildStaff({ email: 'leader@example.ac.uk' });
  const amy = buildStudent();

  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [leader], students: [amy] });
    await seedStudentIdentities(t.db, [amy]);
    // No GRAPH_ORGANISERS: the job reads the staff in the roster, addressed by Entra object id.
    standIn = await startGraphStandIn(
      emptyWorld({
        organisers: [{ upn: 'leader@example.ac.uk', id: leader.entraId ?? '', hasAccessPolicy: true }],
        meetings: [meeting('lab', 'leader@example.ac.uk', [['2026-11-25T13:00:00.000Z', 120]], () => [studentRecord(amy, 5400)])],
      }),
    );
  });
  afterEach(async () => {
    await standIn.close();
    await t.drop();
  });

  it('when Graph is configured, then the job runs daily by default and collects from the staff in the roster', async () => {
    const services = createServices(buildTestConfig(graphEnv(standIn)), {
      db: t.db,
      logger: pino({ level: 'silent' }),
      now: () => new Date('2026-11-27T02:00:00.000Z'),
      graphConnection: { trustedCa: standIn.ca },
    });
    const job = scheduledJobs(services).find((j) => j.name === COLLECT_JOB_NAME);

    await job?.run();

    expect(job).toMatchObject({ name: COLLECT_JOB_NAME, everyMs: 24 * 3_600_000, runAtStart: true });
    const counts = await loadDepartmentCounts(t.db, 'dept-a', '2026-11-01', '2026-11-30');
    expect(counts.get(amy.id)?.get('2026-11-25')).toEqual({ teams_attendance: 1 });
    expect(standIn.stats.paths[0]).toContain(`/users/${encodeURIComponent(leader.entraId ?? '')}/calendarView`);
  });

  it('when Graph is not configured, then the service says once that collection is off and schedules no collection', async () => {
    const { logger, lines } = capturingLogger();

    const app = createApp(buildTestConfig(), { logger });
    try {
      await expect(app.scheduler.trigger(COLLECT_JOB_NAME)).rejects.toThrow(`no job named ${COLLECT_JOB_NAME}`);
      expect(lines.filter((l) => l.msg.includes('Teams attendance collection through Microsoft Graph is off'))).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});

describe('Graph settings', () => {
  it('when only a tenant and a secret are given, then every missing setting is named at once', () => {
    expect(() => parseConfig({ GRAPH_TENANT_ID: TENANT, GRAPH_CLIENT_SECRET: 's', GRAPH_CLIENT_CERTIFICATE_PATH: '/x.pem' })).toThrow(
      new ConfigError([
        "GRAPH_CLIENT_ID: required to collect Teams attendance (the app registration's client id)",
        'GRAPH_CLIENT_SECRET and GRAPH_CLIENT_CERTIFICATE_PATH: set only one of them',
      ]),
    );
  });

  it('when the Graph base URL is plain http, then it is refused because Graph tokens only travel over https', () => {
    expect(() => parseConfig({ GRAPH_BASE_URL: 'http://graph.local' })).toThrow(
      'GRAPH_BASE_URL: expected an https URL: Graph tokens are only sent over https',
    );
  });

  it('when Graph is fully configured, then organisers are split and defaults apply', () => {
    const config = parseConfig({
      GRAPH_TENANT_ID: TENANT,
      GRAPH_CLIENT_ID: CLIENT_ID,
      GRAPH_CLIENT_CERTIFICATE_PATH: '/etc/em/app.pem',
      GRAPH_ORGANISERS: 'a@example.ac.uk, b@example.ac.uk;c@example.ac.uk',
    });

    expect(config.graph).toEqual({
      tenantId: TENANT,
      clientId: CLIENT_ID,
      credential: { kind: 'certificate', path: '/etc/em/app.pem' },
      baseUrl: 'https://graph.microsoft.com',
      authorityHost: 'https://login.microsoftonline.com',
      organisers: ['a@example.ac.uk', 'b@example.ac.uk', 'c@example.ac.uk'],
      minMinutes: 10,
      lookbackDays: 28,
      collectEveryHours: 24,
      requestTimeoutSeconds: 60,
    });
    expect(parseConfig({}).graph).toBeNull();
  });
});
