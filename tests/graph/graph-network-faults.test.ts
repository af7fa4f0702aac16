import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { createVirtualTime } from '../support/virtual-time';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { REAL_TIMERS } from '../../bot/clock';
import { collectAttendance } from '../../bot/graph/collect-attendance.command';
import { startGraphStandIn, type GraphStandIn, type GraphWorld, type NetworkFault } from './graph-stand-in';
import {
  collectDeps,
  emptyWorld,
  meeting,
  seedStudentIdentities,
  studentRecord,
  teamsCounts,
  threeSessionTutorial,
} from './graph-fixtures';

/**
 * What a real network does to Graph requests, played by the HTTPS stand-in: a request never answered,
 * an answer whose body stalls, a connection torn down part-way. Each attempt has a deadline of
 * GRAPH_REQUEST_TIMEOUT_SECONDS (1 s here); unanswered attempts are retried with the throttling backoff.
 */

const RUN_AT = '2026-11-27T06:00:00.000Z';
const LATER = '2026-11-28T06:00:00.000Z';
const ORGANISER = 'leader@example.ac.uk';
const OTHER_ORGANISER = 'second@example.ac.uk';
const TIMEOUT_SECONDS = 1;
const ATTEMPTS = 3;

const leader = buildStaff({ email: ORGANISER, entraId: 'aad-leader' });
const second = buildStaff({ email: OTHER_ORGANISER, entraId: 'aad-second' });
const [amy, ben, dan] = [buildStudent(), buildStudent(), buildStudent()] as const;

/** A lecture on the 24th and a tutorial with three sessions; the second organiser runs a seminar on the 25th. */
function world(): GraphWorld {
  return emptyWorld({
    organisers: [
      { upn: ORGANISER, id: 'aad-leader', hasAccessPolicy: true },
      { upn: OTHER_ORGANISER, id: 'aad-second', hasAccessPolicy: true },
    ],
    meetings: [
      meeting('lecture', ORGANISER, [['2026-11-24T10:00:00.000Z', 60]], () => [
        studentRecord(amy, 3000),
        studentRecord(ben, 3000, 'email'),
      ]),
      threeSessionTutorial(ORGANISER, amy, dan),
      meeting('seminar', OTHER_ORGANISER, [['2026-11-25T10:00:00.000Z', 60]], () => [studentRecord(ben, 3600)]),
    ],
  });
}

/** What a clean run of the leader's meetings counts. */
const EXPECTED_COUNTS = {
  [amy.id]: { '2026-11-20': 1, '2026-11-24': 3 },
  [ben.id]: { '2026-11-24': 1 },
  [dan.id]: { '2026-11-20': 1 },
};

async function eventually(condition: () => boolean, withinMs: number): Promise<void> {
  const until = Date.now() + withinMs;
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe.each(DATABASE_KINDS)('Graph requests over a faulty network on %s', (kind) => {
  let t: TestDatabase;
  let standIn: GraphStandIn | undefined;

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [leader, second], students: [amy, ben, dan] });
    await seedStudentIdentities(t.db, [amy, ben, dan]);
  });
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
    await t.drop();
  });

  const start = async (networkFaults: NetworkFault[] = []) => (standIn = await startGraphStandIn(world(), { networkFaults }));
  /** A collection with a 1 s deadline per attempt and 3 attempts; backoff waits in virtual time unless real ones are asked for. */
  const deps = (opts: { now?: string; organisers?: string[]; realWaits?: boolean } = {}) => {
    if (!standIn) throw new Error('start the stand-in first');
    const time = createVirtualTime(Date.parse(RUN_AT), () => 0);
    const d = collectDeps(t.db, standIn, {
      now: opts.now ?? RUN_AT,
      settings: { organisers: opts.organisers ?? [ORGANISER] },
      graph: { requestTimeoutSeconds: TIMEOUT_SECONDS },
      policy: { maxAttempts: ATTEMPTS, baseDelayMs: 100, maxDelayMs: 1_000 },
      timers: opts.realWaits ? REAL_TIMERS : time,
    });
    return { deps: d, time };
  };

  it('when one request hangs, one answer stalls mid-body, one connection is reset mid-answer and one is dropped, then each is retried and the run counts exactly what a clean run counts', async () => {
    const faults: NetworkFault[] = [
      { kind: 'hang', pathIncludes: '/calendarView', times: 1 },
      { kind: 'stall', pathIncludes: 'onlineMeetings?$filter', times: 1 },
      { kind: 'reset', pathIncludes: '/attendanceReports\n', times: 1 },
      { kind: 'drop', pathIncludes: '/attendanceRecords', times: 1 },
    ];
    await start(faults);
    const { deps: d, time } = deps();
    const began = Date.now();

    const summary = await collectAttendance(d);

    expect(faults.map((f) => f.times)).toEqual([0, 0, 0, 0]);
    // The hung and the stalled connections were closed by the client, not left open until the stand-in stopped.
    expect(faults.map((f) => f.abandoned ?? 0)).toEqual([1, 1, 0, 0]);
    expect(summary).toMatchObject({ status: 'succeeded', meetings: 2, reportsCollected: 4, attendancesCounted: 6 });
    expect(summary.requests).toMatchObject({ unanswered: 4, throttled: 0 });
    expect(await teamsCounts(t.db)).toEqual(EXPECTED_COUNTS);
    // Each unanswered attempt waited the first backoff step; the hang and the stall each cost one deadline.
    expect(time.waits).toEqual([100, 100, 100, 100]);
    expect(Date.now() - began).toBeLessThan(2 * TIMEOUT_SECONDS * 1000 + 3_000);
  });

  it('when Graph never answers, then the run fails within deadline x attempts + backoff naming the request, other work goes on, and the next run completes', async () => {
    const hang: NetworkFault = { kind: 'hang', pathIncludes: `/users/${encodeURIComponent(ORGANISER)}/calendarView`, times: 1_000 };
    await start([hang]);
    const hanging = deps({ realWaits: true });
    const other = deps({ organisers: [OTHER_ORGANISER] });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 100);
    const began = Date.now();

    const failed: Promise<{ error: unknown; ms: number }> = collectAttendance(hanging.deps).then(
      () => ({ error: undefined, ms: Date.now() - began }),
      (error: unknown) => ({ error, ms: Date.now() - began }),
    );
    // Another organiser's collection, on the same stand-in at the same time, is not held up by the hang.
    const meanwhile = await collectAttendance(other.deps);
    const otherDoneMs = Date.now() - began;
    const outcome = await failed;
    clearInterval(ticker);

    expect(meanwhile).toMatchObject({ status: 'succeeded', reportsCollected: 1 });
    expect(outcome.error).toMatchObject({
      code: 'graph_timeout',
      message: expect.stringMatching(
        /^Microsoft Graph did not answer within 1 s \(3 attempts\) for GET \/users\/leader%40example\.ac\.uk\/calendarView\?.* The collection stopped there: reports stored before it are kept/,
      ),
    });
    // Three deadlines of 1 s and two real backoff waits (100 ms, 200 ms, each with up to 100 ms of jitter), plus slack.
    expect(outcome.ms).toBeGreaterThanOrEqual(ATTEMPTS * TIMEOUT_SECONDS * 1000);
    expect(outcome.ms).toBeLessThan(ATTEMPTS * TIMEOUT_SECONDS * 1000 + 500 + 1_500);
    // It finished while the first was still waiting out its deadlines, and the event loop kept turning throughout.
    expect(otherDoneMs).toBeLessThan(outcome.ms - TIMEOUT_SECONDS * 1000);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(outcome.ms / 200));
    // Every hung attempt's connection was closed by the client (the server sees the close a moment later).
    await eventually(() => hang.abandoned === ATTEMPTS, 1_000);
    expect(hang).toMatchObject({ times: 1_000 - ATTEMPTS, abandoned: ATTEMPTS });
    const runs = await t.db.selectFrom('imports').select(['status', 'errors']).where('source', '=', 'teams_attendance').execute();
    expect(runs.map((r) => r.status).sort()).toEqual(['failed', 'succeeded']);

    hang.times = 0;
    const next = await collectAttendance(deps({ now: LATER }).deps);
    expect(next).toMatchObject({ status: 'succeeded', reportsCollected: 4 });
    expect(await teamsCounts(t.db)).toEqual({ ...EXPECTED_COUNTS, [ben.id]: { '2026-11-24': 1, '2026-11-25': 1 } });
  });

  it('when the connection keeps being reset part-way through an organiser, then the reports stored before are kept, the run fails saying why, and the next run adds only the rest', async () => {
    // 25 sessions: their records go in a $batch of the 20 newest, then one of the 5 oldest, which is reset every time.
    const sessions: Array<[string, number]> = Array.from({ length: 25 }, (_, i) => [
      new Date(Date.parse('2026-11-01T09:00:00.000Z') + i * 86_400_000).toISOString(),
      30,
    ]);
    standIn = await startGraphStandIn(
      emptyWorld({
        organisers: [{ upn: ORGANISER, id: 'aad-leader', hasAccessPolicy: true }],
        meetings: [meeting('daily', ORGANISER, sessions, () => [studentRecord(amy, 1800)])],
      }),
      { networkFaults: [{ kind: 'reset', pathIncludes: 'daily-report-0/attendanceRecords', times: ATTEMPTS }] },
    );
    const total = (counts: Record<string, Record<string, number>>) => Object.values(counts[amy.id] ?? {}).reduce((a, b) => a + b, 0);

    await expect(collectAttendance(deps().deps)).rejects.toMatchObject({
      code: 'graph_unreachable',
      message: expect.stringMatching(
        /^Microsoft Graph could not be reached \(3 attempts\) for POST \/\$batch: the connection was closed before the answer was complete/,
      ),
    });
    expect(total(await teamsCounts(t.db))).toBe(20);
    // The organiser's window did not advance, so the next run reads it again.
    expect(await t.db.selectFrom('graph_organiser_checkpoints').selectAll().execute()).toEqual([]);

    const next = await collectAttendance(deps({ now: LATER }).deps);

    expect(next).toMatchObject({ status: 'succeeded', reportsCollected: 5, reportsAlreadyCollected: 20 });
    expect(total(await teamsCounts(t.db))).toBe(25);
  });

  it('when the token endpoint does not answer once, then the sign-in is abandoned at the deadline, tried again, and the run completes', async () => {
    const hang: NetworkFault = { kind: 'hang', pathIncludes: '/oauth2/v2.0/token', times: 1 };
    await start([hang]);
    const began = Date.now();

    const summary = await collectAttendance(deps().deps);

    expect(hang.times).toBe(0);
    expect(summary).toMatchObject({ status: 'succeeded', attendancesCounted: 6 });
    expect(summary.requests.unanswered).toBe(1);
    expect(Date.now() - began).toBeLessThan(TIMEOUT_SECONDS * 1000 + 3_000);
    // The abandoned token request itself is closed by its own limit (1 s + 1 s) rather than left open for good.
    await eventually(() => hang.abandoned === 1, 5_000);
    expect(hang.abandoned).toBe(1);
  });

  it('when the token endpoint never answers, then the run fails within deadline x attempts + backoff saying it was the sign-in that hung', async () => {
    const hang: NetworkFault = { kind: 'hang', pathIncludes: '/oauth2/v2.0/token', times: 1_000 };
    await start([hang]);
    const began = Date.now();

    await expect(collectAttendance(deps().deps)).rejects.toMatchObject({
      code: 'graph_timeout',
      message: expect.stringMatching(
        /^Signing in to Microsoft Graph \(the token endpoint\) did not finish within 1 s \(3 attempts\) before GET \/users\/leader%40example\.ac\.uk\/calendarView/,
      ),
    });
    expect(Date.now() - began).toBeLessThan(ATTEMPTS * TIMEOUT_SECONDS * 1000 + 2_000);
    // Each abandoned token request is closed by its own limit, none left open.
    await eventually(() => hang.abandoned === 1_000 - hang.times, 3_000);
    expect(hang.abandoned).toBe(1_000 - hang.times);
  });
});
