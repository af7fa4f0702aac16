import { TestAdapter, type Activity } from 'botbuilder';
import { EngagementBot } from '../../bot/teams/bot';
import { parseConfig } from '../../bot/config';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { seedCase } from './fixtures';

const cardOf = (a: Partial<Activity>) => JSON.stringify(a.attachments?.[0]?.content ?? {});

describe('the bot handler (TestAdapter)', () => {
  let t: TestDatabase;
  let adapter: TestAdapter;
  let queued = 0;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const officer = buildStaff({ roles: ['student_experience_officer'] });
  const student = buildStudent({ givenName: 'Sam', tutorId: tutor.id });

  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor, officer], students: [student] });
    const support = parseConfig({ SUPPORT_CONTACTS: '[{"name":"Wellbeing Service","detail":"wellbeing@example.ac.uk"}]' }).support;
    const bot = new EngagementBot({
      db: t.db,
      logger: silentLogger,
      now: () => new Date(NOW),
      publicUrl: 'https://x',
      support,
      onStaffReachable: async () => undefined,
      onDeliveriesQueued: () => void queued++,
    });
    adapter = new TestAdapter((context) => bot.run(context));
  });
  afterEach(async () => t.drop());

  const as = (aadObjectId: string | null, text: string): Partial<Activity> => ({
    type: 'message',
    text,
    from: { id: 'u1', name: 'someone', ...(aadObjectId ? { aadObjectId } : {}) },
    conversation: { id: 'c1', isGroup: false, conversationType: 'personal', name: '' },
  });

  it('when a tutor types anything else, then a short help card answers', async () => {
    await adapter
      .send(as(tutor.entraId, 'what can you do?'))
      .assertReply((reply) => expect(cardOf(reply)).toContain('Type **my students**'));
  });

  it('when someone the app does not know writes, then they are told kindly whom to ask', async () => {
    await adapter
      .send(as('aad-stranger', 'hello'))
      .assertReply((reply) => expect(reply.text).toContain('contact your department administrator'));
  });

  it('when a student types help, then the support contacts from config are shown', async () => {
    await adapter.send(as(student.entraId, 'help')).assertReply((reply) => expect(cardOf(reply)).toContain('wellbeing@example.ac.uk'));
  });

  it('when a student with an open case writes urgent words, then emergency contacts show at once and the tutor and wellbeing role are alerted', async () => {
    const c = await seedCase(t.db, student.id);
    await adapter.send(as(student.entraId, "I can't go on")).assertReply((reply) => expect(cardOf(reply)).toContain('116 123'));
    const notices = (await listDeliveries(t.db)).filter((d) => d.kind === 'notice');
    expect(notices.map((n) => n.recipientStaffId).sort()).toEqual([tutor.id, officer.id].sort());
    expect(notices[0]?.payload.urgent).toBe(true);
    expect((await listCaseEvents(t.db, c.id)).find((e) => e.kind === 'student_message')?.data).toMatchObject({ urgent: true });
    expect(queued).toBeGreaterThan(0);
  });
});
