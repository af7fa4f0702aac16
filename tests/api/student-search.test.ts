import { startTestApp, type RunningApp } from '../support/app';
import { buildStaff, buildStudent, NOW, seedDepartment, seedFullCoverage, seedPeople } from '../support/factories';
import { seedCase } from '../support/cases';
import { listAudit } from '../../bot/store/audit.repository';
import { upsertCounts } from '../../bot/store/activity.repository';
import { StudentSearchResponseSchema, TuteeSummarySchema } from '../../shared/api/student-search';

const director = buildStaff({ roles: ['director_of_studies'] });
const tutor = buildStaff({ displayName: 'Dr Has Tutees' });
const quietTutor = buildStaff({ displayName: 'Dr Nothing Flagged' });
const flaggedJose = buildStudent({ givenName: 'José', familyName: 'Núñez', tutorId: tutor.id });
const calmJosefa = buildStudent({ givenName: 'Josefa', familyName: 'Ørsted', tutorId: quietTutor.id });
const calmOther = buildStudent({
  givenName: 'Zoë',
  familyName: 'Smith-Jones',
  tutorId: quietTutor.id,
  programme: 'BSc Chemistry',
  year: 2,
});
const elsewhere = buildStudent({ departmentId: 'dept-b', givenName: 'Jose', familyName: 'Elsewhere' });

describe('searching any student in scope, and a tutor summary, through the tab API', () => {
  let server: RunningApp;
  const get = (path: string, staffId = director.id) =>
    fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Local ${staffId}` } });
  const search = async (q: string, staffId = director.id) => {
    const res = await get(`/api/student-search?q=${encodeURIComponent(q)}`, staffId);
    expect(res.status).toBe(200);
    return StudentSearchResponseSchema.parse(await res.json());
  };

  beforeAll(async () => {
    server = await startTestApp({}, { now: () => new Date(NOW) });
    const db = server.app.db;
    await seedDepartment(db);
    await seedDepartment(db, 'dept-b', 'Department B');
    await seedFullCoverage(db);
    await seedPeople(db, { staff: [director, tutor, quietTutor], students: [flaggedJose, calmJosefa, calmOther, elsewhere] });
    await seedCase(db, flaggedJose.id, { severity: 'high' });
    await seedCase(db, elsewhere.id, { departmentId: 'dept-b' });
    await upsertCounts(db, [
      { studentId: calmJosefa.id, day: '2026-11-24', source: 'moodle_login', count: 4 },
      { studentId: calmOther.id, day: '2026-11-10', source: 'panopto_view', count: 2 },
    ]);
  });
  afterAll(() => server?.close());

  it('when a director searches a name without its accents, then flagged and unflagged students of the department are found and marked', async () => {
    const found = await search('jose');
    expect(found.scope).toBe('department');
    expect(found.students.map((s) => [s.studentName, s.flagged, s.severity])).toEqual([
      ['José Núñez', true, 'high'],
      ['Josefa Ørsted', false, null],
    ]);
    expect(found.total).toBe(2);
    expect(found.students.map((s) => s.studentId)).not.toContain(elsewhere.id);
  });

  it('when a director searches an exact student ID, then that student comes first, flagged or not', async () => {
    const found = await search(calmOther.id.toLowerCase());
    expect(found.students[0]).toEqual(
      expect.objectContaining({ studentId: calmOther.id, flagged: false, programme: 'BSc Chemistry', year: 2 }),
    );
  });

  it('when a personal tutor searches, then only their own tutees are found, exactly the list scope', async () => {
    const found = await search('jose', quietTutor.id);
    expect(found.scope).toBe('tutees');
    expect(found.students.map((s) => s.studentId)).toEqual([calmJosefa.id]);
    expect((await search('núñez', quietTutor.id)).total).toBe(0);
  });

  it('when a search is made, then it is written to the audit log with the students shown', async () => {
    await search('ørsted');
    const audit = await listAudit(server.app.db, 50);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actorId: director.id,
          action: 'searched_students',
          detail: expect.objectContaining({ studentIds: [calmJosefa.id] }),
        }),
      ]),
    );
  });

  it.each([
    ['no text', ''],
    ['one character', '?q=a'],
    ['a control character', '?q=jo%07se'],
    ['a huge limit', '?q=jose&limit=500'],
    ['a limit that is not a number', '?q=jose&limit=lots'],
    ['text over 100 characters', `?q=${'x'.repeat(101)}`],
  ])('when the search has %s, then it is refused with 400 naming the problem', async (_label, query) => {
    const res = await get(`/api/student-search${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.message).toMatch(/^The search is not valid: (q|limit): /);
  });

  it('when a tutor with nothing flagged asks for their tutees, then each is listed with 21 days per source and the view is audited', async () => {
    const res = await get('/api/tutees', quietTutor.id);
    expect(res.status).toBe(200);
    const summary = TuteeSummarySchema.parse(await res.json());
    expect(summary.days).toHaveLength(21);
    expect(summary.tutees.map((t) => [t.studentName, t.flagged, t.daysSinceLastActivity])).toEqual([
      ['Josefa Ørsted', false, 3],
      ['Zoë Smith-Jones', false, 17],
    ]);
    expect(summary.tutees[0]!.daily.moodle_login).toHaveLength(21);
    expect(summary.tutees[0]!.daily.moodle_login![summary.days.indexOf('2026-11-24')]).toBe(4);
    const audit = await listAudit(server.app.db, 50);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actorId: quietTutor.id,
          action: 'viewed_tutee_summary',
          detail: expect.objectContaining({ studentIds: [calmJosefa.id, calmOther.id] }),
        }),
      ]),
    );
  });

  it('when the list is exported with a filter, then the CSV starts with a UTF-8 byte order mark, keeps accents and holds only that view', async () => {
    const res = await get('/api/flags/export?severity=high');
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
    expect(lines[0]!.startsWith('Student ID,')).toBe(true);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2))).toEqual([[flaggedJose.id, 'José Núñez']]);
    expect((await (await get('/api/flags/export?severity=low')).arrayBuffer()).byteLength).toBeLessThan(bytes.length);
  });
});
