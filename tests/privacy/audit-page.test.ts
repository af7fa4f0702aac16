import { startTestApp, type RunningApp } from '../support/app';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';
import { NOW, buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { writeAudit } from '../../bot/store/audit.repository';
import { exportAuditCsv, listAuditPage } from '../../bot/commands/audit-page.command';
import { AuditPageSchema, AuditQuerySchema } from '../../shared/api/audit';
import type { Db } from '../../bot/store/database';

const instAdmin = buildStaff({ displayName: 'Iris Institution', roles: ['institution_admin'] });
const adminA = buildStaff({ displayName: 'Ann AdminA', roles: ['department_admin'] });
const tutorA = buildStaff({ displayName: 'Tom TutorA', roles: ['personal_tutor'] });
const adminB = buildStaff({ displayName: 'Bea AdminB', roles: ['department_admin'], departmentId: 'dept-b' });
const studentA = buildStudent({ givenName: 'Sam', tutorId: tutorA.id });
const studentB = buildStudent({ givenName: 'Kim', departmentId: 'dept-b' });

async function seed(db: Db): Promise<void> {
  await seedDepartment(db);
  await seedDepartment(db, 'dept-b', 'Department B');
  await seedPeople(db, { staff: [instAdmin, adminA, tutorA, adminB], students: [studentA, studentB] });
  await writeAudit(
    db,
    { actorId: tutorA.id, action: 'viewed_student', subjectKind: 'student', subjectId: studentA.id },
    '2026-11-20T09:00:00.000Z',
  );
  await writeAudit(
    db,
    { actorId: adminA.id, action: 'uploaded_import', subjectKind: 'import', subjectId: 'imp-1', detail: { fileName: '=HYPERLINK("x")' } },
    '2026-11-21T09:00:00.000Z',
  );
  await writeAudit(
    db,
    {
      actorId: tutorA.id,
      action: 'viewed_flag_list',
      subjectKind: 'department',
      subjectId: 'dept-a',
      detail: { studentIds: [studentA.id] },
    },
    '2026-11-22T09:00:00.000Z',
  );
  await writeAudit(
    db,
    { actorId: adminB.id, action: 'viewed_student', subjectKind: 'student', subjectId: studentB.id },
    '2026-11-23T09:00:00.000Z',
  );
  await writeAudit(
    db,
    { actorId: adminB.id, action: 'changed_rule_thresholds', subjectKind: 'department', subjectId: 'dept-b' },
    '2026-11-24T09:00:00.000Z',
  );
}

const q = (raw: Record<string, string> = {}) => AuditQuerySchema.parse(raw);

describe.each(DATABASE_KINDS)('the audit log read on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seed(t.db);
  });
  afterEach(async () => t.drop());

  it('when a department administrator reads it, then only their department shows; an institution administrator sees both', async () => {
    const mine = await listAuditPage(t.db, adminA, q(), NOW);
    expect(mine.scope).toBe('department');
    expect(mine.entries.map((e) => e.actorName).sort()).toEqual(['Ann AdminA', 'Tom TutorA', 'Tom TutorA']);
    const all = await listAuditPage(t.db, instAdmin, q(), NOW);
    expect(all.scope).toBe('institution');
    // Five seeded, plus the department administrator's read just now.
    expect(all.total).toBe(6);
  });

  it('when filtered by student, person and days, then the matching entries come back, list views included, paged', async () => {
    const bySam = await listAuditPage(t.db, adminA, q({ student: studentA.id }), NOW);
    expect(bySam.entries.map((e) => e.action)).toEqual(['viewed_flag_list', 'viewed_student']);
    expect(bySam.entries[0]?.studentIds).toEqual([studentA.id]);
    const byPerson = await listAuditPage(t.db, instAdmin, q({ person: adminB.id, from: '2026-11-24', to: '2026-11-24' }), NOW);
    expect(byPerson.entries.map((e) => e.what)).toEqual(['Changed a setting (rule thresholds)']);
    const page2 = await listAuditPage(t.db, instAdmin, q({ pageSize: '2', page: '2', to: '2026-11-26' }), NOW);
    expect(page2.entries.map((e) => e.at)).toEqual(['2026-11-22T09:00:00.000Z', '2026-11-21T09:00:00.000Z']);
  });

  it('when read, then each entry is a sentence with names, the person list stays in scope, and reading the log is not "about" a student', async () => {
    const page = await listAuditPage(t.db, adminA, q({ student: studentA.id }), NOW);
    expect(page.entries.map((e) => e.sentence)).toEqual([
      `Tom TutorA viewed the list of students, showing Sam ${studentA.familyName}`,
      `Tom TutorA viewed Sam ${studentA.familyName}'s record`,
    ]);
    expect(page.entries[1]?.students).toEqual([{ id: studentA.id, name: `Sam ${studentA.familyName}` }]);
    expect(page.people.map((p) => p.name).sort()).toEqual(['Ann AdminA', 'Iris Institution', 'Tom TutorA']);
    // The read just now named Sam in its filters, yet a second read about Sam lists the same two entries.
    expect((await listAuditPage(t.db, adminA, q({ student: studentA.id }), NOW)).total).toBe(2);
    // A student filter is matched literally, never as a pattern.
    for (const pattern of ['%', '_', `${studentA.id.slice(0, -1)}_`])
      expect((await listAuditPage(t.db, instAdmin, q({ student: pattern }), NOW)).total).toBe(0);
    const upload = await listAuditPage(t.db, instAdmin, q({ person: adminA.id, to: '2026-11-26' }), NOW);
    expect(upload.entries.map((e) => e.sentence)).toEqual(['Ann AdminA uploaded the file "=HYPERLINK("x")"']);
  });

  it('when a personal tutor asks, then they are refused', async () => {
    await expect(listAuditPage(t.db, tutorA, q(), NOW)).rejects.toMatchObject({ status: 403 });
  });

  it('when exported, then the CSV starts with a byte order mark, defuses formulas, and the export is audited', async () => {
    const { csv, rows } = await exportAuditCsv(t.db, adminA, q(), NOW);
    expect(csv.startsWith('\uFEFFWhen (UTC),Who')).toBe(true);
    expect(rows).toBe(3);
    expect(csv).not.toContain('Bea AdminB');
    const page = await listAuditPage(t.db, adminA, q({ person: adminA.id }), NOW);
    expect(page.entries.map((e) => e.action)).toContain('exported_audit_log');
  });
});

describe('the audit and subject access API over HTTP', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startTestApp();
    await seed(server.app.db);
  });
  afterAll(async () => server?.close());
  const get = (path: string, who: string) => fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Local ${who}` } });

  it('when each role asks for the audit page, then scope holds: tutor 403, department admin own department, institution admin all', async () => {
    expect((await get('/api/audit', tutorA.id)).status).toBe(403);
    const b = AuditPageSchema.parse(await (await get('/api/audit', adminB.id)).json());
    expect(b.entries.every((e) => e.actorId === adminB.id)).toBe(true);
    expect(b.entries.some((e) => e.subjectId === studentA.id)).toBe(false);
    const all = AuditPageSchema.parse(await (await get(`/api/audit?student=${studentB.id}`, instAdmin.id)).json());
    expect(all.entries.map((e) => e.actorName)).toEqual(['Bea AdminB']);
    expect((await get('/api/audit?from=2026-11-30&to=2026-11-01', instAdmin.id)).status).toBe(400);
  });

  it('when the audit CSV is downloaded, then it is UTF-8 with a BOM, not cached, and formula cells are prefixed', async () => {
    const res = await get('/api/audit/export', adminA.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes)).toContain('Uploaded a file');
  });

  it('when a subject access report is asked for, then only administrators in scope get it, as HTML or JSON, uncached and audited', async () => {
    const html = await get(`/api/students/${studentA.id}/subject-access?format=html`, adminA.id);
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('no-store');
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('Sam');
    const json = await get(`/api/students/${studentB.id}/subject-access?format=json`, instAdmin.id);
    expect(((await json.json()) as { student: { id: string } }).student.id).toBe(studentB.id);
    expect((await get(`/api/students/${studentB.id}/subject-access`, adminA.id)).status).toBe(404);
    expect((await get(`/api/students/${studentA.id}/subject-access`, tutorA.id)).status).toBe(404);
    expect((await get(`/api/students/${studentA.id}/subject-access?format=pdf`, adminA.id)).status).toBe(400);
    const audit = AuditPageSchema.parse(await (await get(`/api/audit?student=${studentA.id}`, adminA.id)).json());
    expect(audit.entries.some((e) => e.action === 'exported_subject_access' && e.actorId === adminA.id)).toBe(true);
  });
});
