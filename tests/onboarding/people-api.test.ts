import { join } from 'node:path';
import { importSamisRoster } from '../../bot/ingest/identity-imports.command';
import { importStaffCsv } from '../../bot/ingest/staff-import.command';
import { listAudit } from '../../bot/store/audit.repository';
import { findStaffIdsByEmail } from '../../bot/store/staff.repository';
import { PeopleOverviewSchema } from '../../shared/api/people';
import { DataStatusSchema } from '../../shared/api/data';
import { startTestApp, type RunningApp } from '../support/app';
import { ingestConfig } from '../ingest/support';

const file = (name: string) => join(__dirname, '..', 'fixtures', 'onboarding', name);

describe('the People page API', () => {
  let server: RunningApp;
  let ids: Map<string, string>;
  const get = (path: string, staffId: string) => fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Local ${staffId}` } });

  beforeAll(async () => {
    server = await startTestApp({ APP_MODE: 'local' });
    const deps = { db: server.app.db, ingest: ingestConfig(), now: () => new Date('2026-09-20T10:00:00Z') };
    await importSamisRoster(deps, { path: file('roster.csv') });
    await importStaffCsv(deps, { path: file('staff.csv') });
    ids = await findStaffIdsByEmail(server.app.db, ['r.patel@example.ac.uk', 'it.admin@example.ac.uk', 'h.nakamura@example.ac.uk']);
  });
  afterAll(async () => server?.close());

  it('when an institution administrator looks, then every department, each role with its source and every unmatched person are shown', async () => {
    const res = await get('/api/people', ids.get('it.admin@example.ac.uk') ?? '');
    const body = PeopleOverviewSchema.parse(await res.json());

    expect(body.scope).toBe('institution');
    expect(body.departments.map((d) => [d.id, d.students])).toEqual([
      ['MATH', 2],
      ['PHYS', 6],
    ]);
    const mensah = body.staff.find((s) => s.id === 'P0412');
    expect(mensah?.roles).toEqual(
      expect.arrayContaining([
        { role: 'personal_tutor', source: 'roster', sourceRef: '' },
        { role: 'director_of_studies', source: 'csv', sourceRef: '' },
      ]),
    );
    expect(body.unmatched.map((p) => p.id)).toEqual(expect.arrayContaining(['P0671', '2612351', '2612345']));
    expect(body.tutorsWithoutApp.map((t) => t.id).sort()).toEqual(['P0412', 'P0533', 'P0671']);
  });

  it('when a department administrator looks, then only their own department is shown, and another department is not found', async () => {
    const own = PeopleOverviewSchema.parse(await (await get('/api/people', ids.get('r.patel@example.ac.uk') ?? '')).json());
    const other = await get('/api/people?department=MATH', ids.get('r.patel@example.ac.uk') ?? '');

    expect(own.scope).toBe('department');
    expect(own.departments.map((d) => d.id)).toEqual(['PHYS']);
    expect(new Set(own.staff.map((s) => s.departmentId))).toEqual(new Set(['PHYS']));
    expect(new Set(own.unmatched.map((p) => p.departmentId))).toEqual(new Set(['PHYS']));
    expect(other.status).toBe(404);
  });

  it('when a department administrator opens the Data page, then the people of their department not matched to Entra are listed with why', async () => {
    const data = DataStatusSchema.parse(await (await get('/api/data', ids.get('r.patel@example.ac.uk') ?? '')).json());
    expect(data.unmatchedPeople.map((p) => p.id)).toEqual(expect.arrayContaining(['P0412', '2612345']));
    expect(data.unmatchedPeople.every((p) => p.departmentId === 'PHYS')).toBe(true);
  });

  it('when a Director of Studies without an administrator role asks, then the answer is 403 and the view is not audited', async () => {
    const before = (await listAudit(server.app.db, 1000)).filter((a) => a.action === 'people.viewed').length;
    const res = await get('/api/people', ids.get('h.nakamura@example.ac.uk') ?? '');
    expect(res.status).toBe(403);
    expect((await listAudit(server.app.db, 1000)).filter((a) => a.action === 'people.viewed')).toHaveLength(before);
  });
});
