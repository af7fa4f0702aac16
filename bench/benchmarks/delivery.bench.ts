import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Benchmark } from '../types';
import { migrateToLatest } from '../../bot/store/database';
import { createServices } from '../../bot/services';
import { insertDepartment } from '../../bot/store/department.repository';
import { insertStaff, type Staff } from '../../bot/store/staff.repository';
import { insertStudents, type Student } from '../../bot/store/student.repository';
import { insertCase } from '../../bot/store/case.repository';
import { saveConversation } from '../../bot/store/conversation.repository';
import { enqueueDelivery, listDeliveries } from '../../bot/store/outbox.repository';
import { parseConfig } from '../../bot/config';
import { deliverDue } from '../../bot/teams/deliver.command';
import { spawn, type ChildProcess } from 'node:child_process';
import { TEAMS_LIMITS, type ConnectorStandIn } from '../../tests/support/connector-standin';
import { SOURCES } from '../../shared/domain';

/** Starts the stand-in connector in its own process and reads its URL from its first line of output. */
function startStandInProcess(): Promise<{ child: ChildProcess; serviceUrl: string }> {
  const child = spawn(
    process.execPath,
    [join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(__dirname, '..', 'connector-standin.process.ts')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the stand-in connector exited with ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve({ child, serviceUrl: String(chunk).trim() }));
  });
}

const DIGESTS = Number(process.env.BENCH_DELIVERY_DIGESTS ?? 5000);
const TUTORS = 250;
const TENANT_LIMIT = TEAMS_LIMITS.perTenantPerSecond;

/**
 * Delivers 5,000 digests (250 tutors, 20 each) through a stand-in connector that enforces 50
 * requests/s per tenant and 7/s (8/2 s, 60/30 s) per conversation with 429s. Reports the achieved
 * rate against the tenant limit, and digests lost or duplicated (each card names its case).
 */
async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'em-bench-deliver-'));
  // Wired as the server wires it (createServices): one limiter, applied inside the connector client's pipeline.
  const services = createServices(parseConfig({ DATABASE_URL: `sqlite:${join(dir, 'bench.sqlite')}` }), {
    logger: pino({ level: 'silent' }),
    workerId: 'bench',
  });
  const { db } = services;
  const { child, serviceUrl } = await startStandInProcess();
  const connector = { serviceUrl };
  try {
    await migrateToLatest(db);
    const now = new Date().toISOString();
    await insertDepartment(db, { id: 'bench', name: 'Bench department', isDemo: true }, now);
    const staff: Staff[] = Array.from({ length: TUTORS }, (_, i) => ({
      id: `t${i}`,
      departmentId: 'bench',
      displayName: `Tutor ${i}`,
      email: null,
      entraId: `aad-t${i}`,
      roles: ['personal_tutor'],
    }));
    const students: Student[] = Array.from({ length: DIGESTS }, (_, i) => ({
      id: `s${i}`,
      departmentId: 'bench',
      givenName: 'Student',
      familyName: `${i}`,
      email: null,
      entraId: null,
      programme: 'BSc Bench',
      year: 1,
      status: 'active',
      tutorId: `t${i % TUTORS}`,
    }));
    await insertStaff(db, staff, now);
    await insertStudents(db, students, now);
    const counts = Object.fromEntries(SOURCES.map((s) => [s, { d7: 0, d14: 0, d21: 0 }])) as never;
    const daysSinceLast = Object.fromEntries(SOURCES.map((s) => [s, 15])) as never;
    await db.transaction().execute(async (trx) => {
      for (const t of staff) {
        const reference = {
          serviceUrl: connector.serviceUrl,
          channelId: 'msteams',
          conversation: { id: `conv-${t.id}`, isGroup: false, conversationType: 'personal', name: '' },
          bot: { id: 'bot', name: 'bot' },
          user: { id: t.id, name: t.displayName },
        };
        await saveConversation(trx, { userAadId: t.entraId ?? '', staffId: t.id, studentId: null, reference }, now);
      }
      for (const s of students) {
        const c = await insertCase(trx, {
          studentId: s.id,
          departmentId: 'bench',
          severity: 'high',
          status: 'open',
          rules: ['no_engagement'],
          reason: 'No engagement for 14 term days.',
          explanation: { counts, daysSinceLast, windowStart: null, windowEnd: null },
          ownerId: null,
          outcome: null,
          openedAt: now,
          updatedAt: now,
          closedAt: null,
        });
        await enqueueDelivery(
          trx,
          { idempotencyKey: `digest:bench:${c.id}`, kind: 'digest', recipientStaffId: s.tutorId, payload: { caseIds: [c.id] } },
          now,
        );
      }
    });

    const deps = services.deliver;
    const started = performance.now();
    for (let round = 0; round < 200; round++) {
      const s = await deliverDue(deps, { limit: 500 });
      if (s.sent + s.retrying + s.failed + s.unreachable + s.waitingForChat === 0) break;
    }
    const pending = (await listDeliveries(db, { status: 'pending' })).length;
    const seconds = (performance.now() - started) / 1000;

    const log = (await (await fetch(`${serviceUrl}_standin/log`)).json()) as Pick<ConnectorStandIn, 'received' | 'requests'>;
    const perCase = new Map<string, number>();
    for (const r of log.received.filter((x) => x.method === 'POST')) {
      const match = /"caseId":"([^"]+)"/.exec(JSON.stringify(r.body.attachments?.[0]?.content));
      if (match?.[1]) perCase.set(match[1], (perCase.get(match[1]) ?? 0) + 1);
    }
    const delivered = perCase.size;
    const duplicated = [...perCase.values()].reduce((n, k) => n + (k - 1), 0);
    const rate = log.received.length / seconds;
    const throttled = log.requests.filter((r) => r.status === 429).length;
    return {
      'delivery.digests': { value: DIGESTS, unit: 'digests' },
      'delivery.seconds': { value: Math.round(seconds * 10) / 10, unit: 's' },
      'delivery.rate_per_s': { value: Math.round(rate * 10) / 10, unit: 'msg/s' },
      'delivery.share_of_tenant_limit': {
        value: Math.round((rate / TENANT_LIMIT) * 1000) / 10,
        unit: '%',
        target: '>= 90',
        met: rate / TENANT_LIMIT >= 0.9,
      },
      'delivery.lost': { value: DIGESTS - delivered, unit: 'digests', target: '0', met: DIGESTS - delivered === 0 },
      'delivery.duplicated': { value: duplicated, unit: 'digests', target: '0', met: duplicated === 0 },
      'delivery.throttled_429': { value: throttled, unit: 'responses' },
      'delivery.still_pending': { value: pending, unit: 'digests', target: '0', met: pending === 0 },
    };
  } finally {
    child.kill('SIGTERM');
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const deliveryBenchmark: Benchmark = {
  name: 'delivery',
  description: 'deliver 5,000 digests through a stand-in connector enforcing 50 req/s per tenant and 7/s per conversation',
  run,
};
