import { createApp, type App } from '../../bot/app';
import { buildTestConfig } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { cardText, startPlayground, type Playground, type PlaygroundMessage } from '../support/playground';
import { enqueueDelivery, listDeliveries, NO_CHAT_ERROR } from '../../bot/store/outbox.repository';
import { deliverDue } from '../../bot/teams/deliver.command';
import { eventually } from '../support/eventually';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { seedCase } from '../bot/fixtures';

const TEAMS_APP_ID = '6f1c2a4e-1111-4222-8333-944455556666';
const json = (value: unknown) => JSON.stringify(value);
/** The verbs of the buttons a card offers. */
const verbs = (card: unknown) => [...json(card).matchAll(/"verb":"(case\.[a-z]+)"/g)].map((m) => m[1]);
/** Every URL a card opens. */
const urls = (card: unknown) => [...json(card).matchAll(/"url":"([^"]+)"/g)].map((m) => m[1] ?? '');

describe('card states in the Microsoft 365 Agents Playground', () => {
  let app: App;
  let playground: Playground;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor', entraId: '00000000-0000-4000-8000-00000000a101' });
  // This student has never opened a chat with the app, and no Graph install is configured.
  const student = buildStudent({
    givenName: 'Noor',
    familyName: 'Quiet',
    tutorId: tutor.id,
    entraId: '00000000-0000-4000-8000-00000000b101',
  });

  beforeAll(async () => {
    app = createApp(buildTestConfig({ TEAMS_APP_EXTERNAL_ID: TEAMS_APP_ID }), { now: () => new Date(NOW) });
    await app.prepare();
    await seedDepartment(app.db);
    await seedPeople(app.db, { staff: [tutor], students: [student] });
    const port = (await app.listen()).port;
    playground = await startPlayground({
      botPort: port,
      currentUser: { id: 'user-id-0', name: 'Dr Ada Tutor', aadObjectId: tutor.entraId ?? '' },
    });
  });
  afterAll(async () => {
    await playground?.stop();
    await app?.close();
  });

  it('when the tutor acts on a card, then each state shows what was done, by whom and when, with only the buttons that still make sense, and links open the tab on the student', async () => {
    const c = await seedCase(app.db, student.id);
    await enqueueDelivery(
      app.db,
      { idempotencyKey: 'digest:states', kind: 'digest', recipientStaffId: tutor.id, payload: { caseIds: [c.id] } },
      NOW,
    );
    await playground.say('hello');
    const digest = await playground.waitFor((m) => cardText(m).includes('Noor Quiet'), 'the digest');
    const card = digest.attachments?.[0]?.content;
    expect(cardText(digest)).toContain('Please get in touch soon');
    expect(cardText(digest)).toContain('No activity on any source for 3 weeks of term');
    expect(verbs(card)).toEqual(['case.acknowledge', 'case.outcome', 'case.snooze', 'case.checkin']);

    // Deep links: the full list opens the app's tab, the row opens that student in it.
    const [rowLink, listLink] = urls(card).map((u) => new URL(u));
    expect(listLink?.href.startsWith(`https://teams.microsoft.com/l/entity/${TEAMS_APP_ID}/check-ins`)).toBe(true);
    expect(rowLink?.pathname).toBe(`/l/entity/${TEAMS_APP_ID}/check-ins`);
    expect(JSON.parse(rowLink?.searchParams.get('context') ?? '{}')).toEqual({ subEntityId: student.id });

    const acknowledged = await playground.press(digest.messageId, 'case.acknowledge', { caseId: c.id });
    const afterAck = json(acknowledged.body);
    expect(afterAck).toContain('Being followed up');
    expect(afterAck).not.toContain('Please get in touch soon');
    expect(afterAck).toMatch(/You said you will get in touch, \d+ \w+ 2026 at \d\d:\d\d\./);
    expect(verbs(acknowledged.body)).toEqual(['case.outcome', 'case.snooze', 'case.checkin']);

    // Check-in to a student with no chat: the card says it waits for their Teams, never "sent".
    const pressed = await playground.press(digest.messageId, 'case.checkin', { caseId: c.id });
    expect(json(pressed.body)).not.toContain('Check-in delivered');
    expect(verbs(pressed.body)).toEqual(['case.outcome', 'case.snooze']);
    // The first delivery run finds no chat; the next run of the notify job brings every copy up to date.
    await eventually(async () => {
      const [checkin] = (await listDeliveries(app.db)).filter((d) => d.kind === 'checkin');
      expect(checkin?.lastError).toBe(NO_CHAT_ERROR);
    });
    await deliverDue(app.services.deliver);
    const waiting = await playground.waitFor(
      (m: PlaygroundMessage) => m.messageId === digest.messageId && cardText(m).includes('waiting for the student’s Teams'),
      'the digest updated to say the check-in waits for the student',
    );
    expect(cardText(waiting)).not.toContain('Send check-in');

    // A second press does not pretend: no new check-in is queued.
    const again = await playground.press(digest.messageId, 'case.checkin', { caseId: c.id });
    expect(json(again.body)).toContain('Check-in waiting for the student’s Teams');
    const checkins = (await listDeliveries(app.db)).filter((d) => d.kind === 'checkin');
    expect(checkins).toHaveLength(1);
    expect((await listCaseEvents(app.db, c.id)).filter((e) => e.kind === 'checkin_queued')).toHaveLength(1);

    const snoozed = await playground.press(digest.messageId, 'case.snooze', { caseId: c.id, [`days-${c.id}`]: '5' });
    expect(json(snoozed.body)).toContain('Snoozed until');
    expect(json(snoozed.body)).toMatch(/You snoozed it until \d+ \w+ 2026/);
    expect(verbs(snoozed.body)).toEqual(['case.acknowledge', 'case.outcome']);

    const closed = await playground.press(digest.messageId, 'case.outcome', { caseId: c.id, [`outcome-${c.id}`]: 'contacted_fine' });
    expect(json(closed.body)).toContain('Closed: Contacted and fine.');
    expect(json(closed.body)).toContain('You recorded “Contacted and fine”');
    expect(verbs(closed.body)).toEqual([]);
  });
});
