import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { UNIVERSITY_CONTACTS_ENV, startTestApp, type RunningApp } from '../support/app';
import { CRISIS, STUDENT_CHAT, TUTOR_CHAT, cardWords, saveTutorChat, writeAsStudent } from '../support/student-chat';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { listAudit } from '../../bot/store/audit.repository';
import { drainDue } from '../../bot/teams/deliver.command';
import { eventually } from '../support/eventually';
import type { UrgentListResponse } from '../../shared/api/urgent';

const HOLD_SECONDS = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DATABASE_KINDS)('a student’s urgent contacts while Teams is slow or throttling, on %s', (kind) => {
  let t: TestDatabase;
  let connector: ConnectorStandIn;
  let app: RunningApp;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const student = buildStudent({ givenName: 'Rae', familyName: 'Quiet', tutorId: tutor.id });

  const start = async (env: Record<string, string>) => {
    app = await startTestApp({ ...UNIVERSITY_CONTACTS_ENV, SUPPORT_CARD_HOLD_SECONDS: String(HOLD_SECONDS), ...env }, { db: t.db });
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor], students: [student] });
    await saveTutorChat(t.db, tutor, connector.serviceUrl);
  };
  const studentWrites = (id: string, text: string) => writeAsStudent(app.baseUrl, connector.serviceUrl, student, id, text);
  const contactsSeenByTutor = async () => {
    const res = await fetch(`${app.baseUrl}/api/urgent`, { headers: { authorization: `Local ${tutor.id}` } });
    return ((await res.json()) as UrgentListResponse).alerts.map((a) => [a.studentName, a.contacts]);
  };
  const cardsToStudent = () => connector.received.filter((r) => r.conversationId === STUDENT_CHAT && r.body.attachments?.length);
  const noticesToTutor = () => connector.received.filter((r) => r.conversationId === TUTOR_CHAT && r.method === 'POST');
  const supportCards = async () => (await listDeliveries(t.db)).filter((d) => d.kind === 'support_card');
  const cardAudit = async () => (await listAudit(t.db)).filter((a) => a.action === 'sent_support_card');

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    connector = await startConnectorStandIn();
  });
  afterEach(async () => {
    connector.releaseHeld();
    await app?.close();
    await connector.close();
    await t.drop();
  });

  it('when the connector keeps the reply waiting longer than the hold, then the outbox never sends the card meanwhile, the tutor is alerted at once, and the student gets it once, in the reply', async () => {
    // No scheduled runs: the delivery worker is run by hand while the reply waits, past the hold.
    await start({ JOBS_ENABLED: 'false' });
    connector.holdNext(STUDENT_CHAT, 1, { when: (r) => r.replyToId === 'msg-1' });

    const answered = studentWrites('msg-1', CRISIS);
    await eventually(async () => expect(connector.held()).toBe(1), 10_000);
    // The tutor hears at once, without waiting for the student's reply to get through.
    await eventually(async () =>
      expect(noticesToTutor().map((r) => JSON.stringify(r.body))).toEqual([expect.stringContaining('Urgent: Rae Quiet')]),
    );

    // What the tutor reads while the contacts have not yet reached the student is true of that moment.
    const notice = JSON.stringify(noticesToTutor()[0]!.body);
    expect(notice).toContain('Emergency and out-of-hours support contacts are being sent to them in their Teams chat with the app.');
    expect(notice).toContain('The Engagement Monitor tab shows whether the contacts have reached them');
    expect(notice).not.toMatch(/have been shown/);

    // The hold ends twice over while the connector still holds the reply, and the worker runs.
    await sleep(HOLD_SECONDS * 2000 + 500);
    expect(connector.held()).toBe(1);
    await drainDue(app.app.services.deliver);
    expect(cardsToStudent()).toHaveLength(0);
    expect(await contactsSeenByTutor()).toEqual([['Rae Quiet', 'waiting']]);
    // Teams, with no answer yet, sends the message again: the card is the reply's to send, not a second one,
    // and the message is recorded, and the tutor told, once: one urgent alert, still waiting for the contacts.
    expect((await studentWrites('msg-1', CRISIS)).status).toBe(200);
    await drainDue(app.app.services.deliver);
    expect(cardsToStudent()).toHaveLength(0);
    expect(await contactsSeenByTutor()).toEqual([['Rae Quiet', 'waiting']]);
    expect(noticesToTutor()).toHaveLength(1);
    expect((await listAudit(t.db)).filter((a) => a.action === 'student.urgent_message')).toHaveLength(1);

    connector.releaseHeld();
    expect((await answered).status).toBe(200);
    const cards = cardsToStudent();
    expect(cards).toHaveLength(1);
    expect(cardWords(cards[0]!)).toContain('Samaritans (24 hours)');
    expect(cardWords(cards[0]!)).not.toContain('late');
    expect(await supportCards()).toEqual([expect.objectContaining({ status: 'sent', sentActivityId: cards[0]!.activityId })]);
    expect(await cardAudit()).toEqual([expect.objectContaining({ detail: expect.objectContaining({ via: 'reply' }) })]);

    // Past another hold, the worker still finds nothing to send.
    await sleep(HOLD_SECONDS * 1000 + 500);
    await drainDue(app.app.services.deliver);
    expect(cardsToStudent()).toHaveLength(1);
    expect(await contactsSeenByTutor()).toEqual([['Rae Quiet', 'shown']]);
    expect(noticesToTutor()).toHaveLength(1);
  });

  it('when Teams answers the card 429 with Retry-After, then the outbox waits out each Retry-After and the student gets the card once', async () => {
    await start({ JOBS_ENABLED: 'true', NOTIFY_EVERY_SECONDS: '1', DELIVERY_BACKOFF_SECONDS: '1' });
    app.app.scheduler.start();
    const inTurn = (r: { replyToId?: string }) => r.replyToId === 'msg-2';
    // Teams throttles the student's chat: every reply in the turn, then the outbox's first two sends,
    // one with a short Retry-After (waited out in place) and one longer than the worker waits in place.
    connector.failNext(STUDENT_CHAT, 30, { status: 429, retryAfterSeconds: 1, when: inTurn });
    connector.failNext(STUDENT_CHAT, 1, { status: 429, retryAfterSeconds: 2, when: (r) => !inTurn(r) });
    connector.failNext(STUDENT_CHAT, 1, { status: 429, retryAfterSeconds: 7, when: (r) => !inTurn(r) });

    expect((await studentWrites('msg-2', CRISIS)).status).toBe(500);
    await eventually(async () => expect((await supportCards()).map((d) => d.status)).toEqual(['sent']), 40_000);

    const outbox = connector.requests.filter((r) => r.conversationId === STUDENT_CHAT && !inTurn(r));
    expect(outbox.map((r) => r.status)).toEqual([429, 429, 201]);
    expect(outbox[1]!.at - outbox[0]!.at).toBeGreaterThanOrEqual(2000);
    expect(outbox[2]!.at - outbox[1]!.at).toBeGreaterThanOrEqual(7000);
    const cards = cardsToStudent();
    expect(cards).toHaveLength(1);
    expect(cardWords(cards[0]!)).toContain('We are sorry this reply is late');
    expect(await cardAudit()).toEqual([expect.objectContaining({ detail: expect.objectContaining({ via: 'outbox' }) })]);
    expect(await contactsSeenByTutor()).toEqual([['Rae Quiet', 'shown']]);

    await sleep(HOLD_SECONDS * 1000 + 1500);
    expect(cardsToStudent()).toHaveLength(1);
  });
});
