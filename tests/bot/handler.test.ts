import { sql } from 'kysely';
import { TestAdapter, type Activity } from 'botbuilder';
import { EngagementBot } from '../../bot/teams/bot';
import { installTurnErrorHandler } from '../../bot/teams/adapter';
import { parseConfig } from '../../bot/config';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { seedCase } from './fixtures';
import { loadCaseSummary } from '../../bot/commands/case-summary.command';

const cardOf = (a: Partial<Activity>) => JSON.stringify(a.attachments?.[0]?.content ?? {});

describe('the bot handler (TestAdapter)', () => {
  let t: TestDatabase;
  let adapter: TestAdapter;
  let bot: EngagementBot;
  let queued = 0;
  let urgentQueued: string[][] = [];
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const officer = buildStaff({ roles: ['student_experience_officer'] });
  const student = buildStudent({ givenName: 'Sam', tutorId: tutor.id });
  // No personal tutor: whoever hears of their messages, the student is never told it was "your personal tutor".
  const untutored = buildStudent({ givenName: 'Ola', tutorId: null });

  beforeEach(async () => {
    queued = 0;
    urgentQueued = [];
    t = await createTestDatabase('sqlite');
    await seedDepartment(t.db);
    await seedPeople(t.db, { staff: [tutor, officer], students: [student, untutored] });
    const support = parseConfig({ SUPPORT_CONTACTS: '[{"name":"Wellbeing Service","detail":"wellbeing@example.ac.uk"}]' }).support;
    bot = new EngagementBot({
      db: t.db,
      logger: silentLogger,
      now: () => new Date(NOW),
      publicUrl: 'https://x',
      support,
      onStaffReachable: async () => undefined,
      onDeliveriesQueued: () => void queued++,
      onUrgentQueued: (staffIds) => void urgentQueued.push([...staffIds]),
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
      .assertReply((reply) => expect(reply.text).toContain('please contact your department office'));
  });

  it('when a student types help, then the support contacts from config are shown, with the contacts for any hour of day or night', async () => {
    await adapter.send(as(student.entraId, 'help')).assertReply((reply) => {
      expect(cardOf(reply)).toContain('wellbeing@example.ac.uk');
      expect(cardOf(reply)).toContain('116 123');
      expect(cardOf(reply)).toContain('Your personal tutor will read it');
      expect(cardOf(reply)).not.toContain('Engagement Monitor');
    });
    await adapter
      .send(as(untutored.entraId, 'help'))
      .assertReply((reply) => expect(cardOf(reply)).toContain('Staff who support students in your department will read it'));
  });

  it('when a student installs the app, then they are greeted by name and told who reads what they write', async () => {
    const added = (aadObjectId: string): Partial<Activity> => ({
      type: 'conversationUpdate',
      membersAdded: [{ id: 'bot', name: 'bot' }],
      recipient: { id: 'bot', name: 'bot' },
      from: { id: 'u1', name: 'someone', aadObjectId },
      conversation: { id: 'c1', isGroup: false, conversationType: 'personal', name: '' },
    });
    await adapter
      .send(added(student.entraId ?? ''))
      .assertReply((reply) =>
        expect(reply.text).toBe(
          'Hello Sam. You can write to me here at any time, and your personal tutor will read it. Type "help" to see where you can find support.',
        ),
      );
  });

  it('when a student with an open case writes urgent words, then emergency contacts show at once and the tutor and wellbeing role are alerted', async () => {
    const c = await seedCase(t.db, student.id);
    await adapter.send(as(student.entraId, "I can't go on")).assertReply((reply) => expect(cardOf(reply)).toContain('116 123'));
    const notices = (await listDeliveries(t.db)).filter((d) => d.kind === 'notice');
    expect(notices.map((n) => n.recipientStaffId).sort()).toEqual([tutor.id, officer.id].sort());
    expect(notices[0]?.payload.urgent).toBe(true);
    expect((await listCaseEvents(t.db, c.id)).find((e) => e.kind === 'student_message')?.data).toMatchObject({ urgent: true });
    expect(urgentQueued).toEqual([expect.arrayContaining([tutor.id, officer.id])]);
  });

  it('when a student writes indirectly that they do not want to be here, then the urgent contacts come at once, the tier is on the timeline and staff alerts skip the queue', async () => {
    const c = await seedCase(t.db, student.id);
    await adapter.send(as(student.entraId, 'honestly i dont wanna be here anymore')).assertReply((reply) => {
      expect(cardOf(reply)).toContain('You do not have to deal with this alone');
      expect(cardOf(reply)).toContain('116 123');
      expect(cardOf(reply)).toContain('We have also let your personal tutor and the wellbeing team know');
    });
    const notices = (await listDeliveries(t.db)).filter((d) => d.kind === 'notice');
    expect(notices.map((n) => n.recipientStaffId).sort()).toEqual([tutor.id, officer.id].sort());
    expect(notices.every((n) => n.payload.urgent === true && n.payload.tier === 'risk')).toBe(true);
    expect(notices[0]?.payload.title).toBe(`Urgent: Sam ${student.familyName} may need help now`);
    expect((await listCaseEvents(t.db, c.id)).find((e) => e.kind === 'student_message')?.data).toEqual({
      tier: 'risk',
      phrase: "don't want to be here",
      urgent: true,
    });
    expect(urgentQueued).toEqual([expect.arrayContaining([tutor.id, officer.id])]);
    expect(queued).toBe(0);
    const timeline = (await loadCaseSummary(t.db, c)).timeline;
    expect(timeline.find((e) => e.kind === 'student_message')).toMatchObject({
      label: 'Student sent a message (urgent: contacts shown, tutor and wellbeing team alerted)',
      note: 'honestly i dont wanna be here anymore',
    });
  });

  it('when a long message ends in words of crisis past what is stored, then it is still risk', async () => {
    const long = `${'I have been thinking about the module and the reading list. '.repeat(40)}Honestly I want to end my life.`;
    expect(long.length).toBeGreaterThan(2000);
    await adapter.send(as(student.entraId, long)).assertReply((reply) => expect(cardOf(reply)).toContain('116 123'));
    expect((await listDeliveries(t.db)).filter((d) => d.kind === 'notice').map((d) => d.payload.tier)).toEqual(['risk', 'risk']);
  });

  it('when a student writes that they are not coping, then they get the support contacts kindly and only their tutor is told', async () => {
    const c = await seedCase(t.db, student.id);
    await adapter.send(as(student.entraId, 'im not coping, everything is just too much')).assertReply((reply) => {
      expect(cardOf(reply)).toContain('Thank you for telling us');
      expect(cardOf(reply)).toContain('wellbeing@example.ac.uk');
      expect(cardOf(reply)).toContain('We have passed this on to your personal tutor, who will be in touch.');
    });
    const notices = (await listDeliveries(t.db)).filter((d) => d.kind === 'notice');
    expect(notices.map((n) => [n.recipientStaffId, n.payload.title, n.payload.urgent, n.payload.tier])).toEqual([
      [tutor.id, `Sam ${student.familyName} may be struggling`, false, 'distress'],
    ]);
    expect((await listCaseEvents(t.db, c.id)).find((e) => e.kind === 'student_message')?.data).toMatchObject({ tier: 'distress' });
    expect(urgentQueued).toEqual([]);
    expect(queued).toBe(1);
  });

  it('when a student with no personal tutor writes words of crisis or distress, then what they read names who was really told', async () => {
    await adapter.send(as(untutored.entraId, 'i feel like giving up on everything, whats the point')).assertReply((reply) => {
      expect(cardOf(reply)).toContain('116 123');
      expect(cardOf(reply)).toContain('We have also let staff who support students in your department know');
      expect(cardOf(reply)).not.toContain('personal tutor');
    });
    expect((await listDeliveries(t.db)).filter((d) => d.kind === 'notice').map((n) => n.recipientStaffId)).toEqual([officer.id]);
    await adapter.send(as(untutored.entraId, 'im not coping, everything is just too much')).assertReply((reply) => {
      expect(cardOf(reply)).toContain('We have passed this on to staff who support students in your department');
      expect(cardOf(reply)).not.toContain('personal tutor');
    });
  });

  it('when a student says they will not hurt themselves, then it is still treated as distress, not as an ordinary message', async () => {
    await adapter
      .send(as(student.entraId, "I'm not going to hurt myself, I just feel awful"))
      .assertReply((reply) => expect(cardOf(reply)).toContain('Thank you for telling us'));
    expect((await listDeliveries(t.db)).filter((d) => d.kind === 'notice').map((d) => d.payload.tier)).toEqual(['distress']);
  });

  it('when a student uses an everyday idiom, then the usual thank-you is sent and nobody is alerted', async () => {
    const c = await seedCase(t.db, student.id);
    await adapter
      .send(as(student.entraId, 'this deadline is killing me lol, I killed it in the last one though'))
      .assertReply((reply) =>
        expect(reply.text).toContain('Thank you for your message. Your personal tutor will read it and get back to you.'),
      );
    const notices = (await listDeliveries(t.db)).filter((d) => d.kind === 'notice');
    expect(notices.map((n) => [n.recipientStaffId, n.payload.urgent, n.payload.tier])).toEqual([[tutor.id, false, 'none']]);
    expect((await listCaseEvents(t.db, c.id)).find((e) => e.kind === 'student_message')?.data).toEqual({});
  });

  it('when a student answers a check-in card with words of crisis, then the urgent contacts come at once and the tutor and wellbeing role are alerted', async () => {
    const c = await seedCase(t.db, student.id);
    const invoke: Partial<Activity> = {
      ...as(student.entraId, ''),
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: {
        action: {
          type: 'Action.Execute',
          verb: 'checkin.reply',
          data: { caseId: c.id, choice: 'message', message: 'tbh i cant do this anymore' },
        },
        trigger: 'manual',
      },
    };
    await adapter.send(invoke).assertReply((reply) => expect(cardOf(reply)).toContain('You do not have to deal with this alone'));
    expect((await listCaseEvents(t.db, c.id)).find((e) => e.kind === 'student_replied')?.data).toMatchObject({
      choice: 'message',
      tier: 'risk',
      phrase: "can't go on",
    });
    expect(urgentQueued).toEqual([expect.arrayContaining([tutor.id, officer.id])]);
  });

  it('when someone the app does not know writes words of crisis, then they are shown the urgent contacts too', async () => {
    await adapter.send(as('aad-stranger', 'i want to kms')).assertReply((reply) => {
      expect(cardOf(reply)).toContain('116 123');
      expect(cardOf(reply)).not.toContain('We have also let your personal tutor');
    });
  });

  it('when someone the app does not know writes of distress, then they are shown where to find support, told it was not passed on', async () => {
    await adapter.send(as('aad-stranger', 'im not coping, everything is too much')).assertReply((reply) => {
      expect(cardOf(reply)).toContain('wellbeing@example.ac.uk');
      expect(cardOf(reply)).toContain('We could not pass this on to a member of staff just now');
    });
  });

  it('when a student nobody is linked to writes an ordinary message, then they are told it could not be passed on and whom to ask', async () => {
    await adapter
      .send(as(untutored.entraId, 'can I change my seminar group?'))
      .assertReply((reply) => expect(reply.text).toContain('no member of staff is linked to you here yet, so I could not pass it on'));
  });

  it('when a student writes outside working hours, then they are told their tutor reads it when next at work, and pointed to the contacts for any hour', async () => {
    const night = new EngagementBot({
      db: t.db,
      logger: silentLogger,
      now: () => new Date('2026-11-27T22:30:00.000Z'),
      publicUrl: 'https://x',
      support: parseConfig({ SUPPORT_CONTACTS: '[{"name":"Wellbeing Service","detail":"wellbeing@example.ac.uk"}]' }).support,
      onStaffReachable: async () => undefined,
      onDeliveriesQueued: () => undefined,
      schedule: { timeZone: 'Europe/London', quietHours: { start: 19 * 60, end: 8 * 60 } },
    });
    const nightAdapter = new TestAdapter((context) => night.run(context));
    await nightAdapter
      .send(as(student.entraId, 'can I change my seminar group?'))
      .assertReply((reply) =>
        expect(reply.text).toContain('It is outside working hours, so your personal tutor will read it when they are next at work.'),
      );
    await nightAdapter.send(as(student.entraId, 'im not coping, everything is too much')).assertReply((reply) => {
      expect(cardOf(reply)).toContain('It is outside working hours, so they will see it when they are next at work.');
      expect(cardOf(reply)).toContain('If you need someone before then');
      expect(cardOf(reply)).toContain('116 123');
    });
    await adapter
      .send(as(student.entraId, 'im not coping, everything is too much'))
      .assertReply((reply) => expect(cardOf(reply)).not.toContain('outside working hours'));
  });

  it('when storing a distress message fails, then the student still sees where to find support, then an apology that says their message may not have got through', async () => {
    await sql`drop table outbox`.execute(t.db);
    const replies: Partial<Activity>[] = [];
    const failing = new TestAdapter(async (context) => {
      context.onSendActivities(async (_ctx, activities, next) => {
        replies.push(...activities);
        return next();
      });
      await bot.run(context);
    });
    installTurnErrorHandler(failing, silentLogger);
    await failing.send(as(student.entraId, 'im not coping, everything is too much')).startTest();
    expect(cardOf(replies[0] ?? {})).toContain('wellbeing@example.ac.uk');
    expect(cardOf(replies[0] ?? {})).toContain('We could not pass this on to a member of staff just now');
    expect(replies[1]?.text).toBe(
      'Sorry, something went wrong on our side, so your message may not have got through. Please try again in a few minutes.',
    );
  });

  it('when storing a risk message fails, then the student still sees the urgent contacts, told plainly to reach out to them', async () => {
    await sql`drop table outbox`.execute(t.db);
    await adapter.send(as(student.entraId, 'i want to end my life')).assertReply((reply) => {
      expect(cardOf(reply)).toContain('116 123');
      expect(cardOf(reply)).toContain('Please reach out to one of them now');
      expect(cardOf(reply)).not.toContain('We have also let your personal tutor');
    });
    expect(urgentQueued).toEqual([]);
  });

  it('when the database is down as a student writes words of crisis, then the urgent contacts are still shown before the error', async () => {
    await t.db.destroy();
    const replies: Partial<Activity>[] = [];
    const failing = new TestAdapter(async (context) => {
      context.onSendActivities(async (_ctx, activities, next) => {
        replies.push(...activities);
        return next();
      });
      await bot.run(context);
    });
    await expect(failing.send(as(student.entraId, 'i cant go on, i want to die'))).rejects.toThrow();
    expect(replies.map(cardOf).join(' ')).toContain('116 123');
  });
});
