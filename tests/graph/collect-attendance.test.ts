import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { createVirtualTime } from '../support/virtual-time';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { loadCoverage } from '../../bot/store/import.repository';
import { collectAttendance } from '../../bot/graph/collect-attendance.command';
import { startGraphStandIn, generateCertificate, type GraphStandIn, type GraphWorld, type StandInOptions } from './graph-stand-in';
import {
  TENANT,
  anonymousRecord,
  collectDeps,
  emptyWorld,
  externalRecord,
  guestRecord,
  meeting,
  seedStudentIdentities,
  staffRecord,
  studentRecord,
  teamsCounts as teamsCountsIn,
  threeSessionTutorial,
} from './graph-fixtures';

const RUN_AT = '2026-11-27T06:00:00.000Z';
const LATER = '2026-11-28T06:00:00.000Z';
const ORGANISER = 'leader@example.ac.uk';
const SECOND_ORGANISER = 'second@example.ac.uk';

const leader = buildStaff({ email: ORGANISER, entraId: 'aad-leader' });
const ta = buildStaff({ email: 'ta@example.ac.uk', entraId: 'aad-ta' });
const [amy, ben, cat, dan] = [buildStudent(), buildStudent(), buildStudent(), buildStudent()] as const;

/**
 * One module leader: a lecture on the 24th with every kind of attendee, a recurring tutorial with
 * three sessions (two on the 24th), an ordinary calendar entry and someone else's meeting.
 */
function moduleWorld(overrides: Partial<GraphWorld> = {}): GraphWorld {
  const lecture = meeting('lecture', ORGANISER, [['2026-11-24T10:00:00.000Z', 60]], () => lectureRecords());
  // Two participants opted out of attendance reports: counted by Graph, absent from the records.
  for (const report of lecture.reports) report.totalParticipantCount = report.records.length + 2;
  return emptyWorld({
    organisers: [{ upn: ORGANISER, id: 'aad-leader', hasAccessPolicy: true }],
    meetings: [lecture, threeSessionTutorial(ORGANISER, amy, dan)],
    otherEvents: [
      {
        organiser: ORGANISER,
        subject: 'Exam board',
        isOnlineMeeting: false,
        isOrganizer: true,
        start: '2026-11-23T10:00:00.000Z',
        end: '2026-11-23T11:00:00.000Z',
      },
      {
        organiser: ORGANISER,
        subject: 'Faculty briefing',
        isOnlineMeeting: true,
        isOrganizer: false,
        joinUrl: 'https://teams.microsoft.com/l/meetup-join/someone-else',
        start: '2026-11-25T10:00:00.000Z',
        end: '2026-11-25T11:00:00.000Z',
      },
    ],
    ...overrides,
  });
}

/** The lecture: three students (one short stay), a guest, an anonymous joiner, an external, staff, and someone unknown. */
function lectureRecords() {
  return [
    studentRecord(amy, 3000),
    studentRecord(ben, 1200, 'email'),
    studentRecord(cat, 300),
    guestRecord(1),
    anonymousRecord('Parent of a student'),
    externalRecord(1),
    staffRecord(ta),
    staffRecord(leader, 'Organizer'),
    {
      emailAddress: 'nobody-known@example.ac.uk',
      totalAttendanceInSeconds: 3000,
      role: 'Attendee' as const,
      identity: { id: 'aad-unknown', displayName: 'Unknown Person', tenantId: TENANT },
    },
  ];
}

const EXPECTED_COUNTS = {
  [amy.id]: { '2026-11-20': 1, '2026-11-24': 3 },
  [ben.id]: { '2026-11-24': 1 },
  [dan.id]: { '2026-11-20': 1 },
};

const teamsCounts = (t: TestDatabase) => teamsCountsIn(t.db);

/** A local port nothing listens on any more: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(DATABASE_KINDS)('Teams attendance collection on %s', (kind) => {
  let t: TestDatabase;
  let standIn: GraphStandIn | undefined;

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [leader, ta], students: [amy, ben, cat, dan] });
    await seedStudentIdentities(t.db, [amy, ben, cat, dan]);
  });
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
    await t.drop();
  });

  const start = async (world: GraphWorld, options: StandInOptions = {}) => (standIn = await startGraphStandIn(world, options));
  // Retry waits pass in virtual time (no jitter): a test asserts the waits asked for instead of sitting through them.
  let time = createVirtualTime(Date.parse(RUN_AT), () => 0);
  beforeEach(() => {
    time = createVirtualTime(Date.parse(RUN_AT), () => 0);
  });
  const run = (now = RUN_AT, opts: Parameters<typeof collectAttendance>[1] = {}, settings = {}) => {
    if (!standIn) throw new Error('start the stand-in first');
    return collectAttendance(collectDeps(t.db, standIn, { now, settings: { organisers: [ORGANISER], ...settings }, timers: time }), opts);
  };

  it('when an organiser held meetings, then each student who stayed the minimum counts once per session, and everyone else is skipped, counted or reported', async () => {
    await start(moduleWorld());

    const summary = await run();

    expect(await teamsCounts(t)).toEqual(EXPECTED_COUNTS);
    expect(summary).toMatchObject({
      status: 'succeeded',
      meetings: 2,
      reportsCollected: 4,
      recordsRead: 9 + 2 + 1 + 1,
      attendancesCounted: 6,
      skipped: { guests: 2, externals: 1, staff: 2, belowMinimum: 1 },
      notInReports: 2,
      unknown: { count: 1, keys: ['nobody-known@example.ac.uk'] },
    });
    // Covered: from the 28-day look-back to yesterday (today's sessions may still be going on).
    const covered = [...((await loadCoverage(t.db, '2026-10-01', '2026-11-30')).get('teams_attendance') ?? [])].sort();
    expect([covered[0], covered.at(-1), covered.length]).toEqual(['2026-10-30', '2026-11-26', 28]);
    // The invitee-only meeting is never resolved: only meetings the organiser owns are.
    expect(standIn?.stats.paths.filter((p) => p.includes('someone-else'))).toEqual([]);
  });

  it('when the collection runs again, then nothing is counted twice and collected reports are not read again', async () => {
    await start(moduleWorld());
    await run();
    standIn?.resetStats();

    const again = await run(LATER);
    const forced = await run(LATER, { since: '2026-11-01' });

    expect(await teamsCounts(t)).toEqual(EXPECTED_COUNTS);
    // The second run starts from the checkpoint (less two days' overlap), so older sessions are not even listed.
    expect(again).toMatchObject({ status: 'succeeded', reportsCollected: 0, attendancesCounted: 0 });
    expect(forced).toMatchObject({ reportsCollected: 0, reportsAlreadyCollected: 4 });
    expect(standIn?.stats.paths.some((p) => p.includes('attendanceRecords'))).toBe(false);
  });

  it('when one organiser is collected on request, then their sessions count but the run claims no coverage for the source', async () => {
    await start(moduleWorld());

    const summary = await run(RUN_AT, { organiser: ORGANISER, since: '2026-11-01' });

    expect(summary.status).toBe('succeeded');
    expect(await teamsCounts(t)).toEqual(EXPECTED_COUNTS);
    expect((await loadCoverage(t.db, '2026-11-01', '2026-11-30')).get('teams_attendance')?.size).toBe(0);
  });

  it('when Graph throttles whole requests, batch envelopes and single requests inside a batch, then the run retries them and counts the same', async () => {
    await start(moduleWorld(), {
      faults: [
        { pathIncludes: 'calendarView', status: 503, times: 1, retryAfter: '1', where: 'direct' },
        { pathIncludes: '$batch', status: 429, times: 1, retryAfter: '1', where: 'direct' },
        { pathIncludes: 'tutorial-report-1/attendanceRecords', status: 429, times: 1, retryAfter: '1', where: 'batch' },
        { pathIncludes: 'lecture-report-0/attendanceRecords', status: 429, times: 1, retryAfter: '1', where: 'batch' },
      ],
    });

    const summary = await run();

    expect(summary.status).toBe('succeeded');
    expect(await teamsCounts(t)).toEqual(EXPECTED_COUNTS);
    expect(summary.requests.throttled).toBe(4);
    expect(standIn?.stats.paths.filter((p) => p.includes('tutorial-report-1/attendanceRecords'))).toHaveLength(2);
    expect(standIn?.stats.batchEnvelopes).toBe(5);
    // Each Retry-After of 1 s was waited in full: the calendar view, the $batch envelope, and once for the
    // two requests throttled inside one batch (retried together).
    expect(time.waits).toEqual([1000, 1000, 1000]);
  });

  it('when one organiser has no application access policy, then that organiser is skipped with the admin commands to fix it and the others are collected', async () => {
    const world = moduleWorld();
    world.organisers.push({ upn: SECOND_ORGANISER, id: 'aad-second', hasAccessPolicy: false });
    world.meetings.push(meeting('seminar', SECOND_ORGANISER, [['2026-11-25T10:00:00.000Z', 60]], () => [studentRecord(ben, 3600)]));
    await start(world);

    const summary = await run(RUN_AT, {}, { organisers: [SECOND_ORGANISER, ORGANISER] });

    expect(await teamsCounts(t)).toEqual(EXPECTED_COUNTS);
    expect(summary.status).toBe('failed');
    const skipped = summary.organisers.find((o) => o.organiser === SECOND_ORGANISER);
    expect(skipped).toMatchObject({ status: 'failed', problem: { code: 'graph_access_policy_missing' } });
    expect(skipped?.problem?.message).toContain(
      `New-CsApplicationAccessPolicy -Identity EngagementMonitor-Attendance -AppIds "${collectDeps(t.db, standIn!, { now: RUN_AT }).settings.clientId}"`,
    );
    expect(skipped?.problem?.message).toContain(
      `Grant-CsApplicationAccessPolicy -PolicyName EngagementMonitor-Attendance -Identity "${SECOND_ORGANISER}"`,
    );
    expect(summary.organisers.find((o) => o.organiser === ORGANISER)?.status).toBe('succeeded');
    // A partial run claims no coverage, so the missing meetings are unknown to the rules rather than zero.
    expect((await loadCoverage(t.db, '2026-11-01', '2026-11-30')).get('teams_attendance')?.size).toBe(0);
  });

  it('when two collections run at once over the same meetings, then every session is counted exactly once', async () => {
    const world = moduleWorld();
    world.organisers.push({ upn: SECOND_ORGANISER, id: 'aad-second', hasAccessPolicy: true });
    // The second organiser's sessions fall on the same days as the first's, so both runs rebuild the same student-days.
    world.meetings.push(
      meeting(
        'co-taught',
        SECOND_ORGANISER,
        [
          ['2026-11-24T13:00:00.000Z', 60],
          ['2026-11-20T10:00:00.000Z', 60],
        ],
        () => [studentRecord(amy, 3600), studentRecord(dan, 3600)],
      ),
    );
    await start(world);
    const organisers = [ORGANISER, SECOND_ORGANISER];

    const [a, b] = await Promise.all([run(RUN_AT, {}, { organisers }), run(RUN_AT, {}, { organisers: [...organisers].reverse() })]);

    expect(a.reportsCollected + b.reportsCollected).toBe(6);
    expect(await teamsCounts(t)).toEqual({
      ...EXPECTED_COUNTS,
      [amy.id]: { '2026-11-20': 2, '2026-11-24': 4 },
      [dan.id]: { '2026-11-20': 2, '2026-11-24': 1 },
    });
  });

  it('when lists come in small pages, some empty, and a recurring meeting nears the 50-report limit, then every page is read in batches of at most 20 and the limit is warned about', async () => {
    const sessions: Array<[string, number]> = Array.from({ length: 48 }, (_, i) => [
      new Date(Date.parse('2026-11-26T08:00:00.000Z') - i * 12 * 3_600_000).toISOString(),
      30,
    ]);
    const weekly = meeting('drop-in', ORGANISER, sessions, (i) =>
      i % 2 === 0 ? [studentRecord(amy, 1500), studentRecord(ben, 1500), studentRecord(dan, 1500)] : [studentRecord(cat, 1500)],
    );
    const many = Array.from({ length: 25 }, (_, i) =>
      meeting(`class-${i}`, ORGANISER, [[`2026-11-${String(10 + (i % 10)).padStart(2, '0')}T09:00:00.000Z`, 50]], () => [
        studentRecord(amy, 1800),
        studentRecord(ben, 1800),
        studentRecord(cat, 1800),
      ]),
    );
    await start(emptyWorld({ organisers: [{ upn: ORGANISER, id: 'aad-leader', hasAccessPolicy: true }], meetings: [weekly, ...many] }), {
      pageSize: { events: 7, reports: 9, records: 2 },
      emptyFirstPages: true,
    });

    const summary = await run();

    expect(summary).toMatchObject({
      status: 'succeeded',
      meetings: 26,
      reportsCollected: 48 + 25,
      attendancesCounted: 24 * 3 + 24 + 25 * 3,
    });
    expect(summary.warnings).toEqual([
      expect.stringContaining(
        '"Module meeting drop-in" of leader@example.ac.uk has 48 attendance reports; Graph keeps only the 50 most recent',
      ),
    ]);
    const counts = await teamsCounts(t);
    const total = (id: string) => Object.values(counts[id] ?? {}).reduce((a, b) => a + b, 0);
    expect([total(amy.id), total(ben.id), total(cat.id), total(dan.id)]).toEqual([24 + 25, 24 + 25, 24 + 25, 24]);
    expect(standIn?.stats.batchEnvelopes).toBeGreaterThan(0);
    expect(standIn?.stats.paths.some((p) => p.includes('$skiptoken'))).toBe(true);
  });

  it('when a recurring meeting had more sessions in the window than Graph keeps, then the 50 kept are counted and the loss is named', async () => {
    const sessions: Array<[string, number]> = Array.from({ length: 55 }, (_, i) => [
      new Date(Date.parse('2026-11-26T18:00:00.000Z') - i * 6 * 3_600_000).toISOString(),
      30,
    ]);
    await start(
      emptyWorld({
        organisers: [{ upn: ORGANISER, id: 'aad-leader', hasAccessPolicy: true }],
        meetings: [meeting('help-desk', ORGANISER, sessions, () => [studentRecord(amy, 1200)])],
      }),
    );

    const summary = await run();

    expect(summary).toMatchObject({ reportsCollected: 50, attendancesCounted: 50 });
    expect(summary.warnings).toEqual([
      expect.stringMatching(
        /^The meeting "Module meeting help-desk" of leader@example.ac.uk has more sessions than Graph keeps \(the 50 most recent\): sessions before 2026-11-14 /,
      ),
    ]);
  });

  it('when a report cannot be read, then the others are kept, the organiser is retried next run, and only the missing report is read then', async () => {
    await start(moduleWorld(), { faults: [{ pathIncludes: 'tutorial-report-2/attendanceRecords', status: 500, times: 1 }] });

    const first = await run();
    const afterFirst = await teamsCounts(t);
    standIn?.resetStats();
    const second = await run(LATER);

    expect(first).toMatchObject({ status: 'failed', reportsCollected: 3 });
    expect(first.errors[0]).toContain('Graph answered 500');
    expect(afterFirst[amy.id]).toEqual({ '2026-11-20': 1, '2026-11-24': 2 });
    expect(second).toMatchObject({ status: 'succeeded', reportsCollected: 1, reportsAlreadyCollected: 3 });
    expect(standIn?.stats.paths.filter((p) => p.includes('attendanceRecords'))).toEqual([
      expect.stringContaining('tutorial-report-2/attendanceRecords'),
    ]);
    expect(await teamsCounts(t)).toEqual(EXPECTED_COUNTS);
  });
});

describe('Teams attendance collection: sign-in and permissions', () => {
  let t: TestDatabase;
  let standIn: GraphStandIn | undefined;
  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [leader, ta], students: [amy, ben, cat, dan] });
    await seedStudentIdentities(t.db, [amy, ben, cat, dan]);
  });
  afterEach(async () => {
    await standIn?.close();
    await t.drop();
  });

  it('when the client secret is wrong, then the run fails with one message naming the app, the tenant and what to check, and records the failed run', async () => {
    standIn = await startGraphStandIn(moduleWorld());
    const deps = collectDeps(t.db, standIn, {
      now: RUN_AT,
      settings: { organisers: [ORGANISER] },
      graph: { credential: { kind: 'secret', secret: 'expired-secret' } },
    });

    await expect(collectAttendance(deps)).rejects.toThrow(
      /Could not sign in to Microsoft Graph as app a1b2c3d4-0000-4000-8000-00000000c11e in tenant 72f988bf-0000-4000-8000-000000000001: .*AADSTS7000215.*Check GRAPH_CLIENT_SECRET/s,
    );
    const imports = await t.db.selectFrom('imports').selectAll().where('source', '=', 'teams_attendance').execute();
    expect(imports.map((i) => i.status)).toEqual(['failed']);
  });

  it('when the sign-in endpoint cannot be reached, then the run says it is the network, not the secret, and records the failed run', async () => {
    standIn = await startGraphStandIn(moduleWorld());
    const deps = collectDeps(t.db, standIn, {
      now: RUN_AT,
      settings: { organisers: [ORGANISER] },
      graph: { authorityHost: `https://127.0.0.1:${await closedPort()}` },
    });

    const failure = await collectAttendance(deps).then(
      () => null,
      (error: unknown) => error as { code: string; message: string },
    );
    expect(failure?.code).toBe('graph_sign_in_unreachable');
    expect(failure?.message).toMatch(
      /^Could not reach the Microsoft sign-in endpoint \(GRAPH_AUTHORITY_HOST\) to sign in as app a1b2c3d4-0000-4000-8000-00000000c11e: .*(endpoints_resolution_error|ECONNREFUSED).*This is a network problem, not the secret or certificate/s,
    );
    expect(failure?.message).not.toMatch(/Check GRAPH_CLIENT_SECRET/);
    const imports = await t.db.selectFrom('imports').selectAll().where('source', '=', 'teams_attendance').execute();
    expect(imports.map((i) => i.status)).toEqual(['failed']);
  }, 60_000);

  it('when Graph cannot be reached, then the run fails saying so, after the bounded retries, instead of reporting every organiser as broken', async () => {
    standIn = await startGraphStandIn(moduleWorld());
    const time = createVirtualTime(Date.parse(RUN_AT), () => 0);
    const deps = collectDeps(t.db, standIn, {
      now: RUN_AT,
      settings: { organisers: [ORGANISER, SECOND_ORGANISER] },
      graph: { baseUrl: `https://127.0.0.1:${await closedPort()}` },
      timers: time,
    });

    await expect(collectAttendance(deps)).rejects.toMatchObject({
      code: 'graph_unreachable',
      message: expect.stringMatching(
        /^Microsoft Graph could not be reached \(6 attempts\) for GET .*: the connection was refused \(.*ECONNREFUSED/,
      ),
    });
    // Both organisers' calendars were tried with the same backoff as throttling: 2, 4, 8, 16, 32 s.
    expect(time.waits).toEqual([2000, 2000, 4000, 4000, 8000, 8000, 16000, 16000, 32000, 32000]);
    expect(await t.db.selectFrom('graph_organiser_checkpoints').selectAll().execute()).toEqual([]);
  });

  it('when the app lacks a permission, then the message names the permission to grant', async () => {
    standIn = await startGraphStandIn(moduleWorld({ permissions: ['Calendars.Read', 'OnlineMeetings.Read.All'] }));

    const summary = await collectAttendance(collectDeps(t.db, standIn, { now: RUN_AT, settings: { organisers: [ORGANISER] } }));

    expect(summary.organisers[0]?.problem).toMatchObject({
      code: 'graph_permission_missing',
      message: expect.stringContaining('needs the application permission OnlineMeetingArtifact.Read.All with admin consent'),
    });
  });

  it('when the app signs in with a certificate, then the signed assertion is accepted and attendance is collected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-graph-cert-'));
    try {
      const appCert = await generateCertificate('engagement-monitor-app');
      const path = join(dir, 'app.pem');
      writeFileSync(path, `${appCert.key}\n${appCert.cert}`);
      standIn = await startGraphStandIn(moduleWorld({ clientSecret: 'not-used', clientCertificate: appCert.cert }));

      const summary = await collectAttendance(
        collectDeps(t.db, standIn, {
          now: RUN_AT,
          settings: { organisers: [ORGANISER] },
          graph: { credential: { kind: 'certificate', path } },
        }),
      );

      expect(summary).toMatchObject({ status: 'succeeded', attendancesCounted: 6 });
      expect(standIn.stats.tokensIssued).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
