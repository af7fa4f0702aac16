import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { createAdapter, createCardSender } from '../../bot/teams/adapter';
import { deliverDue, MAX_ATTEMPTS, type DeliverDeps } from '../../bot/teams/deliver.command';
import { RateLimiter } from '../../bot/teams/rate-limiter';
import { enqueueDelivery, listDeliveries } from '../../bot/store/outbox.repository';
import { saveConversation } from '../../bot/store/conversation.repository';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { listSentCardsForCase } from '../../bot/store/sent-card.repository';
import { listUnreachableInDepartment } from '../../bot/store/unreachable-recipient.repository';
import { performCaseAction } from '../../bot/commands/case-actions.command';
import { parseConfig } from '../../bot/config';
import { seedCase } from './fixtures';
import { createVirtualTime, type VirtualTime } from '../support/virtual-time';

describe.each(DATABASE_KINDS)('delivery through a stand-in Bot Connector on %s', (kind) => {
  let t: TestDatabase;
  let connector: ConnectorStandIn;
  let deps: DeliverDeps;
  let clock: number;
  let time: VirtualTime;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const student = buildStudent({ tutorId: tutor.id });

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    connector = await startConnectorStandIn();
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor], students: [student] });
    const reference = {
      serviceUrl: connector.serviceUrl,
      channelId: 'msteams',
      conversation: { id: 'conv-tutor', isGroup: false, conversationType: 'personal', name: '' },
      bot: { id: 'bot', name: 'bot' },
      user: { id: 'u-tutor', name: 'Ada' },
    };
    await saveConversation(t.db, { userAadId: tutor.entraId ?? '', staffId: tutor.id, studentId: null, reference }, NOW);
    clock = Date.parse(NOW);
    const bot = parseConfig({}).bot;
    time = createVirtualTime(clock);
    deps = {
      db: t.db,
      sender: createCardSender(createAdapter(bot), ''),
      logger: silentLogger,
      now: () => new Date(clock),
      workerId: 'test',
      publicUrl: 'https://engagement.example.ac.uk',
      limiter: new RateLimiter(undefined, time),
      concurrency: 16,
      sleep: time.sleep,
      random: time.random,
    };
  });
  afterEach(async () => {
    await connector.close();
    await t.drop();
  });

  const queueDigest = async (caseIds: string[], key = 'digest:1') =>
    enqueueDelivery(t.db, { idempotencyKey: key, kind: 'digest', recipientStaffId: tutor.id, payload: { caseIds } }, NOW);

  it('when a digest is due, then it is posted once, recorded for later refresh, and the case says it was alerted; running again sends nothing', async () => {
    const c = await seedCase(t.db, student.id);
    await queueDigest([c.id]);
    expect(await queueDigest([c.id])).toBe(false);
    const first = await deliverDue(deps);
    const second = await deliverDue(deps);
    expect(first.sent).toBe(1);
    expect(second.sent).toBe(0);
    expect(connector.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    const card = connector.received[0]?.body.attachments?.[0];
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(card?.content)).toContain(`${student.givenName} ${student.familyName}`);
    expect(await listSentCardsForCase(t.db, c.id)).toHaveLength(1);
    expect((await listCaseEvents(t.db, c.id)).map((e) => e.kind)).toContain('alerted');
  });

  it('when the connector answers 429 with Retry-After and then 503, then the digest is retried in place and arrives exactly once', async () => {
    const c = await seedCase(t.db, student.id);
    await queueDigest([c.id]);
    connector.failNext('conv-tutor', 1, { status: 429, retryAfterSeconds: 1 });
    connector.failNext('conv-tutor', 1, { status: 503 });
    const summary = await deliverDue(deps);
    expect(summary.sent).toBe(1);
    expect(connector.requests.map((r) => r.status)).toEqual([429, 503, 201]);
    // Retry-After was honoured: the retry after the 429 waited its full second; the one after the 503
    // (second try) waited the backoff of 1 s (jitter fixed at its midpoint here).
    expect(time.waits).toEqual([1000, 1000]);
    expect(connector.received).toHaveLength(1);
  });

  it('when the connector keeps failing with 502, then the delivery goes back to the outbox with backoff and becomes a dead letter after the last attempt', async () => {
    const c = await seedCase(t.db, student.id);
    await queueDigest([c.id]);
    connector.failNext('conv-tutor', 100, { status: 502 });
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      time.waits.length = 0;
      await deliverDue(deps);
      // Each attempt retries in place after a short exponential backoff (500 ms, then 1 s) before giving the item back.
      expect(time.waits).toEqual([500, 1000]);
      const [item] = await listDeliveries(t.db);
      if (item?.status === 'pending') expect(Date.parse(item.nextAttemptAt)).toBeGreaterThan(clock);
      clock += 48 * 3_600_000;
    }
    const [item] = await listDeliveries(t.db);
    expect(item).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(item?.lastError).toBeTruthy();
    expect(connector.received).toHaveLength(0);
  });

  it('when Teams answers 403 MessageWritesBlocked, then the person is marked unreachable and the delivery is not retried', async () => {
    const c = await seedCase(t.db, student.id);
    await queueDigest([c.id]);
    connector.block('conv-tutor');
    const summary = await deliverDue(deps);
    expect(summary.unreachable).toBe(1);
    expect(await listUnreachableInDepartment(t.db, 'dept-a')).toEqual([expect.objectContaining({ name: tutor.displayName })]);
    expect((await listDeliveries(t.db))[0]?.status).toBe('failed');
    expect(connector.requests).toHaveLength(1);
  });

  it('when a case on a delivered digest changes elsewhere, then that copy is updated in place with the new state', async () => {
    const director = buildStaff({ roles: ['director_of_studies'], displayName: 'Prof Director' });
    await seedPeople(t.db, { staff: [director] });
    const c = await seedCase(t.db, student.id);
    await queueDigest([c.id]);
    await deliverDue(deps);
    const posted = connector.received[0];
    await performCaseAction(
      { db: t.db, now: deps.now },
      { actor: director, caseId: c.id, action: { action: 'record_outcome', outcome: 'referred_wellbeing' } },
    );
    const summary = await deliverDue(deps);
    const update = connector.received.find((r) => r.method === 'PUT');
    expect(summary.sent).toBe(1);
    expect(update?.activityId).toBe(posted?.activityId);
    expect(JSON.stringify(update?.body.attachments?.[0]?.content)).toContain('Closed: Referred to the Wellbeing Service.');
    expect(JSON.stringify(update?.body.attachments?.[0]?.content)).toContain('Prof Director (referred to the wellbeing service)');
  });

  it('when a student has no chat yet, then their check-in waits without counting an attempt', async () => {
    const c = await seedCase(t.db, student.id);
    await performCaseAction({ db: t.db, now: deps.now }, { actor: tutor, caseId: c.id, action: { action: 'send_checkin' } });
    const summary = await deliverDue(deps);
    expect(summary.waitingForChat).toBe(1);
    expect((await listDeliveries(t.db)).find((d) => d.kind === 'checkin')).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
