import { basename } from 'node:path';
import type { Db } from '../store/database';
import { findStaffIdsByEmail } from '../store/staff.repository';
import { insertIdentities, resolveIdentities } from '../store/identity.repository';
import { insertStaffIdentities } from '../store/staff-identity.repository';
import type { ImportSummary } from './import.command';
import { checkShare, emptySummary, record, type RunningDeps } from './identity-import-record';
import { readTable } from './read-table';

export interface MoodleUser {
  id: string;
  /** Lower-cased. */
  username: string;
  /** Lower-cased. */
  email: string;
  idnumber: string;
}

export interface IdentityLink {
  sourceSystem: string;
  externalKey: string;
  studentId: string;
}

/**
 * Which student each Moodle user is: by idnumber (the Samis student code) or by e-mail, nothing else.
 * Used by the user download import and by the database pull, so both link people the same way.
 */
export async function matchMoodleUsers(
  db: Db,
  users: readonly MoodleUser[],
): Promise<{ links: IdentityLink[]; unresolved: string[]; students: Set<string> }> {
  const bySamis = await resolveIdentities(db, 'samis', users.map((r) => r.idnumber).filter(Boolean));
  const byEmail = await resolveIdentities(db, 'email', users.map((r) => r.email).filter(Boolean));
  const links: IdentityLink[] = [];
  const unresolved: string[] = [];
  const students = new Set<string>();
  for (const r of users) {
    const studentId = bySamis.get(r.idnumber) ?? byEmail.get(r.email);
    if (!studentId) {
      unresolved.push(`moodle:${r.id}`);
      continue;
    }
    students.add(studentId);
    links.push({ sourceSystem: 'moodle', externalKey: r.id, studentId });
    if (r.username) links.push({ sourceSystem: 'moodle_username', externalKey: r.username, studentId });
  }
  return { links, unresolved, students };
}

/**
 * Moodle users who are no student (`notStudents`, as `moodle:<id>`) but whose e-mail is a member of
 * staff's: their Moodle id and username, so their activity is reported as "staff, ignored" and not as
 * unresolved. Used by the user download import and the database pull alike.
 */
export async function matchStaffMoodleUsers(
  db: Db,
  users: readonly MoodleUser[],
  notStudents: readonly string[],
): Promise<Array<{ sourceSystem: string; externalKey: string; staffId: string }>> {
  const byId = new Map(users.map((r) => [`moodle:${r.id}`, r]));
  const staffByEmail = await findStaffIdsByEmail(db, notStudents.map((k) => byId.get(k)?.email ?? '').filter(Boolean));
  return notStudents.flatMap((k) => {
    const user = byId.get(k);
    const staffId = user?.email ? staffByEmail.get(user.email) : undefined;
    if (!user || !staffId) return [];
    return [
      { sourceSystem: 'moodle', externalKey: user.id, staffId },
      ...(user.username ? [{ sourceSystem: 'moodle_username', externalKey: user.username, staffId }] : []),
    ];
  });
}

const MOODLE_USER_COLUMNS = { id: 'id', username: 'username', email: 'email', idnumber: 'idnumber' };

export async function readMoodleUsers(
  deps: RunningDeps,
  options: { path: string; fileName?: string; dryRun?: boolean },
): Promise<ImportSummary> {
  const startedAt = deps.now().toISOString();
  const table = await readTable(
    options.path,
    deps.ingest.maxLineBytes,
    MOODLE_USER_COLUMNS,
    ['idnumber', 'email'],
    'Moodle user export',
    (get, line, tally): MoodleUser | null => {
      const id = get('id');
      if (!/^\d+$/.test(id)) return (tally.reject(line, `id "${id}" is not a Moodle user id`), null);
      return { id, username: get('username').toLowerCase(), email: get('email').toLowerCase(), idnumber: get('idnumber') };
    },
  );
  const summary = emptySummary('moodle-users', 'moodle-users', options.fileName ?? basename(options.path), table.tally, table.read);
  checkShare(summary, table.fatal, deps.ingest.maxRejectedShare);
  if (summary.errors.length > 0) {
    if (!options.dryRun) await record(deps, summary, 'site', startedAt);
    return summary;
  }
  const { links, unresolved: notStudents, students } = await matchMoodleUsers(deps.db, table.rows);
  const staffLinks = await matchStaffMoodleUsers(deps.db, table.rows, notStudents);
  const staffUsers = new Set(staffLinks.filter((l) => l.sourceSystem === 'moodle').map((l) => `moodle:${l.externalKey}`));
  const unresolved = notStudents.filter((k) => !staffUsers.has(k));
  summary.rowsCounted = table.rows.length - notStudents.length;
  summary.rowsUnresolved = unresolved.length;
  summary.unresolved = { total: unresolved.length, keys: unresolved.slice(0, 100) };
  summary.rowsStaff = staffUsers.size;
  summary.staff = { total: staffUsers.size, keys: [...staffUsers].slice(0, 100) };
  summary.studentsAffected = students.size;
  if (staffUsers.size > 0)
    summary.warnings.push(
      `${staffUsers.size} Moodle user(s) are staff (matched by e-mail): their activity in Moodle and Panopto exports is reported as "staff, ignored".`,
    );
  if (unresolved.length > 0)
    summary.warnings.push(
      `${unresolved.length} Moodle user(s) match no student by idnumber or e-mail, nor a member of staff by e-mail (other departments' students and staff not yet imported are expected here).`,
    );
  if (options.dryRun) {
    summary.status = 'dry_run';
    return summary;
  }
  await deps.db.transaction().execute(async (trx) => {
    await insertIdentities(trx, links);
    await insertStaffIdentities(trx, staffLinks);
    await record({ ...deps, db: trx }, summary, 'site', startedAt);
  });
  summary.status = 'succeeded';
  return summary;
}
