import type { Logger } from 'pino';
import type { RoleGroup } from '../config';
import type { Db } from '../store/database';
import { AppError } from '../errors';
import { writeAudit } from '../store/audit.repository';
import { findDepartment } from '../store/department.repository';
import { findEntraHolders, listUnmatchedPeople, recordEntraMatch, recordEntraNote, type UnmatchedPerson } from '../store/entra.repository';
import { newId } from '../store/ids';
import { findStaffIdsByEmail, findStaffIdsByEntraId, replaceRoleGrants, upsertStaffMembers } from '../store/staff.repository';
import { saveGroupSync } from '../store/entra-group-sync.repository';
import type { GraphFailure, GraphRequester } from './graph-requests';

// Microsoft Entra through Graph, app-only: who is who (object ids and UPNs from e-mail addresses) and
// which staff hold which role (security groups). Nothing is guessed: no match, or more than one, is
// written down for the Data page and the CLI, never resolved by a likeness of names.

export interface DirectoryDeps {
  db: Db;
  requester: GraphRequester;
  now: () => Date;
  logger: Logger;
  /** The app registration, named in messages about missing permissions. */
  clientId: string;
}

interface DirectoryUser {
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
  '@odata.type'?: string;
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The look-up of one person: the Entra user whose mail or UPN is their e-mail address. */
export const userLookupUrl = (email: string): string =>
  `/users?$filter=${encodeURIComponent(`mail eq ${quote(email)} or userPrincipalName eq ${quote(email)}`)}&$select=id,displayName,mail,userPrincipalName`;

function permissionProblem(failure: GraphFailure, what: string, permission: string, clientId: string): AppError {
  return new AppError(
    502,
    'graph_permission_missing',
    `Graph refused to ${what} (${failure.status} ${failure.code}: ${failure.message}). The app registration ${clientId} needs the application permission ${permission} with admin consent granted.`,
  );
}

export interface ResolveSummary {
  looked: number;
  matched: number;
  unmatched: number;
  ambiguous: number;
  failed: number;
  unmatchedPeople: UnmatchedPerson[];
}

/**
 * Looks up every person with an e-mail and no Entra object id, 20 to a $batch; a single match is
 * recorded with its UPN, anything else is noted on the person and listed.
 */
export async function resolveEntraIds(deps: DirectoryDeps): Promise<ResolveSummary> {
  const now = deps.now().toISOString();
  const people = (await listUnmatchedPeople(deps.db)).filter((p) => p.email);
  const results = await deps.requester.getMany<{ value?: DirectoryUser[] }>(people.map((p) => userLookupUrl(p.email ?? '')));
  const found = results.flatMap((r) => (r.ok && r.body.value?.length === 1 && r.body.value[0] ? [r.body.value[0].id] : []));
  const holders = await findEntraHolders(deps.db, found);
  const summary: ResolveSummary = { looked: people.length, matched: 0, unmatched: 0, ambiguous: 0, failed: 0, unmatchedPeople: [] };
  for (const [i, person] of people.entries()) {
    const result = results[i];
    if (!result) continue;
    if (!result.ok) {
      if (result.failure.status === 401 || result.failure.status === 403)
        throw permissionProblem(result.failure, 'look up users by e-mail', 'User.Read.All', deps.clientId);
      summary.failed++;
      await recordEntraNote(
        deps.db,
        person.kind,
        person.id,
        `The look-up failed (${result.failure.status} ${result.failure.message}); it is tried again on the next run.`,
      );
      continue;
    }
    const users = result.body.value ?? [];
    const user = users[0];
    if (users.length === 1 && user) {
      const holder = holders.get(user.id);
      if (holder && !(holder.kind === person.kind && holder.id === person.id)) {
        summary.ambiguous++;
        await recordEntraNote(
          deps.db,
          person.kind,
          person.id,
          `The Entra user with the e-mail ${person.email} (${user.id}) is already matched to ${holder.kind} ${holder.id}; check both records.`,
        );
        continue;
      }
      holders.set(user.id, { kind: person.kind, id: person.id });
      await recordEntraMatch(deps.db, person.kind, person.id, user.id, user.userPrincipalName ?? null, now);
      summary.matched++;
      continue;
    }
    if (users.length === 0) summary.unmatched++;
    else summary.ambiguous++;
    await recordEntraNote(
      deps.db,
      person.kind,
      person.id,
      users.length === 0
        ? `No Entra user has the e-mail or UPN ${person.email}.`
        : `${users.length} Entra users have the e-mail or UPN ${person.email}; none was chosen.`,
    );
  }
  summary.unmatchedPeople = await listUnmatchedPeople(deps.db);
  deps.logger.info({ ...summary, unmatchedPeople: summary.unmatchedPeople.length }, 'entra object ids resolved');
  return summary;
}

export interface GroupSyncResult {
  groupId: string;
  role: string;
  departmentId: string | null;
  status: 'succeeded' | 'failed';
  members: number;
  added: number;
  removed: number;
  staffCreated: number;
  error: string | null;
}

function describeGroupFailure(group: RoleGroup, failure: GraphFailure, clientId: string): string {
  const which = `Entra group ${group.groupId} (${group.role}${group.departmentId ? ` in ${group.departmentId}` : ''})`;
  if (failure.status === 404)
    return `${which} does not exist (404 ${failure.code}). Check the group id in ENTRA_ROLE_GROUPS; the roles it gave were kept as they were.`;
  if (failure.status === 401 || failure.status === 403)
    return `Graph refused to read the members of ${which} (${failure.status} ${failure.code}). The app registration ${clientId} needs the application permission GroupMember.Read.All with admin consent; the roles it gave were kept as they were.`;
  return `${which} could not be read (${failure.status} ${failure.message}); the roles it gave were kept and the next run tries again.`;
}

/**
 * Reads each configured security group's transitive members and makes the roles given by that group
 * exactly its members: new members gain the role, those who left lose it; every change is audited.
 * A group that cannot be read keeps the roles it gave. Members who are not staff yet are added to the
 * group's department.
 */
export async function syncRoleGroups(deps: DirectoryDeps, groups: readonly RoleGroup[]): Promise<GroupSyncResult[]> {
  const now = deps.now().toISOString();
  const lists = await deps.requester.getAllPages<DirectoryUser>(
    groups.map((g) => `/groups/${encodeURIComponent(g.groupId)}/transitiveMembers?$select=id,displayName,mail,userPrincipalName&$top=999`),
  );
  const out: GroupSyncResult[] = [];
  for (const [i, group] of groups.entries()) {
    const list = lists[i];
    const result: GroupSyncResult = {
      groupId: group.groupId,
      role: group.role,
      departmentId: group.departmentId,
      status: 'failed',
      members: 0,
      added: 0,
      removed: 0,
      staffCreated: 0,
      error: null,
    };
    out.push(result);
    if (!list) continue;
    if (group.departmentId && !(await findDepartment(deps.db, group.departmentId))) {
      result.error = `ENTRA_ROLE_GROUPS names the department "${group.departmentId}" for group ${group.groupId}, but there is no such department; import the roster first. The roles it gave were kept.`;
    } else if (!list.ok) {
      result.error = describeGroupFailure(group, list.failure, deps.clientId);
    } else {
      // Groups may hold devices, service principals and other groups; only users hold roles.
      const users = list.items.filter((m) => !m['@odata.type'] || m['@odata.type'] === '#microsoft.graph.user');
      result.members = users.length;
      await deps.db.transaction().execute(async (trx) => {
        const byEntra = await findStaffIdsByEntraId(
          trx,
          users.map((u) => u.id),
        );
        const emails = users.map((u) => (u.mail ?? u.userPrincipalName ?? '').toLowerCase()).filter(Boolean);
        const byEmail = await findStaffIdsByEmail(trx, emails);
        const grants = [];
        for (const u of users) {
          const email = (u.mail ?? u.userPrincipalName ?? '').toLowerCase();
          let staffId = byEntra.get(u.id) ?? (email ? byEmail.get(email) : undefined);
          if (!staffId) {
            if (!group.departmentId) continue;
            staffId = newId();
            await upsertStaffMembers(
              trx,
              [{ id: staffId, departmentId: group.departmentId, displayName: u.displayName ?? email, email: email || null }],
              now,
              false,
            );
            result.staffCreated++;
          }
          if (!byEntra.has(u.id)) {
            const holders = await findEntraHolders(trx, [u.id]);
            if (!holders.has(u.id)) await recordEntraMatch(trx, 'staff', staffId, u.id, u.userPrincipalName ?? null, now);
          }
          grants.push({ staffId, role: group.role });
        }
        const change = await replaceRoleGrants(trx, 'entra_group', group.groupId, grants, now);
        result.added = change.added.length;
        result.removed = change.removed.length;
        for (const [action, list2] of [
          ['staff_role_granted', change.added],
          ['staff_role_removed', change.removed],
        ] as const)
          for (const g of list2)
            await writeAudit(
              trx,
              {
                actorId: null,
                action,
                subjectKind: 'staff',
                subjectId: g.staffId,
                detail: { role: g.role, source: 'entra_group', group: group.groupId },
              },
              now,
            );
      });
      result.status = 'succeeded';
    }
    await saveGroupSync(deps.db, {
      groupId: group.groupId,
      role: group.role,
      departmentId: group.departmentId,
      members: result.members,
      lastRunAt: now,
      lastStatus: result.status,
      lastError: result.error,
    });
  }
  deps.logger.info(
    { groups: out.length, failed: out.filter((r) => r.status === 'failed').length, added: out.reduce((n, r) => n + r.added, 0) },
    'entra role groups synchronised',
  );
  return out;
}
