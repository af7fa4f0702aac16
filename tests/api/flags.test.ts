import { startTestApp, UNIVERSITY_CONTACTS_ENV, type RunningApp } from '../support/app';
import { listAudit } from '../../bot/store/audit.repository';
import { FlagPageSchema } from '../../shared/api/flags';

describe('tab API on the demo department', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startTestApp({ DEMO_DATA: 'true' });
  });
  afterAll(async () => server?.close());

  const get = (path: string, auth?: string) => fetch(`${server.baseUrl}${path}`, { headers: auth ? { authorization: auth } : {} });

  it('when the database is reachable, then /healthz says so', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'reachable' });
  });

  it('when no credentials are sent, then the flag list is refused with 401 and no data', async () => {
    const res = await get('/api/flags');
    expect(res.status).toBe(401);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.code).toBe('unauthenticated');
    expect(body).not.toHaveProperty('flags');
  });

  it('when a local sign-in names nobody, then it is refused', async () => {
    expect((await get('/api/flags', 'Local no-such-person')).status).toBe(401);
  });

  it('when the director of studies asks, then every open case in the department is listed, most urgent first, and the view is audited', async () => {
    const res = await get('/api/flags', 'Local demo-staff-01');
    expect(res.status).toBe(200);
    const body = FlagPageSchema.parse(await res.json());
    expect(body.department).toMatchObject({ id: 'demo-natsci', isDemo: true });
    expect(body.flags.length).toBeGreaterThan(20);
    const audit = await listAudit(server.app.db);
    expect(audit.find((a) => a.actorId === 'demo-staff-01' && a.action === 'viewed_flag_list')).toBeDefined();
  });

  it('when a personal tutor asks, then only their own tutees are listed', async () => {
    const all = FlagPageSchema.parse(await (await get('/api/flags?pageSize=200', 'Local demo-staff-01')).json());
    const mine = FlagPageSchema.parse(await (await get('/api/flags?pageSize=200', 'Local demo-staff-06')).json());
    expect(all.total).toBe(all.flags.length);
    expect(mine.flags.length).toBeLessThan(all.flags.length);
    const tutorName = mine.flags[0]?.tutorName;
    expect(mine.flags.every((f) => f.tutorName === tutorName)).toBe(true);
    expect(
      all.flags
        .filter((f) => f.tutorName === tutorName)
        .map((f) => f.caseId)
        .sort(),
    ).toEqual(mine.flags.map((f) => f.caseId).sort());
  });

  it('when a staff list is asked for in local mode, then it lists the demo staff by role', async () => {
    const body = (await (await get('/api/local/staff')).json()) as { staff: Array<{ roles: string[] }> };
    expect(body.staff).toHaveLength(30);
    expect(body.staff.filter((s) => s.roles.includes('personal_tutor')).length).toBeGreaterThan(20);
  });
});

describe('tab API in production mode', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startTestApp({
      DEMO_DATA: 'true',
      ...UNIVERSITY_CONTACTS_ENV,
      APP_MODE: 'production',
      MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001',
      MICROSOFT_APP_TENANT_ID: '00000000-0000-0000-0000-0000000000aa',
      MICROSOFT_APP_PASSWORD: 'test-secret',
      PUBLIC_URL: 'https://engagement.example.ac.uk',
    });
  });
  afterAll(async () => server?.close());

  it('when someone tries the local sign-in, then it is refused and the staff list does not exist', async () => {
    const flags = await fetch(`${server.baseUrl}/api/flags`, { headers: { authorization: 'Local demo-staff-01' } });
    expect(flags.status).toBe(401);
    expect((await fetch(`${server.baseUrl}/api/local/staff`)).status).toBe(404);
  });
});

describe('health when the database is gone', () => {
  it('when the database connection is closed under a running service, then /healthz answers 503', async () => {
    const server = await startTestApp();
    await server.app.db.destroy();
    const res = await fetch(`${server.baseUrl}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', database: 'unreachable' });
    await server.close();
  });
});
