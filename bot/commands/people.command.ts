import type { PeopleOverview, PeopleQuery, PeopleStaff } from '../../shared/api/people';
import type { Db } from '../store/database';
import { listStaffWithGrants, type Staff } from '../store/staff.repository';
import { countPeopleByDepartment, listDepartments } from '../store/department.repository';
import { listUnmatchedPeople } from '../store/entra.repository';
import { listGroupSyncs } from '../store/entra-group-sync.repository';
import { writeAudit } from '../store/audit.repository';
import { forbidden, notFound } from '../errors';

export const isInstitutionAdmin = (viewer: Pick<Staff, 'roles'>): boolean => viewer.roles.includes('institution_admin');

/**
 * The People page: departments, staff with each role and its source, people not matched to Entra, and
 * tutors who have not opened the app. Institution administrators see every department (or one, by
 * `department`); department administrators see their own; nobody else sees it. Audited per view.
 */
export async function describePeople(db: Db, viewer: Staff, query: PeopleQuery, now: string): Promise<PeopleOverview> {
  const institution = isInstitutionAdmin(viewer);
  if (!institution && !viewer.roles.includes('department_admin'))
    throw forbidden('The People page is for department and institution administrators.');
  const all = await listDepartments(db);
  if (query.department && !all.some((d) => d.id === query.department)) throw notFound('This department');
  if (!institution && query.department && query.department !== viewer.departmentId) throw notFound('This department');
  const scope = institution ? (query.department ? [query.department] : null) : [viewer.departmentId];
  const counts = await countPeopleByDepartment(db);
  const staff = (await listStaffWithGrants(db, scope)).map((s): PeopleStaff => ({
    id: s.id,
    displayName: s.displayName,
    email: s.email,
    departmentId: s.departmentId,
    entraMatched: s.entraId !== null,
    appInstalled: s.appInstalled,
    roles: s.roles,
  }));
  const unmatched =
    scope === null ? await listUnmatchedPeople(db) : (await Promise.all(scope.map((d) => listUnmatchedPeople(db, d)))).flat();
  const groups = (await listGroupSyncs(db)).filter((g) => scope === null || (g.departmentId !== null && scope.includes(g.departmentId)));
  await writeAudit(
    db,
    { actorId: viewer.id, action: 'people.viewed', subjectKind: 'department', subjectId: scope?.join(',') ?? null, detail: {} },
    now,
  );
  return {
    scope: institution ? 'institution' : 'department',
    departments: all
      .filter((d) => scope === null || scope.includes(d.id))
      .map((d) => ({ id: d.id, name: d.name, students: counts.get(d.id)?.students ?? 0, staff: counts.get(d.id)?.staff ?? 0 })),
    staff,
    unmatched,
    tutorsWithoutApp: staff.filter((s) => !s.appInstalled && s.roles.some((r) => r.role === 'personal_tutor')),
    groups,
  };
}
