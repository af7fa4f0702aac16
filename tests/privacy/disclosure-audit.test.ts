import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { createVirtualTime } from '../support/virtual-time';
import { createAdapter, createCardSender } from '../../bot/teams/adapter';
import { deliverDue } from '../../bot/teams/deliver.command';
import { RateLimiter } from '../../bot/teams/rate-limiter';
import { enqueueDelivery } from '../../bot/store/outbox.repository';
import { saveConversation } from '../../bot/store/conversation.repository';
import { listAudit } from '../../bot/store/audit.repository';
import { buildSubjectAccess } from '../../bot/commands/subject-access.command';
import { parseConfig } from '../../bot/config';
import { seedCase } from '../bot/fixtures';

describe.each(DATABASE_KINDS)('a delivered digest is audited as a disclosure on %s', (kind) => {
  let t: TestDatabase;
  let connector: ConnectorStandIn;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const sam = buildStudent({ givenName: 'Sam', tutorId: tutor.id });
  const kim = buildStudent({ givenName: 'Kim', tutorId: tutor.id });

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    connector = await startConnectorStandIn();
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor], students: [sam, kim] });
    const reference = {
      serviceUrl: connector.serviceUrl,
      channelId: 'msteams',
      conversation: { id: 'conv-tutor', isGroup: false, conversationType: 'personal', name: '' },
      bot: { id: 'bot', name: 'bot' },
      user: { id: 'u-tutor', name: 'Ada' },
    };
    await saveConversation(t.db, { userAadId: tutor.entraId ?? '', staffId: tutor.id, studentId: null, reference }, NOW);
  });
  afterEach(async () => {
    await connector.close();
    await t.drop();
  });

  it("when a digest naming two students reaches the tutor, then one audit entry names the tutor and both students, and each student's subject access lists it", async () => {
    const a = await seedCase(t.db, sam.id);
    const b = await seedCase(t.db, kim.id);
    await enqueueDelivery(
      t.db,
      { idempotencyKey: 'digest:1', kind: 'digest', recipientStaffId: tutor.id, payload: { caseIds: [a.id, b.id] } },
      NOW,
    );
    const time = createVirtualTime(Date.parse(NOW));
    const summary = await deliverDue({
      db: t.db,
      sender: createCardSender(createAdapter(parseConfig({}).bot), ''),
      logger: silentLogger,
      now: () => new Date(NOW),
      workerId: 'test',
      publicUrl: 'https://engagement.example.ac.uk',
      limiter: new RateLimiter(undefined, time),
      concurrency: 4,
      sleep: time.sleep,
      random: time.random,
    });
    expect(summary.sent).toBe(1);
    const disclosures = (await listAudit(t.db)).filter((e) => e.action === 'disclosed_digest');
    expect(disclosures).toHaveLength(1);
    expect(disclosures[0]).toMatchObject({ subjectKind: 'staff', subjectId: tutor.id });
    expect((disclosures[0]?.detail?.studentIds as string[]).sort()).toEqual([sam.id, kim.id].sort());
    expect((disclosures[0]?.detail?.caseIds as string[]).sort()).toEqual([a.id, b.id].sort());
    const report = await buildSubjectAccess(t.db, sam.id, { by: null, at: NOW });
    expect(report.views.map((v) => v.action)).toContain('disclosed_digest');
  });
});
