import { DATABASE_KINDS } from '../support/databases';
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

describe.each(DATABASE_KINDS)('delivery by the running service through a faulty connector on %s', (kind) => {
  let standIn: StandInProcess;
  let shared: SharedDatabase;
  const services: ServiceProcess[] = [];

  beforeEach(async () => {
    standIn = await startStandInProcess();
    shared = await createSharedDatabase(kind);
  });
  afterEach(async () => {
    for (const s of services.splice(0)) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
    standIn.stop();
    await shared.drop();
  });

  it('when 10% of sends are answered 429 and 3% 503, then every digest arrives exactly once, none dead-lettered, no apology posted', async () => {
    const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: 30, digests: 120 });
    await standIn.setFaults({ rate429: 0.1, rate503: 0.03 });

    services.push(await startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url }));
    const outbox = await waitForOutbox(shared.db);
    const arrivals = tallyArrivals(await standIn.log(), caseIds);

    expect(outbox).toMatchObject({ pending: 0, failed: 0, sent: 120 });
    expect(arrivals).toMatchObject({ lost: 0, duplicated: 0, apologies: 0 });
    const refused = (await standIn.log()).requests.filter((r) => r.status === 429 || r.status === 503).length;
    expect(refused).toBeGreaterThan(0);
  });

  it('when the connector is unreachable for 5 s mid-run, then every digest still arrives exactly once', async () => {
    const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: 30, digests: 120 });
    services.push(await startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url }));
    await waitForArrivals(standIn, 40);
    await standIn.outage(5000);

    const outbox = await waitForOutbox(shared.db);
    const log = await standIn.log();
    const arrivals = tallyArrivals(log, caseIds);

    expect(log.requests.some((r) => r.status === 0)).toBe(true);
    expect(outbox).toMatchObject({ pending: 0, failed: 0, sent: 120 });
    expect(arrivals).toMatchObject({ lost: 0, duplicated: 0, apologies: 0 });
  });

  it('when the service is killed (kill -9) mid-delivery and started again, then nothing is lost and every repeat is recorded', async () => {
    const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: 30, digests: 120 });
    const first = await startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url });
    await waitForArrivals(standIn, 60);
    first.child.kill('SIGKILL');
    await first.exited;
    services.push(await startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url }));

    const outbox = await waitForOutbox(shared.db);
    const arrivals = tallyArrivals(await standIn.log(), caseIds);

    expect(outbox).toMatchObject({ pending: 0, failed: 0, sent: 120 });
    expect(arrivals.lost).toBe(0);
    // Only sends in flight at the kill may repeat, and each one that did is on record.
    expect(arrivals.duplicated).toBeLessThanOrEqual(outbox.repeats);
  });
});
