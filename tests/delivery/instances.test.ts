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
  waitForOutbox,
  type ServiceProcess,
  type SharedDatabase,
  type StandInProcess,
} from '../support/delivery-world';

jest.setTimeout(240_000);

async function waitForArrivals(standIn: StandInProcess, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await standIn.log()).received.length < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} arrivals`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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
    const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: 30, digests: 150 });

    services.push(...(await Promise.all([1, 2, 3].map(() => startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url })))));
    await waitForArrivals(standIn, 40);
    services[0]!.child.kill('SIGKILL');
    await services[0]!.exited;

    const outbox = await waitForOutbox(shared.db, 90_000);
    const arrivals = tallyArrivals(await standIn.log(), caseIds);
    const evaluations = await shared.db.selectFrom('evaluations').select('id').execute();

    expect(outbox).toMatchObject({ pending: 0, failed: 0, sent: 150 });
    expect(arrivals.lost).toBe(0);
    expect(arrivals.duplicated).toBeLessThanOrEqual(outbox.repeats);
    expect(arrivals.busiestSecond).toBeLessThanOrEqual(50);
    expect(evaluations).toHaveLength(1);
    for (const s of services.slice(1)) expect(s.child.exitCode).toBeNull();
  });

  it("when PostgreSQL ends the service's connections mid-run, then the process stays up and every digest arrives exactly once", async () => {
    shared = await createSharedDatabase('postgres');
    const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: 30, digests: 120 });
    const service = await startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url });
    services.push(service);
    await waitForArrivals(standIn, 30);

    let terminated = 0;
    for (let i = 0; i < 4; i++) {
      terminated += await terminateBackends(shared.applicationName);
      await new Promise((r) => setTimeout(r, 300));
    }

    const outbox = await waitForOutbox(shared.db, 90_000);
    const arrivals = tallyArrivals(await standIn.log(), caseIds);
    expect(terminated).toBeGreaterThan(0);
    expect(service.child.exitCode).toBeNull();
    expect(await service.health()).toBe(200);
    expect(outbox).toMatchObject({ pending: 0, failed: 0, sent: 120 });
    expect(arrivals).toMatchObject({ lost: 0, duplicated: 0 });
  });

  it('when the database is unreachable for a while, then /healthz answers 503, the process stays up, and afterwards 200 and every digest arrives exactly once', async () => {
    const target = new URL(TEST_POSTGRES_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    shared = await createSharedDatabase('postgres', { host: '127.0.0.1', port: proxy.port });
    const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: 30, digests: 120 });
    const service = await startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url });
    services.push(service);
    await waitForArrivals(standIn, 30);

    await proxy.cut();
    const during = await service.health();
    await new Promise((r) => setTimeout(r, 4000));
    const stillDuring = await service.health();
    await proxy.restore();

    const outbox = await waitForOutbox(shared.db, 90_000);
    const arrivals = tallyArrivals(await standIn.log(), caseIds);
    expect([during, stillDuring]).toEqual([503, 503]);
    expect(service.child.exitCode).toBeNull();
    expect(await service.health()).toBe(200);
    expect(outbox).toMatchObject({ pending: 0, failed: 0, sent: 120 });
    expect(arrivals).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
