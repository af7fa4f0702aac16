import { createApp, type App } from '../../bot/app';
import { buildTestConfig } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startPlayground, type Playground, type PlaygroundMessage } from '../support/playground';
import { enqueueDelivery } from '../../bot/store/outbox.repository';
import { findCase } from '../../bot/store/case.repository';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { seedCase } from '../bot/fixtures';

const cardText = (m: PlaygroundMessage) => JSON.stringify(m.attachments ?? []);

describe('the bot in the Microsoft 365 Agents Playground', () => {
  let app: App;
  let playground: Playground;
  let port: number;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor', entraId: '00000000-0000-4000-8000-00000000a001' });
  const student = buildStudent({
    givenName: 'Sam',
    familyName: 'Rivers',
    tutorId: tutor.id,
    entraId: '00000000-0000-4000-8000-00000000b001',
  });

  beforeAll(async () => {
    app = createApp(buildTestConfig(), { now: () => new Date(NOW) });
    await app.prepare();
    await seedDepartment(app.db);
    await seedPeople(app.db, { staff: [tutor], students: [student] });
    port = (await app.listen()).port;
    playground = await startPlayground({
      botPort: port,
      currentUser: { id: 'user-id-0', name: 'Dr Ada Tutor', aadObjectId: tutor.entraId ?? '' },
      users: [{ id: 'user-id-1', name: 'Sam Rivers', aadObjectId: student.entraId ?? '' }],
    });
  });
  afterAll(async () => {
    await playground?.stop();
    await app?.close();
  });

  it('when a tutor with a waiting digest says hello, then the digest arrives, "I\'ll get in touch" refreshes it, and the case is theirs', async () => {
    const c = await seedCase(app.db, student.id);
    await enqueueDelivery(
      app.db,
      { idempotencyKey: 'digest:playground', kind: 'digest', recipientStaffId: tutor.id, payload: { caseIds: [c.id] } },
      NOW,
    );

    await playground.say('hello');
    const help = await playground.waitFor((m) => cardText(m).includes('Type **my students**'), 'the help card');
    const digest = await playground.waitFor((m) => cardText(m).includes('Students who may need a check-in'), 'the digest');
    expect(help).toBeDefined();
    expect(cardText(digest)).toContain('Sam Rivers');
    // Every peer in the fixture views one lecture each term day, so their median over 7 / 14 / 21 term days is exactly that.
    expect(cardText(digest)).toContain('cohort median 7 / 14 / 21');

    const pressed = await playground.press(digest.messageId, 'case.acknowledge', { caseId: c.id });
    expect(pressed.status).toBe(200);
    const response = JSON.stringify(pressed.body);
    expect(response).toContain('application/vnd.microsoft.card.adaptive');
    expect(response).toContain('You said you will get in touch');
    expect(response).toContain('Being followed up');
    expect(await findCase(app.db, c.id)).toMatchObject({ status: 'acknowledged', ownerId: tutor.id });
  });

  it('when the tutor records an outcome with a made-up value, then the bot answers with a 400 and the case is unchanged', async () => {
    const other = buildStudent({ tutorId: tutor.id });
    await seedPeople(app.db, { students: [other] });
    const c = await seedCase(app.db, other.id);
    await playground.say('my students');
    const digest = await playground.waitFor((m) => cardText(m).includes(other.familyName), 'a digest with the second student');
    const pressed = await playground.press(digest.messageId, 'case.outcome', { caseId: c.id, [`outcome-${c.id}`]: 'expelled' });
    expect(JSON.stringify(pressed.body)).toContain('application/vnd.microsoft.error');
    expect((await findCase(app.db, c.id))?.status).toBe('open');

    const saved = await playground.press(digest.messageId, 'case.outcome', {
      caseId: c.id,
      [`outcome-${c.id}`]: 'not_a_concern',
      [`note-${c.id}`]: 'On a field trip.',
    });
    expect(JSON.stringify(saved.body)).toContain('Closed: Not a concern (incorrectly flagged).');
    expect((await listCaseEvents(app.db, c.id)).map((e) => e.kind)).toEqual(['outcome_recorded', 'closed']);
  });

  it('when the tutor sends a check-in and the student answers "I\'d like to talk to someone", then the reply is on the case and the tutor is told; words of crisis, direct or indirect, bring the urgent contacts and alert the tutor at once', async () => {
    const c = (await app.db.selectFrom('cases').select('id').where('student_id', '=', student.id).executeTakeFirstOrThrow()).id;
    // The student has their own Teams (a second Playground) and has said "help" to the bot before.
    const studentTeams = await startPlayground({
      botPort: port,
      currentUser: { id: 'user-id-0', name: 'Sam Rivers', aadObjectId: student.entraId ?? '' },
    });
    try {
      await studentTeams.say('help');
      const help = await studentTeams.waitFor((m) => cardText(m).includes('Where to find support'), 'support contacts for the student');
      expect(cardText(help)).toContain('Wellbeing Service');

      const digest = await playground.waitFor(
        (m) => cardText(m).includes('Sam Rivers') && cardText(m).includes('case.checkin'),
        'the digest with Sam',
      );
      await playground.press(digest.messageId, 'case.checkin', { caseId: c });
      const checkin = await studentTeams.waitFor((m) => cardText(m).includes('wanted to check in'), 'the check-in card');
      expect(cardText(checkin)).not.toMatch(/moodle|panopto|engagement/i);

      const reply = await studentTeams.press(checkin.messageId, 'checkin.reply', {
        caseId: c,
        choice: 'talk',
        message: 'Struggling a bit with deadlines.',
      });
      expect(JSON.stringify(reply.body)).toContain('You replied: I’d like to talk to someone');
      const notice = await playground.waitFor((m) => cardText(m).includes('Sam Rivers replied to your check-in'), 'the tutor being told');
      expect(cardText(notice)).toContain('Struggling a bit with deadlines.');
      const events = await listCaseEvents(app.db, c);
      expect(events.find((e) => e.kind === 'student_replied')).toMatchObject({
        actorKind: 'student',
        note: 'Struggling a bit with deadlines.',
        data: { choice: 'talk' },
      });

      await studentTeams.say('I want to end it all');
      const urgent = await studentTeams.waitFor(
        (m) => cardText(m).includes('You do not have to deal with this alone'),
        'urgent support contacts',
      );
      expect(cardText(urgent)).toContain('116 123');
      await playground.waitFor((m) => cardText(m).includes('Urgent: Sam Rivers may need help now'), 'the tutor alerted at once');

      // Said indirectly, as most people say it: still the urgent contacts at once, and the tutor alerted.
      const indirect = 'honestly i dont wanna be here anymore, everyone would be better off';
      await studentTeams.say(indirect);
      await studentTeams.waitFor(
        (m) => cardText(m).includes('You do not have to deal with this alone') && m.messageId !== urgent.messageId,
        'urgent support contacts for the indirect message',
      );
      const alert = await playground.waitFor(
        (m) => cardText(m).includes('Urgent: Sam Rivers may need help now') && cardText(m).includes(indirect),
        'the tutor alerted about the indirect message',
      );
      expect(cardText(alert)).toContain('may be in danger');
      const said = (await listCaseEvents(app.db, c)).filter((e) => e.kind === 'student_message').map((e) => [e.note, e.data.tier]);
      expect(said).toContainEqual([indirect, 'risk']);
    } finally {
      await studentTeams.stop();
    }
  });
});
