import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { createAdapter, createCardSender } from '../../bot/teams/adapter';
import { deliverDue, type DeliverDeps } from '../../bot/teams/deliver.command';
import { deliverUrgentNow } from '../../bot/teams/deliver-urgent';
import { RateLimiter } from '../../bot/teams/rate-limiter';
import { enqueueDelivery, listDeliveries } from '../../bot/store/outbox.repository';
import { saveConversation } from '../../bot/store/conversation.repository';
import { recordStudentMessage } from '../../bot/commands/student-message.command';
import { createWellbeingClassifier } from '../../shared/wellbeing/classify';
import { parseConfig } from '../../bot/config';
import { seedCase } from './fixtures';
import { createVirtualTime } from '../support/virtual-time';

describe.each(DATABASE_KINDS)('an urgent alert behind a queue of other deliveries, on %s', (kind) => {
  let t: TestDatabase;
  let connector: ConnectorStandIn;
  let deps: DeliverDeps;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const officer = buildStaff({ roles: ['student_experience_officer'], displayName: 'Sol Officer' });
  const busy = buildStaff({ displayName: 'Dr Busy' });
  const student = buildStudent({ givenName: 'Sam', tutorId: tutor.id });

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    connector = await startConnectorStandIn();
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor, officer, busy], students: [student] });
    for (const staff of [tutor, officer, busy]) {
      const reference = {
        serviceUrl: connector.serviceUrl,
        channelId: 'msteams',
        conversation: { id: `conv-${staff.id}`, isGroup: false, conversationType: 'personal', name: '' },
        bot: { id: 'bot', name: 'bot' },
        user: { id: `u-${staff.id}`, name: staff.displayName },
      };
      await saveConversation(t.db, { userAadId: staff.entraId ?? '', staffId: staff.id, studentId: null, reference }, NOW);
    }
    const time = createVirtualTime(Date.parse(NOW));
    deps = {
      db: t.db,
      sender: createCardSender(createAdapter(parseConfig({}).bot), ''),
      logger: silentLogger,
      now: () => new Date(NOW),
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

  it('when a student writes words of crisis while 30 older notices wait, then the tutor and wellbeing role are sent theirs first, in runs of their own', async () => {
    const earlier = new Date(Date.parse(NOW) - 3_600_000).toISOString();
    for (let i = 0; i < 30; i++)
      await enqueueDelivery(
        t.db,
        {
          idempotencyKey: `backlog:${i}`,
          kind: 'notice',
          recipientStaffId: busy.id,
          payload: { title: `Older notice ${i}`, lines: [], urgent: false },
        },
        earlier,
      );
    await seedCase(t.db, student.id);
    const message = 'i honestly dont want to be here anymore';
    const result = await recordStudentMessage(
      { db: t.db, now: deps.now, wellbeingRole: 'student_experience_officer' },
      { student, message, wellbeing: createWellbeingClassifier()(message) },
    );
    expect(result.tier).toBe('risk');

    // The ordinary run works oldest first: a batch of it reaches only the backlog.
    await deliverDue(deps, { limit: 5 });
    expect(connector.received.map((r) => r.conversationId)).toEqual(Array(5).fill(`conv-${busy.id}`));

    const summaries = await deliverUrgentNow(deps, result.notified);
    expect(summaries.map((s) => s.sent)).toEqual([1, 1]);
    const urgent = connector.received.slice(5);
    expect(urgent.map((r) => r.conversationId).sort()).toEqual([`conv-${tutor.id}`, `conv-${officer.id}`].sort());
    for (const r of urgent) expect(JSON.stringify(r.body.attachments?.[0]?.content)).toContain('Urgent: Sam');
    expect((await listDeliveries(t.db)).filter((d) => d.recipientStaffId === busy.id && d.status === 'pending')).toHaveLength(25);
  });
});
