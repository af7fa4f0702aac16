import type { Benchmark, Figure } from '../types';
import { TEAMS_LIMITS } from '../../tests/support/connector-standin';
import {
  createSharedDatabase,
  seedDigests,
  startService,
  startStandInProcess,
  tallyArrivals,
  waitForOutbox,
  type ServiceProcess,
} from '../../tests/support/delivery-world';

const DIGESTS = Number(process.env.BENCH_DELIVERY_DIGESTS ?? 2000);
const TUTORS = 250;
const TENANT_LIMIT = TEAMS_LIMITS.perTenantPerSecond;
const INSTANCES = [1, 2, 3];

/**
 * The running service, as started with its default settings (bot/main.ts, one to three processes on
 * one PostgreSQL), delivers digests queued before start (250 tutors) through the stand-in connector
 * in its own process, which enforces 50 requests/s per tenant and 7/s (8/2 s, 60/30 s) per
 * conversation with 429s. Throughput is measured at the connector, from its first request to its
 * last accepted card, as a share of the tenant limit; lost and duplicated digests are counted per case.
 */
async function runWith(instances: number): Promise<Record<string, Figure>> {
  const standIn = await startStandInProcess();
  const shared = await createSharedDatabase('postgres');
  const services: ServiceProcess[] = [];
  try {
    const caseIds = await seedDigests(shared.db, { serviceUrl: standIn.serviceUrl, tutors: TUTORS, digests: DIGESTS });
    const env = { DATABASE_URL: shared.url, DEMO_DATA: 'false', LOG_LEVEL: 'warn' };
    services.push(...(await Promise.all(Array.from({ length: instances }, () => startService(env)))));
    const outbox = await waitForOutbox(shared.db, { stallPolls: 480 });
    const log = await standIn.log();
    const arrivals = tallyArrivals(log, caseIds);
    const first = Math.min(...log.requests.map((r) => r.at));
    const last = Math.max(...log.received.map((r) => r.at));
    const rate = arrivals.accepted / Math.max(0.001, (last - first) / 1000);
    const key = `delivery.${instances}_instance${instances > 1 ? 's' : ''}`;
    return {
      [`${key}.rate_per_s`]: { value: Math.round(rate * 10) / 10, unit: 'msg/s' },
      [`${key}.share_of_tenant_limit`]: {
        value: Math.round((rate / TENANT_LIMIT) * 1000) / 10,
        unit: '%',
        target: '>= 90',
        met: rate / TENANT_LIMIT >= 0.9,
      },
      [`${key}.busiest_second`]: { value: arrivals.busiestSecond, unit: 'requests', target: '<= 50', met: arrivals.busiestSecond <= 50 },
      [`${key}.lost`]: { value: arrivals.lost, unit: 'digests', target: '0', met: arrivals.lost === 0 },
      [`${key}.duplicated`]: { value: arrivals.duplicated, unit: 'digests', target: '0', met: arrivals.duplicated === 0 },
      [`${key}.throttled_429`]: { value: log.requests.filter((r) => r.status === 429).length, unit: 'responses' },
      [`${key}.still_pending`]: { value: outbox.pending, unit: 'digests', target: '0', met: outbox.pending === 0 },
    };
  } finally {
    for (const s of services) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
    standIn.stop();
    await shared.drop();
  }
}

async function run() {
  const figures: Record<string, Figure> = { 'delivery.digests': { value: DIGESTS, unit: 'digests' } };
  for (const n of INSTANCES) Object.assign(figures, await runWith(n));
  return figures;
}

export const deliveryBenchmark: Benchmark = {
  name: 'delivery',
  description: `the running service (1, 2 and 3 instances on one PostgreSQL) delivers ${DIGESTS} digests through a stand-in connector enforcing 50 req/s per tenant and 7/s per conversation`,
  run,
};
