import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { UNIVERSITY_CONTACTS_ENV, startTestApp, type RunningApp } from '../support/app';
import { saveConversation } from '../../bot/store/conversation.repository';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { listAudit } from '../../bot/store/audit.repository';
import { drainDue } from '../../bot/teams/deliver.command';
import { eventually } from '../support/eventually';
import type { DataStatus } from '../../shared/api/data';
import type { UrgentListResponse } from '../../shared/api/urgent';
import { cardWords } from '../support/student-chat';

const CRISIS = 'i honestly dont want to be here anymore';
const STUDENT_CHAT = 'a:student-chat';
/** SUPPORT_CARD_HOLD_SECONDS by default. */
const SUPPORT_CARD_HOLD_MS = 30_000;

describe.each(DATABASE_KINDS)('a student writing words of crisis while the Bot Connector fails, on %s', (kind) => {
  let t: TestDatabase;
  let connector: ConnectorStandIn;
  let app: RunningApp;
  /** Added to the real time: moves the service past the hold without waiting for it. */
  let skewMs = 0;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const admin = buildStaff({ displayName: 'Dee Admin', roles: ['department_admin'] });
  const student = buildStudent({ givenName: 'Rae', familyName: 'Quiet', tutorId: tutor.id });

  const start = async (env: Record<string, string> = {}) => {
    app = await startTestApp(
      { ...UNIVERSITY_CONTACTS_ENV, JOBS_ENABLED: 'true', NOTIFY_EVERY_SECONDS: '1', DELIVERY_BACKOFF_SECONDS: '1', ...env },
      { db: t.db, now: () => new Date(Date.now() + skewMs) },
    );
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor, admin], students: [student] });
    await saveConversation(
      t.db,
      {
        userAadId: tutor.entraId ?? '',
        staffId: tutor.id,
        studentId: null,
        reference: {
          serviceUrl: connector.serviceUrl,
          channelId: 'msteams',
          conversation: { id: 'conv-tutor', isGroup: false, conversationType: 'personal', name: '' },
          bot: { id: 'bot', name: 'bot' },
          user: { id: 'u-tutor', name: tutor.displayName },
        },
      },
      NOW,
    );
    app.app.scheduler.start();
  };

  /** The student writes in their Teams chat: what the Bot Connector posts to our endpoint. */
  const studentWrites = (id: string, text: string) =>
    fetch(`${app.baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id,
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        from: { id: '29:rae', aadObjectId: student.entraId },
        recipient: { id: '28:bot' },
        conversation: { id: STUDENT_CHAT, conversationType: 'personal' },
        text,
      }),
    });

  /** What the urgent panel tells the tutor about the contacts reaching the student. */
  const contactsSeenByTutor = async () => {
    const res = await fetch(`${app.baseUrl}/api/urgent`, { headers: { authorization: `Local ${tutor.id}` } });
    return ((await res.json()) as UrgentListResponse).alerts.map((a) => [a.studentName, a.contacts]);
  };
  const cardsToStudent = () => connector.received.filter((r) => r.conversationId === STUDENT_CHAT && r.body.attachments?.length);
  const supportCards = async () => (await listDeliveries(t.db)).filter((d) => d.kind === 'support_card');

  beforeEach(async () => {
    skewMs = 0;
    t = await createTestDatabase(kind);
    connector = await startConnectorStandIn();
  });
  afterEach(async () => {
    await app?.close();
    await connector.close();
    await t.drop();
  });

  it('when the connector answers 502 and then 503 with Retry-After, then the turn is our 500, the tutor is alerted, and once it recovers the student gets the urgent contacts exactly once', async () => {
    await start();
    // The Bot Connector fails every reply in the turn (the card, botbuilder's retries, the apology), and
    // then answers the outbox's sends 502 three times and 503 with Retry-After twice before it recovers.
    const inTurn = (r: { replyToId?: string }) => r.replyToId === 'msg-1';
    connector.failNext(STUDENT_CHAT, 20, { status: 502, body: '<html><body>502 Bad Gateway</body></html>', when: inTurn });
    connector.failNext(STUDENT_CHAT, 3, { status: 502, when: (r) => !inTurn(r) });
    connector.failNext(STUDENT_CHAT, 2, { status: 503, retryAfterSeconds: 1, when: (r) => !inTurn(r) });

    const answered = studentWrites('msg-1', CRISIS);
    // Until the card gets through (the outbox takes it while the turn still tries its apology), the tutor's
    // urgent panel says the contacts have not reached the student.
    await eventually(async () => expect(await contactsSeenByTutor()).toEqual([['Rae Quiet', 'waiting']]), 30_000);
    const res = await answered;
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      code: 'internal',
      message: 'Something went wrong on our side. It has been logged; please try again.',
    });
    const turn = connector.requests.filter((r) => r.conversationId === STUDENT_CHAT && inTurn(r));
    expect(turn.length).toBeGreaterThanOrEqual(2);
    expect(turn.every((r) => r.status === 502)).toBe(true);

    // The tutor's urgent alert is queued as before (and goes: their chat is not failing).
    const notices = (await listDeliveries(t.db)).filter((d) => d.kind === 'notice');
    expect(notices).toEqual([expect.objectContaining({ recipientStaffId: tutor.id, payload: expect.objectContaining({ urgent: true }) })]);

    await eventually(async () => expect((await supportCards()).map((d) => d.status)).toEqual(['sent']), 60_000);
    // The outbox rode out the 502s with backoff and waited out each 503's Retry-After before the card went.
    const outbox = connector.requests.filter((r) => r.conversationId === STUDENT_CHAT && !inTurn(r));
    expect(await contactsSeenByTutor()).toEqual([['Rae Quiet', 'shown']]);
    expect(outbox.map((r) => r.status)).toEqual([502, 502, 502, 503, 503, 201]);
    for (const i of [4, 5]) expect(outbox[i]!.at - outbox[i - 1]!.at).toBeGreaterThanOrEqual(1000);

    const tutorAlerted = async () =>
      expect(connector.received.filter((r) => r.conversationId === 'conv-tutor').map((r) => JSON.stringify(r.body))).toEqual([
        expect.stringContaining('Urgent: Rae Quiet may need help now'),
      ]);
    await eventually(tutorAlerted);
    // Later runs of the worker, past the hold, send nothing more.
    skewMs = SUPPORT_CARD_HOLD_MS * 2;
    await drainDue(app.app.services.deliver);
    const cards = cardsToStudent();
    expect(cards).toHaveLength(1);
    const words = cardWords(cards[0]!);
    expect(words).toContain('You do not have to deal with this alone');
    expect(words).toContain('We are sorry this reply is late');
    expect(words).toContain('Samaritans (24 hours)');
    expect(words).toContain('Call 116 123 free, any time.');
    expect(words).toContain('Campus security (24 hours)');
    expect(words).toContain('01632 960999');
    expect(words).toContain('We have also let your personal tutor know');

    await tutorAlerted();
    const audit = (await listAudit(t.db)).filter((a) => a.action === 'sent_support_card');
    expect(audit).toEqual([
      expect.objectContaining({
        subjectId: student.id,
        detail: expect.objectContaining({ tier: 'risk', via: 'outbox', activityId: cards[0]!.activityId }),
      }),
    ]);

    // Teams sends the message it had no answer to again: the card for it is not sent twice.
    const again = await studentWrites('msg-1', CRISIS);
    expect(again.status).toBe(200);
    await drainDue(app.app.services.deliver);
    expect(cardsToStudent()).toHaveLength(1);
  });

  it('when the reply with the urgent contacts goes at once, then the outbox never sends it again', async () => {
    await start();
    const res = await studentWrites('msg-2', CRISIS);
    expect(res.status).toBe(200);
    expect(cardsToStudent()).toHaveLength(1);
    expect(cardWords(cardsToStudent()[0]!)).not.toContain('late');
    expect(await supportCards()).toEqual([expect.objectContaining({ status: 'sent', sentActivityId: expect.any(String) })]);

    await eventually(async () => expect(connector.received.filter((r) => r.conversationId === 'conv-tutor')).toHaveLength(1));
    // Long after the hold would have ended, the worker finds nothing to send.
    skewMs = SUPPORT_CARD_HOLD_MS * 2;
    await drainDue(app.app.services.deliver);
    expect(cardsToStudent()).toHaveLength(1);
    expect(await contactsSeenByTutor()).toEqual([['Rae Quiet', 'shown']]);
    expect((await listAudit(t.db)).filter((a) => a.action === 'sent_support_card')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ tier: 'risk', via: 'reply' }) }),
    ]);
  });

  it('when a distress message cannot be answered and the card never gets through, then it is a dead letter on the Data page', async () => {
    await start({ DELIVERY_MAX_ATTEMPTS: '1' });
    connector.failNext(STUDENT_CHAT, 40, { status: 502 });

    const res = await studentWrites('msg-3', 'i feel so overwhelmed and alone lately');
    expect(res.status).toBe(500);
    await eventually(
      async () => expect((await supportCards()).map((d) => [d.status, d.payload.tier])).toEqual([['failed', 'distress']]),
      30_000,
    );

    const data = (await (await fetch(`${app.baseUrl}/api/data`, { headers: { authorization: `Local ${admin.id}` } })).json()) as DataStatus;
    expect(data.deliveryProblems).toEqual([
      expect.objectContaining({
        problem: 'gave_up',
        recipientName: 'Rae Quiet',
        what: 'Support contacts to a student',
      }),
    ]);
    expect(cardsToStudent()).toHaveLength(0);
  });

  it('when the urgent contacts never get through to the student, then the tutor’s urgent panel says so', async () => {
    await start({ DELIVERY_MAX_ATTEMPTS: '1' });
    connector.failNext(STUDENT_CHAT, 40, { status: 502 });

    expect((await studentWrites('msg-4', CRISIS)).status).toBe(500);
    await eventually(
      async () => expect((await supportCards()).map((d) => [d.status, d.payload.tier])).toEqual([['failed', 'risk']]),
      30_000,
    );
    expect(await contactsSeenByTutor()).toEqual([['Rae Quiet', 'failed']]);
    expect(cardsToStudent()).toHaveLength(0);
  });
});
