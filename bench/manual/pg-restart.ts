/**
 * A manual check, not a test: stops the local PostgreSQL server for 15 s under a running service that is
 * delivering 400 digests through the stand-in connector, starts it again, and prints /healthz during and after,
 * whether the process stayed up, the outbox, and digests lost or duplicated at the stand-in. It restarts the
 * whole server, so it must not run beside other tests: `npx tsx bench/manual/pg-restart.ts` on a quiet machine
 * (root, with pg_ctlcluster). The automated tests restart, crash and stop a private cluster of their own instead
 * (tests/delivery/postgres-restart.test.ts), and cut a TCP proxy (tests/delivery/instances.test.ts).
 */
import { execSync } from 'node:child_process';
import { createDatabase } from '../../bot/store/database';
import { TEST_POSTGRES_URL } from '../../tests/support/databases';
import {
  createSharedDatabase,
  FAST_DELIVERY_ENV,
  seedDigests,
  startService,
  startStandInProcess,
  tallyArrivals,
  waitForArrivals,
  waitForOutbox,
} from '../../tests/support/delivery-world';

async function main() {
  const standIn = await startStandInProcess();
  const shared = await createSharedDatabase('postgres');
  const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: 30, digests: 400 });
  await shared.db.destroy();
  const service = await startService({ ...FAST_DELIVERY_ENV, DATABASE_URL: shared.url });
  await waitForArrivals(standIn, 30);
  console.log('before restart', await service.health());
  const cluster = execSync('ls /etc/postgresql').toString().trim();
  execSync(`pg_ctlcluster --skip-systemctl-redirect ${cluster} main stop -m fast`);
  const during: number[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 3000));
    during.push(await service.health());
  }
  execSync(`pg_ctlcluster --skip-systemctl-redirect ${cluster} main start`);
  const after: number[] = [];
  for (let a = 0; a < 100 && after.at(-1) !== 200; a++) {
    after.push(await service.health());
    if (after.at(-1) !== 200) await new Promise((r) => setTimeout(r, 500));
  }
  const schema = new URL(shared.url).searchParams.get('options')!.replace('-c search_path=', '');
  const db = createDatabase({ kind: 'postgres', url: TEST_POSTGRES_URL, poolSize: 2, searchPath: schema });
  const outbox = await waitForOutbox(db);
  const arrivals = tallyArrivals(await standIn.log(), caseIds);
  console.log(
    JSON.stringify({ during, after, exitCode: service.child.exitCode, outbox, lost: arrivals.lost, duplicated: arrivals.duplicated }),
  );
  await db.destroy();
  service.child.kill('SIGKILL');
  standIn.stop();
}
void main().catch((e) => {
  console.error('script failed', e);
  process.exit(1);
});
