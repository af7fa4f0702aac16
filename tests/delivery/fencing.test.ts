import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { createAdapter, createCardSender } from '../../bot/teams/adapter';
import { deliverDue, type DeliverDeps } from '../../bot/teams/deliver.command';
import { RateLimiter } from '../../bot/teams/rate-limiter';
import { enqueueDelivery, listDeliveries } from '../../bot/store/outbox.repository';
import { saveConversation } from '../../bot/store/conversation.repository';
import { parseConfig } from '../../bot/config';
import { seedCase } from '../bot/fixtures';
import { eventually } from '../support/eventually';
import type { SendPacer } from '../../bot/teams/shared-pace';
import { listRepeatedDeliveries } from '../../bot/store/delivery-claim.repository';

describe.each(DATABASE_KINDS)('delivery claims are fenced on %s', (kind) => {
  let t: TestDatabase;
  let connector: ConnectorStandIn;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const students = Array.from({ length: 12 }, () => buildStudent({ tutorId: tutor.id }));
  const LEASE_MS = 120_000;

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    connector = await startConnectorStandIn(null);
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor], students });
    const reference = {
      serviceUrl: connector.serviceUrl,
      channelId: 'msteams',
      conversation: { id: 'conv-tutor', isGroup: false, conversationType: 'personal', name: '' },
      bot: { id: 'bot', name: 'bot' },
      user: { id: 'u-tutor', name: 'Ada' },
    };
    await saveConversation(t.db, { userAadId: tutor.entraId ?? '', staffId: tutor.id, studentId: null, reference }, NOW);
    for (const s of students) {
      const c = await seedCase(t.db, s.id);
      await enqueueDelivery(
        t.db,
        { idempotencyKey: `digest:${c.id}`, kind: 'digest', recipientStaffId: tutor.id, payload: { caseIds: [c.id] } },
        NOW,
      );
    }
  });
  afterEach(async () => {
    await connector.close();
    await t.drop();
  });

  const worker = (workerId: string, nowMs: number, limiter: SendPacer): DeliverDeps => ({
    db: t.db,
    sender: createCardSender(createAdapter(parseConfig({}).bot), ''),
    logger: silentLogger,
    now: () => new Date(nowMs),
    workerId,
    publicUrl: 'https://engagement.example.ac.uk',
    limiter,
    concurrency: 4,
    sleep: async () => undefined,
    random: () => 0.5,
    leaseMs: LEASE_MS,
  });

  it('when a worker stalls until its lease has run out and another worker took the items over, then the stalled worker sends nothing and each digest arrives once', async () => {
    // Worker A claims everything, then stalls just before sending (its pace never lets it go).
    let resume!: () => void;
    const stalled = new Promise<void>((r) => (resume = r));
    const stallingPace: SendPacer = { acquire: () => stalled, pause: () => undefined };
    const start = Date.parse(NOW) + 60_000;
    const a = deliverDue(worker('worker-a', start, stallingPace));
    await eventually(async () =>
      expect((await t.db.selectFrom('outbox').select('id').where('claimed_by', '=', 'worker-a').execute()).length).toBe(12),
    );

    // Worker B comes after A's lease has expired (A never renewed it), claims and sends everything.
    const b = await deliverDue(worker('worker-b', start + LEASE_MS + 1000, new RateLimiter()));
    resume();
    const summaryA = await a;

    expect(b.sent).toBe(12);
    expect(summaryA).toMatchObject({ sent: 0, lostClaim: 12 });
    const posts = connector.received.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(12);
    expect(new Set(posts.map((p) => JSON.stringify(p.body.attachments?.[0]?.content))).size).toBe(12);
    expect((await listDeliveries(t.db)).every((d) => d.status === 'sent')).toBe(true);
  });

  it('when a worker crashed after marking its send, then the next worker sends it once more and records the repeat', async () => {
    const start = Date.parse(NOW) + 60_000;
    // The crash: an attempt marked as sending under a claim that then expired, with no result recorded.
    const [first] = await listDeliveries(t.db);
    await t.db
      .updateTable('outbox')
      .set({
        claimed_by: 'dead',
        claim_token: 'dead-token',
        claimed_until: new Date(start - 1).toISOString(),
        send_started_at: new Date(start - 2000).toISOString(),
      })
      .where('id', '=', first!.id)
      .execute();

    const summary = await deliverDue(worker('worker-b', start, new RateLimiter()));

    expect(summary.sent).toBe(12);
    const row = await t.db
      .selectFrom('outbox')
      .select(['status', 'repeats', 'sends', 'send_started_at'])
      .where('id', '=', first!.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', repeats: 1, sends: 1, send_started_at: null });
    const others = await t.db.selectFrom('outbox').select('repeats').where('id', '<>', first!.id).execute();
    expect(others.every((o) => Number(o.repeats) === 0)).toBe(true);
    // What the Data page lists for the department: the one message that may have arrived twice.
    expect(await listRepeatedDeliveries(t.db, 'dept-a', 10)).toEqual([
      expect.objectContaining({ recipientName: 'Dr Ada Tutor', repeats: 1 }),
    ]);
  });
});
