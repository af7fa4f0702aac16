import { createApp, type App } from '../../bot/app';
import { saveConversation } from '../../bot/store/conversation.repository';
import { findOpenCaseOfStudent } from '../../bot/store/case.repository';
import { listDeliveries } from '../../bot/store/outbox.repository';
import { buildTestConfig } from '../support/databases';
import { AUTUMN, NOW, buildStaff, buildStudent, insertTerm, seedDepartment, seedPeople } from '../support/factories';
import { startPlayground, type Playground } from '../support/playground';
import { startConnectorStandIn, type ConnectorStandIn } from '../support/connector-standin';
import { eventually } from '../support/eventually';
import type { Staff } from '../../bot/store/staff.repository';
import type { UrgentListResponse } from '../../shared/api/urgent';

// Late evening, in quiet hours: a risk message must not wait for the morning.
const LATE = '2026-11-26T23:00:00.000Z';
const WORDS = 'honestly i feel like giving up on everything, whats the point';

describe('a student with no case writing words of risk in the Microsoft 365 Agents Playground', () => {
  let app: App;
  let studentTeams: Playground;
  let staffTeams: ConnectorStandIn;
  let port: number;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor', roles: ['personal_tutor'], entraId: '00000000-0000-4000-8000-00000000a021' });
  const wellbeing = buildStaff({
    displayName: 'Wen Wellbeing',
    roles: ['student_experience_officer'],
    entraId: '00000000-0000-4000-8000-00000000a022',
  });
  const student = buildStudent({
    givenName: 'Rae',
    familyName: 'Quiet',
    tutorId: tutor.id,
    entraId: '00000000-0000-4000-8000-00000000b021',
  });

  /** Staff chats live on a stand-in Bot Connector, so what reaches them can be read back. */
  const chatWith = (staff: Staff, conversationId: string) =>
    saveConversation(
      app.db,
      {
        userAadId: staff.entraId ?? '',
        staffId: staff.id,
        studentId: null,
        reference: {
          serviceUrl: staffTeams.serviceUrl,
          channelId: 'msteams',
          conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
          bot: { id: 'bot', name: 'bot' },
          user: { id: `u-${staff.id}`, name: staff.displayName },
        },
      },
      NOW,
    );

  beforeAll(async () => {
    staffTeams = await startConnectorStandIn();
    app = createApp(buildTestConfig({}), { now: () => new Date(LATE) });
    await app.prepare();
    await seedDepartment(app.db);
    await insertTerm(app.db, AUTUMN);
    await seedPeople(app.db, { staff: [tutor, wellbeing], students: [student] });
    await chatWith(tutor, 'conv-tutor');
    await chatWith(wellbeing, 'conv-wellbeing');
    ({ port } = await app.listen());
    studentTeams = await startPlayground({
      botPort: port,
      currentUser: { id: 'user-id-0', name: 'Rae Quiet', aadObjectId: student.entraId ?? '' },
    });
  });
  afterAll(async () => {
    await studentTeams?.stop();
    await app?.close();
    await staffTeams?.close();
  });

  it('when they write an indirect risk message at 23:00, then they get the urgent contacts at once, and their tutor and the wellbeing role are alerted', async () => {
    expect(await findOpenCaseOfStudent(app.db, student.id)).toBeUndefined();
    await studentTeams.say(WORDS);

    const urgent = await studentTeams.waitFor((m) => JSON.stringify(m.attachments ?? []).includes('116 123'), 'urgent support contacts');
    expect(JSON.stringify(urgent.attachments)).not.toContain('Your personal tutor will see it');

    await eventually(async () => {
      const told = new Map(staffTeams.received.map((r) => [r.conversationId, JSON.stringify(r.body)]));
      expect(told.get('conv-tutor')).toContain('Urgent: Rae Quiet may need help now');
      expect(told.get('conv-tutor')).toContain(WORDS);
      expect(told.get('conv-wellbeing')).toContain('Urgent: Rae Quiet may need help now');
    });
    await eventually(async () => {
      const notices = (await listDeliveries(app.db)).filter((d) => d.kind === 'notice');
      expect(notices.map((d) => [d.recipientStaffId, d.status]).sort()).toEqual(
        [
          [tutor.id, 'sent'],
          [wellbeing.id, 'sent'],
        ].sort(),
      );
    });

    // Tracked without a case: pinned in the tab for the tutor until someone records that they acted.
    const pinned = (await (
      await fetch(`http://127.0.0.1:${port}/api/urgent`, { headers: { authorization: `Local ${tutor.id}` } })
    ).json()) as UrgentListResponse;
    expect(pinned.alerts).toEqual([expect.objectContaining({ studentName: 'Rae Quiet', message: WORDS, caseId: null })]);
  });
});
