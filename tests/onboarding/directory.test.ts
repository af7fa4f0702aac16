import { createGraphClient } from '../../bot/graph/graph-client';
import { GraphRequester } from '../../bot/graph/graph-requests';
import { resolveEntraIds, syncRoleGroups, type DirectoryDeps } from '../../bot/graph/directory';
import { listAudit } from '../../bot/store/audit.repository';
import { listUnmatchedPeople } from '../../bot/store/entra.repository';
import { findStaff, listRoleGrants, listStaff } from '../../bot/store/staff.repository';
import { findStudent } from '../../bot/store/student.repository';
import { resolveIdentities } from '../../bot/store/identity.repository';
import { DATABASE_KINDS, createTestDatabase, silentLogger, type TestDatabase } from '../support/databases';
import { buildStaff, buildStudent, seedDepartment, seedPeople } from '../support/factories';
import { startGraphStandIn, type GraphStandIn, type StandInUser } from '../graph/graph-stand-in';
import { CLIENT_ID, CLIENT_SECRET, TENANT, emptyWorld } from '../graph/graph-fixtures';

const NOW = new Date('2026-11-27T09:00:00.000Z');
const entraUser = (n: number, mail: string | null, upn = `user${n}@uni.onmicrosoft.com`): StandInUser => ({
  id: `0000000${n}-aaaa-4000-8000-${String(n).padStart(12, '0')}`,
  displayName: `Person ${n}`,
  mail,
  userPrincipalName: upn,
});

describe.each(DATABASE_KINDS)('Microsoft Entra directory through Graph on %s', (kind) => {
  let t: TestDatabase;
  let standIn: GraphStandIn;
  let deps: DirectoryDeps;
  // 44 students with Entra users (three $batch envelopes of 20), one with none, two sharing one mail.
  const students = Array.from({ length: 44 }, (_, i) => buildStudent({ entraId: null, email: `pupil${i}@example.ac.uk` }));
  const lost = buildStudent({ entraId: null, email: 'nobody.here@example.ac.uk' });
  const twin = buildStudent({ entraId: null, email: 'shared@example.ac.uk' });
  const tutor = buildStaff({ entraId: null, email: 'tutor.by.upn@example.ac.uk' });
  const users = [
    ...students.map((s, i) => entraUser(i + 10, s.email)),
    entraUser(90, 'shared@example.ac.uk'),
    entraUser(91, 'shared@example.ac.uk'),
    entraUser(92, null, 'tutor.by.upn@example.ac.uk'),
    entraUser(93, 'dos@example.ac.uk'),
    entraUser(94, 'seo@example.ac.uk'),
    entraUser(95, 'new.colleague@example.ac.uk'),
  ];

  beforeEach(async () => {
    t = await createTestDatabase(kind);
    await seedDepartment(t.db, 'PHYS', 'Physics');
    await seedPeople(t.db, {
      staff: [tutor, buildStaff({ id: 'DOS1', departmentId: 'PHYS', entraId: null, email: 'dos@example.ac.uk', roles: [] })].map((s) => ({
        ...s,
        departmentId: 'PHYS',
      })),
      students: [...students, lost, twin].map((s) => ({ ...s, departmentId: 'PHYS' })),
    });
    standIn = await startGraphStandIn(
      emptyWorld({
        directory: {
          users,
          groups: [
            { id: 'grp-dos', members: [users[47]?.id ?? '', 'grp-nested'] },
            { id: 'grp-nested', members: [users[49]?.id ?? '', users[48]?.id ?? ''] },
            { id: 'grp-secret', members: [users[48]?.id ?? ''] },
          ],
        },
      }),
      {
        pageSize: { members: 2 },
        faults: [{ pathIncludes: '/users?', status: 429, times: 3, retryAfter: '0', where: 'batch' }],
      },
    );
    const client = createGraphClient(
      {
        tenantId: TENANT,
        clientId: CLIENT_ID,
        credential: { kind: 'secret', secret: CLIENT_SECRET },
        baseUrl: standIn.baseUrl,
        authorityHost: standIn.authorityHost,
        requestTimeoutSeconds: 60,
      },
      { trustedCa: standIn.ca },
    );
    deps = {
      db: t.db,
      requester: new GraphRequester(client, standIn.baseUrl, { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 20, requestTimeoutMs: 60_000 }),
      now: () => NOW,
      logger: silentLogger,
      clientId: CLIENT_ID,
    };
  });
  afterEach(async () => {
    await standIn.close();
    await t.drop();
  });

  it('when people are looked up by e-mail, then 20 go to a $batch, throttled items are retried, and only single matches are recorded', async () => {
    const summary = await resolveEntraIds(deps);

    expect(summary).toMatchObject({ looked: 48, matched: 46, unmatched: 1, ambiguous: 1, failed: 0 });
    expect(standIn.stats.batchEnvelopes).toBeGreaterThanOrEqual(3);
    expect(standIn.stats.throttled).toBe(3);
    expect(await findStudent(t.db, students[43]?.id ?? '')).toMatchObject({ entraId: users[43]?.id });
    expect((await resolveIdentities(t.db, 'entra', [users[0]?.id ?? ''])).get(users[0]?.id ?? '')).toBe(students[0]?.id);
    expect((await findStaff(t.db, tutor.id))?.entraId).toBe(users[46]?.id);
    const unmatched = await listUnmatchedPeople(t.db, 'PHYS');
    expect(unmatched.map((p) => [p.id, p.note])).toEqual(
      expect.arrayContaining([
        [lost.id, 'No Entra user has the e-mail or UPN nobody.here@example.ac.uk.'],
        [twin.id, '2 Entra users have the e-mail or UPN shared@example.ac.uk; none was chosen.'],
      ]),
    );
    expect(unmatched).toHaveLength(2);
  });

  it('when the app lacks User.Read.All, then the look-up stops naming the permission and nothing is changed', async () => {
    standIn.world.permissions = ['GroupMember.Read.All'];
    await expect(resolveEntraIds(deps)).rejects.toThrow(`The app registration ${CLIENT_ID} needs the application permission User.Read.All`);
    expect(await listUnmatchedPeople(t.db)).toHaveLength(48);
  });

  it('when role groups are read, then nested members over several pages get the role, newcomers become staff, and a re-run changes nothing', async () => {
    const groups = [{ groupId: 'grp-dos', role: 'director_of_studies' as const, departmentId: 'PHYS' }];
    const first = await syncRoleGroups(deps, groups);
    const again = await syncRoleGroups(deps, groups);

    expect(first).toEqual([expect.objectContaining({ status: 'succeeded', members: 3, added: 3, removed: 0, staffCreated: 2 })]);
    expect(again).toEqual([expect.objectContaining({ status: 'succeeded', members: 3, added: 0, removed: 0, staffCreated: 0 })]);
    expect((await findStaff(t.db, 'DOS1'))?.roles).toEqual(['director_of_studies']);
    const newcomer = (await listStaff(t.db, 'PHYS')).find((s) => s.email === 'new.colleague@example.ac.uk');
    expect(newcomer).toMatchObject({ entraId: users[49]?.id, roles: ['director_of_studies'] });
    expect((await listRoleGrants(t.db, 'entra_group', 'grp-dos')).every((g) => g.source === 'entra_group')).toBe(true);
    expect((await listAudit(t.db)).filter((a) => a.action === 'staff_role_granted')).toHaveLength(3);
  });

  it('when someone leaves a group, then only the role that group gave is taken away, and it is audited', async () => {
    const groups = [{ groupId: 'grp-dos', role: 'director_of_studies' as const, departmentId: 'PHYS' }];
    await syncRoleGroups(deps, groups);
    const nested = standIn.world.directory?.groups.find((g) => g.id === 'grp-nested');
    if (nested) nested.members = [users[49]?.id ?? ''];

    const result = await syncRoleGroups(deps, groups);

    expect(result[0]).toMatchObject({ added: 0, removed: 1, members: 2 });
    const seo = (await listStaff(t.db, 'PHYS')).find((s) => s.email === 'seo@example.ac.uk');
    expect(seo?.roles).toEqual([]);
    expect((await listAudit(t.db)).filter((a) => a.action === 'staff_role_removed').map((a) => a.subjectId)).toEqual([seo?.id]);
  });

  it('when a group does not exist or may not be read, then each says so plainly and the roles it gave before are kept', async () => {
    await syncRoleGroups(deps, [{ groupId: 'grp-secret', role: 'student_experience_officer', departmentId: 'PHYS' }]);
    const secret = standIn.world.directory?.groups.find((g) => g.id === 'grp-secret');
    if (secret) secret.readable = false;

    const result = await syncRoleGroups(deps, [
      { groupId: 'grp-gone', role: 'director_of_studies', departmentId: 'PHYS' },
      { groupId: 'grp-secret', role: 'student_experience_officer', departmentId: 'PHYS' },
    ]);

    expect(result.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(result[0]?.error).toBe(
      'Entra group grp-gone (director_of_studies in PHYS) does not exist (404 Request_ResourceNotFound). Check the group id in ENTRA_ROLE_GROUPS; the roles it gave were kept as they were.',
    );
    expect(result[1]?.error).toContain(
      `Graph refused to read the members of Entra group grp-secret (student_experience_officer in PHYS) (403 Authorization_RequestDenied). The app registration ${CLIENT_ID} needs the application permission GroupMember.Read.All`,
    );
    expect(await listRoleGrants(t.db, 'entra_group', 'grp-secret')).toHaveLength(1);
  });
});
