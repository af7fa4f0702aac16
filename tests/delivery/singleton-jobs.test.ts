import pino from 'pino';
import { createApp, type App } from '../../bot/app';
import { MOODLE_FEED } from '../../bot/feeds/moodle-db/pull-moodle.command';
import { buildTestConfig } from '../support/databases';
import { createSharedDatabase, type SharedDatabase } from '../support/delivery-world';
import { seedDepartment } from '../support/factories';
import { createTestMoodle, type TestMoodle } from '../support/moodle-db';
import { startGraphStandIn, type GraphStandIn } from '../graph/graph-stand-in';
import { CLIENT_ID, CLIENT_SECRET, TENANT, emptyWorld } from '../graph/graph-fixtures';

// A ceiling only: the waits inside are bounded by polls.
jest.setTimeout(300_000);

const ORGANISER = 'convenor@example.ac.uk';
const DAY_MS = 86_400_000;

/**
 * What each scheduled singleton job leaves in the database per run, keyed by the run's time: the
 * evaluation's record, the retention audit entry, the Graph collection's and the Moodle pull's import
 * history (the pull writes one row per source, all with the run's start).
 */
async function runsByTime(shared: SharedDatabase): Promise<Record<string, string[]>> {
  const db = shared.db;
  const [evaluations, retention, collections, pulls] = await Promise.all([
    db.selectFrom('evaluations').select('evaluated_at as at').execute(),
    db.selectFrom('audit_log').select('at').where('action', '=', 'purged_expired_data').execute(),
    db
      .selectFrom('imports')
      .select('started_at as at')
      .where('file_name', 'like', 'Microsoft Graph:%')
      .where('status', '!=', 'running')
      .execute(),
    db.selectFrom('imports').select('started_at as at').where('format', '=', MOODLE_FEED).where('source', '=', 'moodle_login').execute(),
  ]);
  const out: Record<string, string[]> = {};
  for (const [job, rows] of [
    ['evaluate', evaluations],
    ['retention', retention],
    ['collect', collections],
    ['pull-moodle', pulls],
  ] as const)
    for (const r of rows) (out[r.at] ??= []).push(job);
  for (const list of Object.values(out)) list.sort();
  return out;
}

describe('scheduled singleton jobs on two instances sharing one PostgreSQL schema', () => {
  let shared: SharedDatabase;
  let moodle: TestMoodle;
  let graph: GraphStandIn;
  const apps: App[] = [];

  beforeEach(async () => {
    shared = await createSharedDatabase('postgres');
    await seedDepartment(shared.db);
    moodle = await createTestMoodle('mysql');
    graph = await startGraphStandIn(emptyWorld({ organisers: [{ upn: ORGANISER, id: 'aad-convenor', hasAccessPolicy: true }] }));
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await graph.close();
    await moodle.drop();
    await shared.drop();
  });

  it('when the clock reaches each due time, then every singleton job runs exactly once for it across both instances', async () => {
    // Both instances read one clock, moved a day on at a time; their schedulers ask for the jobs every second of real time.
    let clockMs = Date.parse('2026-11-23T08:00:00.000Z');
    const now = () => new Date(clockMs);
    const config = buildTestConfig({
      DATABASE_URL: shared.url,
      JOBS_ENABLED: 'true',
      JOB_TAKEOVER_SECONDS: '1',
      TIME_ZONE: 'Europe/London',
      GRAPH_TENANT_ID: TENANT,
      GRAPH_CLIENT_ID: CLIENT_ID,
      GRAPH_CLIENT_SECRET: CLIENT_SECRET,
      GRAPH_BASE_URL: graph.baseUrl,
      GRAPH_AUTHORITY_HOST: graph.authorityHost,
      GRAPH_ORGANISERS: ORGANISER,
      MOODLE_DB_URL: moodle.settings.url,
      MOODLE_DB_TLS: 'off',
    });
    for (const name of ['a', 'b'])
      apps.push(
        createApp(config, {
          logger: pino({ level: 'silent' }),
          now,
          workerId: `instance-${name}`,
          graphConnection: { trustedCa: graph.ca },
        }),
      );
    await Promise.all(apps.map((app) => app.prepare()));
    for (const app of apps) app.scheduler.start();

    const dueTimes = [0, 1, 2, 3].map((day) => new Date(Date.parse('2026-11-23T08:00:00.000Z') + day * (DAY_MS + 3_600_000)).toISOString());
    // At start: the evaluation (under its lock) and the jobs that run at start; the others take start as their origin.
    const expected: Record<string, string[]> = { [dueTimes[0]!]: ['collect', 'evaluate', 'pull-moodle'] };
    for (const [round, at] of dueTimes.entries()) {
      if (round > 0) {
        clockMs = Date.parse(at);
        expected[at] = ['collect', 'evaluate', 'pull-moodle', 'retention'];
      }
      // Bounded by polls: until every job due has run, then three more asks by each instance, when a second run would show.
      let seen = await runsByTime(shared);
      for (let poll = 0; poll < 600 && (seen[at]?.length ?? 0) < expected[at]!.length; poll++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = await runsByTime(shared);
      }
      await new Promise((r) => setTimeout(r, 3_500));
      expect(await runsByTime(shared)).toEqual(expected);
    }
    // Escalation and case care leave no record of a run that had nothing to do; their last start is the last due time.
    const jobRuns = await shared.db.selectFrom('job_runs').select(['name', 'started_at']).orderBy('name').execute();
    expect(Object.fromEntries(jobRuns.map((r) => [r.name, r.started_at]))).toMatchObject({
      'case-care': dueTimes.at(-1),
      escalate: dueTimes.at(-1),
      evaluate: dueTimes.at(-1),
      retention: dueTimes.at(-1),
    });
  });
});
