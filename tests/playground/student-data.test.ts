import { createApp, type App } from '../../bot/app';
import { upsertCounts } from '../../bot/store/activity.repository';
import { writeAudit } from '../../bot/store/audit.repository';
import { buildTestConfig } from '../support/databases';
import { AUTUMN, NOW, buildStaff, buildStudent, insertTerm, seedDepartment, seedPeople } from '../support/factories';
import { startPlayground, type Playground } from '../support/playground';

describe('a student asking "my data" in the Microsoft 365 Agents Playground', () => {
  let app: App;
  let studentTeams: Playground;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor', roles: ['personal_tutor'], entraId: '00000000-0000-4000-8000-00000000a011' });
  const student = buildStudent({
    givenName: 'Sam',
    familyName: 'Rivers',
    tutorId: tutor.id,
    entraId: '00000000-0000-4000-8000-00000000b011',
  });

  beforeAll(async () => {
    app = createApp(buildTestConfig({ PRIVACY_NOTICE_URL: 'https://uni.example.ac.uk/privacy' }), { now: () => new Date(NOW) });
    await app.prepare();
    await seedDepartment(app.db);
    await insertTerm(app.db, AUTUMN);
    await seedPeople(app.db, { staff: [tutor], students: [student] });
    await upsertCounts(app.db, [{ studentId: student.id, day: '2026-11-26', source: 'teams_attendance', count: 2 }]);
    await writeAudit(
      app.db,
      { actorId: tutor.id, action: 'viewed_student', subjectKind: 'student', subjectId: student.id },
      '2026-11-25T10:00:00.000Z',
    );
    const { port } = await app.listen();
    studentTeams = await startPlayground({
      botPort: port,
      currentUser: { id: 'user-id-0', name: 'Sam Rivers', aadObjectId: student.entraId ?? '' },
    });
  });
  afterAll(async () => {
    await studentTeams?.stop();
    await app?.close();
  });

  it('when the student types "what data do you have?", then their counts, viewer roles and the privacy notice come back, without staff names', async () => {
    await studentTeams.say('what data do you have?');
    const reply = await studentTeams.waitFor((m) => (m.text ?? '').includes('Here is what this app holds about you'), 'the data summary');
    expect(reply.text).toContain('Teams meetings: 2');
    expect(reply.text).toContain('2026-11-25: a personal tutor looked at your record');
    expect(reply.text).toContain('https://uni.example.ac.uk/privacy');
    expect(reply.text).not.toContain('Dr Ada Tutor');
  });

  it('when the student writes words of risk, then urgent support comes back, not their data', async () => {
    await studentTeams.say('what do you know about me, I want to end it all');
    const urgent = await studentTeams.waitFor((m) => JSON.stringify(m.attachments ?? []).includes('116 123'), 'urgent support contacts');
    expect(urgent.text ?? '').not.toContain('Here is what this app holds');
    expect(studentTeams.messages.filter((m) => (m.text ?? '').includes('Here is what this app holds'))).toHaveLength(1);
  });
});
