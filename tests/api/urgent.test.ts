import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { startTestApp, type RunningApp } from '../support/app';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { seedCase } from '../bot/fixtures';
import { recordStudentMessage } from '../../bot/commands/student-message.command';
import { listAudit } from '../../bot/store/audit.repository';
import { listCaseEvents } from '../../bot/store/case-event.repository';
import { createWellbeingClassifier } from '../../shared/wellbeing/classify';
import type { UrgentListResponse } from '../../shared/api/urgent';
import type { Student } from '../../bot/store/student.repository';
import { applyRetention } from '../../bot/commands/retention.command';
import { findUrgentAlert } from '../../bot/store/urgent-alert.repository';
import { parseConfig } from '../../bot/config';
import { silentLogger } from '../support/databases';

const classify = createWellbeingClassifier();
const WORDS = 'honestly i feel like giving up on everything, whats the point of being here';

describe.each(DATABASE_KINDS)('urgent messages pinned in the tab on %s', (kind) => {
  let t: TestDatabase;
  let server: RunningApp;
  const tutor = buildStaff({ displayName: 'Dr Ada Tutor' });
  const otherTutor = buildStaff({ displayName: 'Dr Other Tutor' });
  const wellbeing = buildStaff({ displayName: 'Wen Wellbeing', roles: ['student_experience_officer'] });
  const director = buildStaff({ displayName: 'Dee Director', roles: ['director_of_studies'] });
  const elsewhere = buildStaff({ departmentId: 'dept-b', displayName: 'Bea Elsewhere', roles: ['director_of_studies'] });
  const student = buildStudent({ tutorId: tutor.id, givenName: 'Rae', familyName: 'Quiet' });
  const withCase = buildStudent({ tutorId: tutor.id, givenName: 'Cas', familyName: 'Open' });

  const get = async (staffId: string) => {
    const res = await fetch(`${server.baseUrl}/api/urgent`, { headers: { authorization: `Local ${staffId}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as UrgentListResponse).alerts;
  };
  const acted = (staffId: string, id: string, body: unknown) =>
    fetch(`${server.baseUrl}/api/urgent/${id}/acted`, {
      method: 'POST',
      headers: { authorization: `Local ${staffId}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const writes = (who: Student, text = WORDS) =>
    recordStudentMessage(
      { db: t.db, now: () => new Date('2026-11-25T23:00:00.000Z'), wellbeingRole: 'student_experience_officer' },
      { student: who, message: text, wellbeing: classify(text) },
    );

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db);
    await seedDepartment(t.db, 'dept-b', 'Department B');
    await seedPeople(t.db, { staff: [tutor, otherTutor, wellbeing, director, elsewhere], students: [student, withCase] });
    server = await startTestApp({ APP_MODE: 'local', DEMO_DATA: 'false' }, { db: t.db });
  });
  afterEach(async () => {
    await server.close();
    await t.drop();
  });

  it('when a student with no case writes a risk message, then it is tracked and shown to those in scope, the words only to those told', async () => {
    const result = await writes(student);
    expect(result).toMatchObject({ tier: 'risk', caseId: null });
    expect(result.notified.sort()).toEqual([tutor.id, wellbeing.id].sort());
    expect(result.urgentAlertId).not.toBeNull();

    const [mine] = await get(tutor.id);
    expect(mine).toMatchObject({
      id: result.urgentAlertId,
      studentName: 'Rae Quiet',
      message: WORDS,
      raisedAt: '2026-11-25T23:00:00.000Z',
      caseId: null,
    });
    expect(mine?.told.sort()).toEqual(['Wen Wellbeing', 'you']);
    expect((await get(wellbeing.id))[0]?.message).toBe(WORDS);
    const [directorView] = await get(director.id);
    expect(directorView).toMatchObject({ id: result.urgentAlertId, message: null, messageWithheld: true });
    expect(await get(otherTutor.id)).toEqual([]);
    expect(await get(elsewhere.id)).toEqual([]);

    const audit = await listAudit(t.db);
    expect(audit.find((a) => a.actorId === director.id && a.action === 'viewed_urgent_messages')?.detail).toMatchObject({
      studentIds: [student.id],
      withWords: [],
    });
    expect((await fetch(`${server.baseUrl}/api/urgent`)).status).toBe(401);
  });

  it('when someone records that they acted, then ids and notes are checked, out-of-scope is not found, and it leaves the panel once', async () => {
    const { urgentAlertId } = await writes(student);
    const id = urgentAlertId ?? '';
    expect((await acted(tutor.id, 'not-an-id', { note: 'Called them' })).status).toBe(400);
    expect((await acted(tutor.id, '0190f5a4-0000-7000-8000-000000000000', { note: 'Called them' })).status).toBe(404);
    expect((await acted(otherTutor.id, id, { note: 'Called them' })).status).toBe(404);
    expect((await acted(elsewhere.id, id, { note: 'Called them' })).status).toBe(404);
    const empty = await acted(tutor.id, id, { note: '   ' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { message: string }).message).toContain('say what you did');
    expect((await acted(tutor.id, id, { note: 'x', extra: true })).status).toBe(400);
    // A body that breaks the contract 60,000 times over is answered with the first of its problems, not with all of them.
    const hostile = await acted(tutor.id, id, { note: 'x', ...Object.fromEntries(Array.from({ length: 60_000 }, (_, n) => [`k${n}`, n])) });
    expect(hostile.status).toBe(400);
    const answer = await hostile.text();
    expect(answer).toContain('k0');
    expect(answer.length).toBeLessThan(2000);
    expect(await get(tutor.id)).toHaveLength(1);

    const ok = await acted(tutor.id, id, { note: 'Phoned Rae; they are with a friend and seeing the GP tomorrow.' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id, actedBy: 'Dr Ada Tutor' });
    expect(await get(tutor.id)).toEqual([]);
    expect(await get(wellbeing.id)).toEqual([]);
    const again = await acted(wellbeing.id, id, { note: 'Also called' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toBe('Dr Ada Tutor already recorded acting on this message.');
    const audit = await listAudit(t.db);
    expect(audit.filter((a) => a.action === 'urgent.acted').map((a) => [a.actorId, a.subjectId])).toEqual([[tutor.id, student.id]]);
  });

  it('when the student has an open case, then the urgent message and the note of who acted are on its timeline', async () => {
    const c = await seedCase(t.db, withCase.id);
    const { urgentAlertId } = await writes(withCase);
    const [pinned] = await get(tutor.id);
    expect(pinned).toMatchObject({ id: urgentAlertId, caseId: c.id });
    expect((await acted(wellbeing.id, urgentAlertId ?? '', { note: 'Met them at the Wellbeing Service.' })).status).toBe(200);
    const events = await listCaseEvents(t.db, c.id);
    expect(events.find((e) => e.kind === 'student_message')?.data).toMatchObject({ tier: 'risk', urgent: true });
    expect(events.find((e) => e.kind === 'urgent_acted')).toMatchObject({
      actorId: wellbeing.id,
      note: 'Met them at the Wellbeing Service.',
    });
  });

  it('when retention runs after the message-text period, then the words of an acted-on message go, an unacted one keeps them, and the record stays', async () => {
    const acted = (await writes(student)).urgentAlertId ?? '';
    const waiting = (await writes(withCase)).urgentAlertId ?? '';
    await fetch(`${server.baseUrl}/api/urgent/${acted}/acted`, {
      method: 'POST',
      headers: { authorization: `Local ${tutor.id}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'Called them.' }),
    });
    const privacy = parseConfig({}).privacy;
    const later = new Date(Date.now() + (privacy.retention.messagesDays + 1) * 86_400_000);
    await applyRetention({ db: t.db, logger: silentLogger, now: () => later, today: () => '2027-06-01', privacy }, { dryRun: false });
    expect(await findUrgentAlert(t.db, acted)).toMatchObject({ message: null, phrase: null, actedBy: tutor.id, actedNote: 'Called them.' });
    expect((await findUrgentAlert(t.db, waiting))?.message).toBe(WORDS);
  });

  it('when the student has no tutor and nobody holds the wellbeing role, then the department’s senior staff are told instead of no one', async () => {
    const alone = buildStudent({ tutorId: null });
    await seedPeople(t.db, { students: [alone] });
    await t.db.deleteFrom('staff_roles').where('staff_id', '=', wellbeing.id).execute();
    const result = await writes(alone);
    expect(result.notified).toEqual([director.id]);
    expect((await get(director.id))[0]).toMatchObject({ id: result.urgentAlertId, message: WORDS });
  });
});
