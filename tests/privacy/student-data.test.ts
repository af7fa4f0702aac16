import { TestAdapter, type Activity } from 'botbuilder';
import { EngagementBot } from '../../bot/teams/bot';
import { parseConfig } from '../../bot/config';
import { isStudentDataRequest } from '../../bot/commands/student-data.command';
import { upsertCounts } from '../../bot/store/activity.repository';
import { appendCaseEvent } from '../../bot/store/case-event.repository';
import { writeAudit } from '../../bot/store/audit.repository';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { AUTUMN, NOW, buildStaff, buildStudent, insertTerm, seedDepartment, seedPeople } from '../support/factories';
import { seedCase } from '../bot/fixtures';

describe('recognising a student asking what the app holds about them', () => {
  it.each([
    'my data',
    'My Data?',
    'what do you know about me',
    'What data do you have?',
    'what information do you hold on me',
    'show me my information please',
    'subject access',
  ])('when a student writes "%s", then it is a data request', (text) => expect(isStudentDataRequest(text)).toBe(true));
  it.each(['hello', 'I need help with my data science assignment', 'can you help me', 'I feel like nobody knows me', ''])(
    'when a student writes "%s", then it is not',
    (text) => expect(isStudentDataRequest(text)).toBe(false),
  );
});

describe.each(DATABASE_KINDS)('a student asking "my data" in chat on %s', (kind) => {
  let t: TestDatabase;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor', roles: ['personal_tutor'] });
  const admin = buildStaff({ displayName: 'Pat Admin', roles: ['department_admin'] });
  const student = buildStudent({ givenName: 'Sam', tutorId: tutor.id });
  const other = buildStudent({ givenName: 'Kim' });

  const botWith = (privacy: { privacyNoticeUrl: string | null; showViewerNames: boolean }) => {
    const support = parseConfig({}).support;
    const bot = new EngagementBot({
      db: t.db,
      logger: silentLogger,
      now: () => new Date(NOW),
      publicUrl: 'https://x',
      support,
      privacy,
      timeZone: 'Europe/London',
      onStaffReachable: async () => undefined,
      onDeliveriesQueued: () => undefined,
    });
    return new TestAdapter((context) => bot.run(context));
  };
  const as = (text: string): Partial<Activity> => ({
    type: 'message',
    text,
    from: { id: 'u1', name: 'Sam', aadObjectId: student.entraId ?? '' },
    conversation: { id: 'c1', isGroup: false, conversationType: 'personal', name: '' },
  });
  const ask = async (adapter: TestAdapter, text: string): Promise<string> => {
    let reply = '';
    await adapter.send(as(text)).assertReply((r) => void (reply = r.text ?? JSON.stringify(r.attachments ?? [])));
    return reply;
  };

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await insertTerm(t.db, AUTUMN);
    await seedPeople(t.db, { staff: [tutor, admin], students: [student, other] });
  });
  afterEach(async () => t.drop());

  it('when they ask, then they see their own counts for the last 21 term days, the alert and who was told, and viewer roles with dates, not names', async () => {
    await upsertCounts(t.db, [
      { studentId: student.id, day: '2026-11-26', source: 'moodle_login', count: 3 },
      { studentId: student.id, day: '2026-11-20', source: 'moodle_login', count: 4 },
      { studentId: student.id, day: '2026-11-25', source: 'panopto_view', count: 2 },
      // 21 term days before 27 Nov reach back past reading week to 30 Oct: 1 Oct is outside the window.
      { studentId: student.id, day: '2026-10-01', source: 'moodle_login', count: 100 },
      // Someone else's activity never shows.
      { studentId: other.id, day: '2026-11-26', source: 'samis_login', count: 9 },
    ]);
    const c = await seedCase(t.db, student.id, { openedAt: '2026-11-24T08:00:00.000Z' });
    await appendCaseEvent(t.db, {
      caseId: c.id,
      at: '2026-11-24T08:05:00.000Z',
      kind: 'alerted',
      actorKind: 'system',
      actorId: null,
      note: null,
      data: {},
    });
    await writeAudit(
      t.db,
      { actorId: tutor.id, action: 'viewed_student', subjectKind: 'student', subjectId: student.id },
      '2026-11-25T10:00:00.000Z',
    );
    await writeAudit(
      t.db,
      {
        actorId: admin.id,
        action: 'exported_flag_list',
        subjectKind: 'department',
        subjectId: 'dept-a',
        detail: { studentIds: [student.id] },
      },
      '2026-11-26T10:00:00.000Z',
    );
    await writeAudit(
      t.db,
      { actorId: admin.id, action: 'viewed_student', subjectKind: 'student', subjectId: other.id },
      '2026-11-26T11:00:00.000Z',
    );

    const reply = await ask(
      botWith({ privacyNoticeUrl: 'https://uni.example.ac.uk/privacy', showViewerNames: false }),
      'What do you know about me?',
    );
    expect(reply).toContain('Moodle logins: 7');
    expect(reply).toContain('Lecture viewings: 2');
    expect(reply).toContain('Samis logins: 0');
    expect(reply).toContain('last 21 term days');
    expect(reply).toContain('On 2026-11-24 the app noticed');
    expect(reply).toContain('was told on 2026-11-24');
    expect(reply).toContain('2026-11-25: a personal tutor looked at your record');
    expect(reply).toContain('2026-11-26: a department administrator downloaded a list that included you');
    expect(reply.match(/^- 2026-/gm)).toHaveLength(2);
    expect(reply).not.toContain('Dr Ada Tutor');
    expect(reply).not.toContain('Pat Admin');
    expect(reply).toContain('https://uni.example.ac.uk/privacy');
    // Asking is not a message to their tutor: nothing goes on the case.
    expect((await listCaseEvents(t.db, c.id)).some((e) => e.kind === 'student_message')).toBe(false);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'student_viewed_own_data').execute();
    expect(audit.map((a) => a.subject_id)).toEqual([student.id]);
  });

  it('when the university shows viewer names and has set no privacy notice, then names appear and the missing notice is said plainly', async () => {
    await writeAudit(
      t.db,
      { actorId: tutor.id, action: 'viewed_student', subjectKind: 'student', subjectId: student.id },
      '2026-11-25T10:00:00.000Z',
    );
    const reply = await ask(botWith({ privacyNoticeUrl: null, showViewerNames: true }), 'my data');
    expect(reply).toContain('2026-11-25: Dr Ada Tutor looked at your record');
    expect(reply).toContain('has not set a link to its privacy notice');
    expect(reply).toContain('No. Nobody has been asked to check in with you at the moment.');
  });

  it('when a data request carries words of risk, then it is answered as urgent, never with data', async () => {
    const reply = await ask(botWith({ privacyNoticeUrl: null, showViewerNames: false }), 'my data shows I want to end it all');
    expect(reply).toContain('116 123');
    expect(reply).not.toContain('Here is what this app holds');
  });
});
