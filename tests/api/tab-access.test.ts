import { startTestApp, type RunningApp } from '../support/app';
import { buildStaff, buildStudent, NOW, seedDepartment, seedPeople } from '../support/factories';
import { seedCase } from '../support/cases';
import { OTHER_TENANT, startLocalEntra, ssoEnv, TEST_CLIENT_ID, TEST_TENANT, type LocalEntra } from '../support/entra';
import { listAudit } from '../../bot/store/audit.repository';

const director = buildStaff({ departmentId: 'dept-a', roles: ['director_of_studies'], entraId: '0a0a0a0a-0000-4000-8000-000000000001' });
const tutor = buildStaff({ departmentId: 'dept-a', roles: ['personal_tutor'], entraId: '0a0a0a0a-0000-4000-8000-000000000002' });
const otherDirector = buildStaff({
  departmentId: 'dept-b',
  roles: ['director_of_studies', 'department_admin'],
  entraId: '0b0b0b0b-0000-4000-8000-000000000001',
});
const secret = buildStudent({ departmentId: 'dept-a', givenName: 'Confidential', familyName: 'Person', tutorId: tutor.id });
const notTutee = buildStudent({ departmentId: 'dept-a', givenName: 'Another', familyName: 'Tutee', tutorId: null });
const otherStudent = buildStudent({ departmentId: 'dept-b', givenName: 'Bravo', familyName: 'Student' });

describe('the tab API with Teams SSO tokens', () => {
  let entra: LocalEntra;
  let server: RunningApp;
  let caseId: string;
  let notTuteeCaseId: string;

  const v2 = (oid: string, claims: Record<string, unknown> = {}) => entra.sign({ oid, ...claims });
  const call = (path: string, token: string | null, init: RequestInit = {}) =>
    fetch(`${server.baseUrl}${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...(init.headers ?? {}) },
    });

  const endpoints = () => [
    { name: 'GET /api/me', path: '/api/me', init: {} },
    { name: 'GET /api/flags', path: '/api/flags', init: {} },
    { name: 'GET /api/flags/export', path: '/api/flags/export', init: {} },
    { name: 'GET /api/students/:id', path: `/api/students/${secret.id}`, init: {} },
    { name: 'GET /api/student-search', path: `/api/student-search?q=${secret.id}`, init: {} },
    { name: 'GET /api/tutees', path: '/api/tutees', init: {} },
    { name: 'GET /api/data', path: '/api/data', init: {} },
    { name: 'GET /api/overview', path: '/api/overview', init: {} },
    {
      name: 'POST /api/data/imports',
      path: '/api/data/imports?source=moodle&fileName=x.csv',
      init: { method: 'POST', body: 'Time,Event name\n', headers: { 'content-type': 'application/octet-stream' } },
    },
    { name: 'GET /api/settings', path: '/api/settings', init: {} },
    {
      name: 'POST /api/settings/preview',
      path: '/api/settings/preview',
      init: { method: 'POST', body: JSON.stringify({ rules: { noEngagement: { days: 10 } } }) },
    },
    {
      name: 'POST /api/settings/rules',
      path: '/api/settings/rules',
      init: { method: 'POST', body: JSON.stringify({ rules: { noEngagement: { days: 10 } } }) },
    },
    {
      name: 'POST /api/settings/exemptions',
      path: '/api/settings/exemptions',
      init: { method: 'POST', body: JSON.stringify({ studentId: secret.id, reason: 'Test', from: '2026-12-01' }) },
    },
    {
      name: 'POST /api/cases/:id/actions',
      path: `/api/cases/${caseId}/actions`,
      init: { method: 'POST', body: JSON.stringify({ action: 'acknowledge' }) },
    },
  ];

  beforeAll(async () => {
    entra = await startLocalEntra();
    server = await startTestApp(ssoEnv(entra), { now: () => new Date(NOW) });
    const db = server.app.db;
    await seedDepartment(db, 'dept-a', 'Department A');
    await seedDepartment(db, 'dept-b', 'Department B');
    await seedPeople(db, { staff: [director, tutor, otherDirector], students: [secret, notTutee, otherStudent] });
    caseId = (await seedCase(db, secret.id)).id;
    notTuteeCaseId = (await seedCase(db, notTutee.id)).id;
    await seedCase(db, otherStudent.id, { departmentId: 'dept-b' });
  });
  afterAll(async () => {
    await server?.close();
    await entra?.close();
  });

  /** Every refusal must carry an error and nothing about any student. */
  async function expectRefused(res: Response, status: number): Promise<void> {
    const text = await res.text();
    expect(res.status).toBe(status);
    expect(text).not.toContain('Confidential');
    expect(text).not.toContain(secret.id);
    expect(JSON.parse(text)).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
  }

  const refusals: Array<[string, () => Promise<string | null>, number]> = [
    ['no token', async () => null, 401],
    ['an expired token', () => entra.sign({ oid: director.entraId }, { expiresInSeconds: -600 }), 401],
    ['a token for another application', () => v2(director.entraId!, { aud: '99999999-2222-4333-8444-555555555555' }), 401],
    ['a token signed by another key', () => entra.sign({ oid: director.entraId }, { useForeignKey: true }), 401],
    ['a token without the access_as_user scope', () => v2(director.entraId!, { scp: 'User.Read' }), 401],
    [
      'a token whose issuer is another tenant than its tid',
      () => v2(director.entraId!, { iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0` }),
      401,
    ],
    [
      'a token from a tenant that is not allowed',
      () => v2(director.entraId!, { tid: OTHER_TENANT, iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0` }),
      403,
    ],
    ['a valid token for someone who is not staff', () => v2('0c0c0c0c-0000-4000-8000-000000000009'), 403],
    ['garbage instead of a token', async () => 'not-a-jwt', 401],
  ];

  describe.each(refusals)('when the request carries %s', (_label, token, status) => {
    it(`then every endpoint refuses with ${status} and no data`, async () => {
      const t = await token();
      for (const e of endpoints()) await expectRefused(await call(e.path, t, e.init), status);
    });
  });

  it('when a production server gets a local sign-in header, then it is refused', async () => {
    const res = await fetch(`${server.baseUrl}/api/flags`, { headers: { authorization: `Local ${director.id}` } });
    await expectRefused(res, 401);
  });

  it('when a v2 token (bare client id audience) is valid, then the staff member is found by object id', async () => {
    const res = await call('/api/me', await v2(director.entraId!.toUpperCase()));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { staff: { id: string } }).staff.id).toBe(director.id);
  });

  it('when a v1 token (sts.windows.net issuer, api:// audience) is valid, then it is accepted too', async () => {
    const token = await v2(director.entraId!, {
      iss: `https://sts.windows.net/${TEST_TENANT}/`,
      aud: `api://engagement.example.ac.uk/${TEST_CLIENT_ID}`,
    });
    const res = await call('/api/flags', token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { flags: Array<{ studentId: string }> };
    expect(body.flags.map((f) => f.studentId).sort()).toEqual([secret.id, notTutee.id].sort());
  });

  it('when staff of another department ask for this department, then nothing of it is reachable', async () => {
    const token = await v2(otherDirector.entraId!);
    const list = await call('/api/flags', token);
    const listText = await list.text();
    expect(list.status).toBe(200);
    expect(listText).toContain(otherStudent.id);
    expect(listText).not.toContain(secret.id);
    const csv = await (await call('/api/flags/export', token)).text();
    expect(csv).toContain(otherStudent.id);
    expect(csv).not.toContain(secret.id);
    await expectRefused(await call(`/api/students/${secret.id}`, token), 404);
    await expectRefused(
      await call(`/api/cases/${caseId}/actions`, token, { method: 'POST', body: JSON.stringify({ action: 'acknowledge' }) }),
      404,
    );
    expect((await call(`/api/flags?q=${secret.id}`, token).then((r) => r.json())) as { total: number }).toEqual(
      expect.objectContaining({ total: 0 }),
    );
    const search = await call(`/api/student-search?q=${secret.id}`, token);
    const searchText = await search.text();
    expect(search.status).toBe(200);
    expect(searchText).not.toContain('Confidential');
    expect(JSON.parse(searchText)).toEqual(expect.objectContaining({ total: 0, students: [] }));
    await expectRefused(
      await call('/api/settings/exemptions', token, {
        method: 'POST',
        body: JSON.stringify({ studentId: secret.id, reason: 'Not ours', from: '2026-12-01' }),
      }),
      404,
    );
    const settings = await (await call('/api/settings', token)).text();
    expect(settings).not.toContain(secret.id);
    const overview = (await (await call('/api/overview', token)).json()) as { openByCohort: Array<{ open: number }> };
    expect(overview.openByCohort.reduce((n, c) => n + c.open, 0)).toBe(1);
  });

  it('when a personal tutor asks for a student who is not their tutee, then it is not found, and their list holds only tutees', async () => {
    const token = await v2(tutor.entraId!);
    await expectRefused(await call(`/api/students/${notTutee.id}`, token), 404);
    await expectRefused(
      await call(`/api/cases/${notTuteeCaseId}/actions`, token, { method: 'POST', body: JSON.stringify({ action: 'acknowledge' }) }),
      403,
    );
    const body = (await (await call('/api/flags', token)).json()) as { scope: string; flags: Array<{ studentId: string }> };
    expect(body.scope).toBe('tutees');
    expect(body.flags.map((f) => f.studentId)).toEqual([secret.id]);
    const search = (await (await call(`/api/student-search?q=${notTutee.id}`, token)).json()) as { scope: string; total: number };
    expect(search).toEqual(expect.objectContaining({ scope: 'tutees', total: 0 }));
  });

  it('when a signed-in director views a student, then the view is written to the audit log', async () => {
    const res = await call(`/api/students/${secret.id}`, await v2(director.entraId!));
    expect(res.status).toBe(200);
    const audit = await listAudit(server.app.db, 50);
    expect(audit).toEqual(
      expect.arrayContaining([expect.objectContaining({ actorId: director.id, action: 'viewed_student', subjectId: secret.id })]),
    );
  });
});

describe('the tab API when Entra cannot be reached', () => {
  it('when the key set cannot be fetched, then sign-in answers 503 with a clear message rather than 500', async () => {
    const entra = await startLocalEntra();
    const token = await entra.sign({ oid: '0a0a0a0a-0000-4000-8000-000000000001' });
    await entra.close();
    const server = await startTestApp({ ...ssoEnv(entra) });
    try {
      const res = await fetch(`${server.baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { code: string }).code).toBe('sign_in_unavailable');
    } finally {
      await server.close();
    }
  });
});
