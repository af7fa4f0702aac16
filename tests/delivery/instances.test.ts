import { Client } from 'pg';
import { TEST_POSTGRES_URL } from '../support/databases';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import {
  FAST_DELIVERY_ENV,
  createSharedDatabase,
  seedDigests,
  startService,
  startStandInProcess,
  tallyArrivals,
  waitForArrivals,
  waitForOutbox,
  type ServiceProcess,
  type SharedDatabase,
  type StandInProcess,
} from '../support/delivery-world';

// A ceiling only: the waits inside are bounded by attempts and progress, not by time.
jest.setTimeout(900_000);

/**
 * Ends this test's service connections only (filtered by the application_name its DATABASE_URL sets),
 * never the shared PostgreSQL server: other engineers' tests run on it. To the service this is what
 * a server restart does to its connections (57P01).
 */
async function terminateBackends(applicationName: string): Promise<number> {
  const admin = new Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  const { rows } = await admin.query<{ ok: boolean }>(
    'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
    [applicationName],
  );
  await admin.end();
  return rows.length;
}

describe('several service instances on one PostgreSQL', () => {
  let standIn: StandInProcess;
  let shared: SharedDatabase;
  let proxy: TcpProxy | null = null;
  const services: ServiceProcess[] = [];

  beforeEach(async () => {
    standIn = await startStandInProcess();
  });
  afterEach(async () => {
    for (const s of services.splice(0)) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
    standIn.stop();
    await proxy?.close();
    proxy = null;
    await shared.drop();
  });

  it('when three instances start at the same moment, then all come up, evaluate once, stay within 50 requests/s together, and deliver every digest once even when one is killed', async () => {
    shared = await createSharedDatabase('postgres');
    const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: 30, digests: 600 });

    services.push(...(await Promise.all([1, 2, 3].map(() => startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url })))));
    await waitForArrivals(standIn, 40);
    services[0]!.child.kill('SIGKILL');
    await services[0]!.exited;

    const outbox = await waitForOutbox(shared.db);
    const arrivals = tallyArrivals(await standIn.log(), caseIds);
    const evaluations = await shared.db.selectFrom('evaluations').select('id').execute();

    expect(outbox).toMatchObject({ pending: 0, failed: 0, sent: 600 });
    expect(arrivals.lost).toBe(0);
    expect(arrivals.duplicated).toBeLessThanOrEqual(outbox.repeats);
    expect(arrivals.busiestSecond).toBeLessThanOrEqual(50);
    expect(evaluations).toHaveLength(1);
    for (const s of services.slice(1)) expect(s.child.exitCode).toBeNull();
  });

  it("when PostgreSQL ends the service's connections mid-run, then the process stays up and every digest arrives exactly once", async () => {
    shared = await createSharedDatabase('postgres');
    const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: 30, digests: 400 });
    const service = await startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url });
    services.push(service);
    await waitForArrivals(standIn, 30);

    let terminated = 0;
    for (let i = 0; i < 4; i++) {
      terminated += await terminateBackends(shared.applicationName);
      await new Promise((r) => setTimeout(r, 300));
    }

    const outbox = await waitForOutbox(shared.db);
    const arrivals = tallyArrivals(await standIn.log(), caseIds);
    expect(terminated).toBeGreaterThan(0);
    expect(service.child.exitCode).toBeNull();
    expect(await service.health()).toBe(200);
    expect(outbox).toMatchObject({ pending: 0, failed: 0, sent: 400 });
    expect(arrivals).toMatchObject({ lost: 0, duplicated: 0 });
  });

  it('when the database is unreachable for 30 s, then /healthz answers 503, the process stays up, and afterwards 200 and every digest arrives exactly once', async () => {
    const target = new URL(TEST_POSTGRES_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    shared = await createSharedDatabase('postgres', { host: '127.0.0.1', port: proxy.port });
    const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: 30, digests: 400 });
    const service = await startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url });
    services.push(service);
    await waitForArrivals(standIn, 30);

    // A 30-second outage: every connection dropped, new ones refused; /healthz asked every 3 s meanwhile.
    await proxy.cut();
    const during: number[] = [];
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 3000));
      during.push(await service.health());
    }
    await proxy.restore();
    const after: number[] = [];
    for (let attempt = 0; attempt < 100 && after.at(-1) !== 200; attempt++) {
      after.push(await service.health());
      if (after.at(-1) !== 200) await new Promise((r) => setTimeout(r, 500));
    }

    const outbox = await waitForOutbox(shared.db);
    const arrivals = tallyArrivals(await standIn.log(), caseIds);
    expect(new Set(during)).toEqual(new Set([503]));
    expect(after.at(-1)).toBe(200);
    expect(service.child.exitCode).toBeNull();
    expect(outbox).toMatchObject({ pending: 0, failed: 0, sent: 400 });
    expect(arrivals).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
