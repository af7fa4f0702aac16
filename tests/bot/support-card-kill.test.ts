import { DATABASE_KINDS } from '../support/databases';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { UNIVERSITY_CONTACTS_ENV } from '../support/app';
import { FAST_DELIVERY_ENV, createSharedDatabase, startService, type ServiceProcess, type SharedDatabase } from '../support/delivery-world';
import { CRISIS, STUDENT_CHAT, TUTOR_CHAT, cardWords, saveTutorChat, writeAsStudent } from '../support/student-chat';
import { listAudit } from '../../bot/store/audit.repository';
import { eventually } from '../support/eventually';
import type { DataStatus } from '../../shared/api/data';
import type { UrgentListResponse } from '../../shared/api/urgent';

// A ceiling only: two service starts (tsx compiles the service) on a loaded machine.
jest.setTimeout(600_000);

const HOLD_SECONDS = 6;

describe.each(DATABASE_KINDS)('the service killed (kill -9) while it answers a student’s words of crisis, on %s', (kind) => {
  let shared: SharedDatabase;
  let connector: ConnectorStandIn;
  const services: ServiceProcess[] = [];
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const admin = buildStaff({ displayName: 'Dee Admin', roles: ['department_admin'] });
  const student = buildStudent({ givenName: 'Rae', familyName: 'Quiet', tutorId: tutor.id });

  const env = () => ({
    ...FAST_DELIVERY_ENV,
    ...UNIVERSITY_CONTACTS_ENV,
    DATABASE_URL: shared.url,
    SUPPORT_CARD_HOLD_SECONDS: String(HOLD_SECONDS),
  });
  const cardsToStudent = () => connector.received.filter((r) => r.conversationId === STUDENT_CHAT && r.body.attachments?.length);
  const noticesToTutor = () => connector.received.filter((r) => r.conversationId === TUTOR_CHAT).map((r) => JSON.stringify(r.body));
  const supportCardRows = () =>
    shared.db
      .selectFrom('outbox')
      .select(['status', 'claimed_until', 'sent_activity_id', 'repeats', 'sends'])
      .where('kind', '=', 'support_card')
      .execute();
  const as = (service: ServiceProcess, who: { id: string }, path: string) =>
    fetch(`${service.baseUrl}${path}`, { headers: { authorization: `Local ${who.id}` } }).then((r) => r.json());

  beforeEach(async () => {
    shared = await createSharedDatabase(kind);
    connector = await startConnectorStandIn();
    await seedDepartment(shared.db);
    await seedPeople(shared.db, { staff: [tutor, admin], students: [student] });
    await saveTutorChat(shared.db, tutor, connector.serviceUrl);
  });
  afterEach(async () => {
    for (const s of services.splice(0)) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
    await connector.close();
    await shared.drop();
  });

  it('when it dies while the connector holds the reply with the urgent contacts, then the restarted service sends them once when the hold ends, and the tutor’s urgent alert is intact', async () => {
    const first = await startService(env());
    services.push(first);
    // The connector takes the reply's request and keeps it waiting: the card is queued, and on its way.
    connector.holdNext(STUDENT_CHAT, 1, { when: (r) => r.replyToId === 'msg-1' });
    const answered = writeAsStudent(first.baseUrl, connector.serviceUrl, student, 'msg-1', CRISIS).catch((error: unknown) => error);
    await eventually(async () => expect(connector.held()).toBe(1), 60_000);
    expect((await supportCardRows()).map((r) => r.status)).toEqual(['pending']);
    // The tutor has been told while the reply waits.
    await eventually(
      async () => expect(noticesToTutor()).toEqual([expect.stringContaining('Urgent: Rae Quiet may need help now')]),
      30_000,
    );
    // ...and the sends to the tutor are on record as sent (a send cut off by the kill would rightly go again, as a maybe-repeat).
    await eventually(async () => {
      const toStaff = await shared.db.selectFrom('outbox').select('status').where('kind', '!=', 'support_card').execute();
      expect(toStaff.length).toBeGreaterThan(0);
      expect(toStaff.map((r) => r.status).filter((status) => status !== 'sent')).toEqual([]);
    }, 30_000);

    first.child.kill('SIGKILL');
    await first.exited;
    // The student's message got no answer, and the reply the connector held never went.
    expect(String(await answered)).toMatch(/fetch failed/);
    await eventually(async () =>
      expect(connector.requests.filter((r) => r.conversationId === STUDENT_CHAT).map((r) => r.status)).toEqual([0]),
    );
    const [held] = await supportCardRows();
    expect(held).toMatchObject({ status: 'pending', sends: 0 });
    const holdEnds = Date.parse(held!.claimed_until ?? '');

    const second = await startService(env());
    services.push(second);
    await eventually(async () => expect((await supportCardRows()).map((r) => r.status)).toEqual(['sent']), 120_000);

    const cards = cardsToStudent();
    expect(cards).toHaveLength(1);
    // From the outbox, once the dead reply's hold ran out (not while it might still have been sending).
    expect(cards[0]!.at).toBeGreaterThanOrEqual(holdEnds);
    const words = cardWords(cards[0]!);
    expect(words).toContain('We are sorry this reply is late');
    expect(words).toContain('Samaritans (24 hours)');
    expect(words).toContain('We have also let your personal tutor know');
    // The reply was in flight when the service died, so the card may have gone twice: it is on record as such.
    expect(await supportCardRows()).toEqual([expect.objectContaining({ sent_activity_id: cards[0]!.activityId, repeats: 1, sends: 1 })]);
    const data = (await as(second, admin, '/api/data')) as DataStatus;
    expect(data.deliveryProblems).toEqual([
      expect.objectContaining({ problem: 'maybe_repeated', recipientName: 'Rae Quiet', what: 'Support contacts to a student' }),
    ]);
    expect((await listAudit(shared.db)).filter((a) => a.action === 'sent_support_card')).toEqual([
      expect.objectContaining({ subjectId: student.id, detail: expect.objectContaining({ tier: 'risk', via: 'outbox' }) }),
    ]);

    // The tutor's side is intact: one urgent notice, the alert pinned with the contacts shown, the message on record.
    expect(noticesToTutor()).toHaveLength(1);
    expect(((await as(second, tutor, '/api/urgent')) as UrgentListResponse).alerts).toEqual([
      expect.objectContaining({ studentName: 'Rae Quiet', message: CRISIS, contacts: 'shown' }),
    ]);
    expect((await listAudit(shared.db)).filter((a) => a.action === 'student.urgent_message')).toHaveLength(1);

    // Another hold later, nothing more went to the student.
    await new Promise((r) => setTimeout(r, HOLD_SECONDS * 1000 + 2000));
    expect(cardsToStudent()).toHaveLength(1);
    expect(noticesToTutor()).toHaveLength(1);
  });
});
