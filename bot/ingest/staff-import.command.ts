import { basename } from 'node:path';
import { STAFF_ROLES, type StaffRole } from '../../shared/domain';
import type { Db } from '../store/database';
import { listDepartments } from '../store/department.repository';
import { writeAudit } from '../store/audit.repository';
import { newId } from '../store/ids';
import { endImportRecord, whileImportRuns } from '../store/import.repository';
import {
  findStaff,
  findStaffIdsByEmail,
  listRoleGrants,
  replaceRoleGrants,
  upsertStaffMembers,
  type RoleGrant,
  type StaffMember,
} from '../store/staff.repository';
import { readTable } from './read-table';

export interface StaffImportDeps {
  db: Db;
  now: () => Date;
  /** The longest line the file may have (UPLOAD_MAX_LINE_BYTES); 1 MB when not given. */
  maxLineBytes?: number;
}

/** The words a staff CSV may use for each role; matched without regard to case, spaces or underscores. */
const ROLE_WORDS: Record<StaffRole, string[]> = {
  personal_tutor: ['personal tutor', 'tutor'],
  director_of_studies: ['director of studies', 'dos'],
  student_experience_officer: ['student experience officer', 'seo'],
  department_admin: ['department administrator', 'department admin', 'departmental administrator'],
  wellbeing: ['wellbeing', 'wellbeing adviser', 'wellbeing advisor'],
  institution_admin: ['institution administrator', 'institution admin', 'institutional administrator'],
};

const squash = (text: string) =>
  text
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .trim();

export function parseRoleWord(text: string): StaffRole | null {
  const word = squash(text);
  for (const role of STAFF_ROLES) if (squash(role) === word || ROLE_WORDS[role].includes(word)) return role;
  return null;
}

export interface StaffRoleChange {
  email: string;
  displayName: string;
  role: StaffRole;
  departmentId: string;
}

export interface StaffImportSummary {
  status: 'succeeded' | 'dry_run' | 'failed';
  fileName: string;
  rowsRead: number;
  staffCreated: number;
  staffUpdated: number;
  rolesAdded: StaffRoleChange[];
  rolesRemoved: StaffRoleChange[];
  rolesKept: number;
  errors: string[];
}

/** The staff list's kind in the import history. */
export const STAFF_CSV = 'staff-csv';

const COLUMNS = { email: 'email', name: 'name', role: 'role', department: 'department' };

/**
 * `engagement staff import FILE`: the staff CSV (email, name, role, department code) is the whole
 * list of roles given by CSV. Staff are found by e-mail or created; roles the file no longer gives
 * are removed, roles from the roster or Entra groups are left alone, and every change is audited.
 * Any bad row stops the whole file, because a partial list would remove roles by mistake.
 */
export function importStaffCsv(
  deps: StaffImportDeps,
  options: { path: string; dryRun?: boolean; actorId?: string | null },
): Promise<StaffImportSummary> {
  if (options.dryRun) return applyStaffCsv(deps, options);
  // Only a run a kill -9 or a lost database connection interrupts stays in the import history: the record goes with its write.
  return whileImportRuns(deps.db, deps.now, { source: STAFF_CSV, fileName: basename(options.path) }, (running) =>
    applyStaffCsv(deps, options, running),
  );
}

/** The staff list applied; `running` is its record in the import history (none for a dry run), removed with its write. */
async function applyStaffCsv(
  deps: StaffImportDeps,
  options: { path: string; dryRun?: boolean; actorId?: string | null },
  running: string | null = null,
): Promise<StaffImportSummary> {
  const now = deps.now().toISOString();
  const departments = new Map((await listDepartments(deps.db)).map((d) => [d.id, d]));
  const known = [...departments.keys()].join(', ') || 'none yet';
  const problems: string[] = [];
  const table = await readTable(options.path, deps.maxLineBytes ?? 1_048_576, COLUMNS, ['department'], 'staff CSV', (get, line, tally) => {
    const email = get('email').toLowerCase();
    const name = get('name');
    const roleText = get('role');
    const department = get('department');
    const fail = (reason: string) => {
      problems.push(`line ${line}: ${reason}`);
      tally.reject(line, reason);
      return null;
    };
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) return fail(`"${email}" is not an e-mail address`);
    if (!name) return fail(`${email} has no name`);
    const role = parseRoleWord(roleText);
    if (!role)
      return fail(
        `"${roleText}" is not a role; use one of: Personal tutor, Director of Studies, Student Experience Officer, Department administrator, Wellbeing, Institution administrator`,
      );
    if (department && !departments.has(department))
      return fail(`there is no department "${department}" (known: ${known}); import the Samis roster first, or correct the code`);
    if (!department && role !== 'institution_admin') return fail(`${email} is given the role ${roleText} but no department`);
    return { line, email, name, role, department };
  });
  const summary: StaffImportSummary = {
    status: 'failed',
    fileName: basename(options.path),
    rowsRead: table.tally.rowsRead,
    staffCreated: 0,
    staffUpdated: 0,
    rolesAdded: [],
    rolesRemoved: [],
    rolesKept: 0,
    errors: table.fatal
      ? [
          table.fatal.includes('header')
            ? `${table.fatal}. A staff CSV has the columns email, name, role, department (the department code from the roster).`
            : table.fatal,
        ]
      : problems,
  };
  if (summary.errors.length > 0) {
    summary.errors.push('Nothing was changed: correct the file and import it again.');
    return summary;
  }

  // One person, one department: staff belong to the department whose students they see.
  const people = new Map<string, { name: string; department: string; line: number }>();
  for (const r of table.rows) {
    const seen = people.get(r.email);
    if (seen && r.department && seen.department && seen.department !== r.department)
      summary.errors.push(
        `line ${r.line}: ${r.email} is in department "${seen.department}" (line ${seen.line}) and "${r.department}"; a member of staff belongs to one department`,
      );
    else if (!seen || (!seen.department && r.department)) people.set(r.email, { name: r.name, department: r.department, line: r.line });
  }
  const ids = await findStaffIdsByEmail(deps.db, [...people.keys()]);
  const existing = new Set(ids.values());
  const toSave: StaffMember[] = [];
  for (const [email, p] of people) {
    const id = ids.get(email) ?? newId();
    let department = p.department;
    if (!department) {
      const stored = ids.has(email) ? await findStaff(deps.db, id) : undefined;
      if (stored) department = stored.departmentId;
      else {
        summary.errors.push(
          `line ${p.line}: ${email} is new and has no department; give the home department code for an institution administrator`,
        );
        continue;
      }
    }
    ids.set(email, id);
    toSave.push({ id, departmentId: department, displayName: p.name, email });
  }
  if (summary.errors.length > 0) {
    summary.errors.push('Nothing was changed: correct the file and import it again.');
    return summary;
  }
  summary.staffCreated = toSave.filter((s) => !existing.has(s.id)).length;
  summary.staffUpdated = toSave.length - summary.staffCreated;

  const grants: RoleGrant[] = table.rows.map((r) => ({ staffId: ids.get(r.email) as string, role: r.role }));
  const byId = new Map(toSave.map((s) => [s.id, s]));
  const describe = (g: RoleGrant): StaffRoleChange => {
    const s = byId.get(g.staffId);
    return { email: s?.email ?? g.staffId, displayName: s?.displayName ?? g.staffId, role: g.role, departmentId: s?.departmentId ?? '' };
  };
  const apply = async (db: Db) => {
    if (!options.dryRun) await upsertStaffMembers(db, toSave, now, true);
    if (options.dryRun) {
      const before = await listRoleGrants(db, 'csv', '');
      const key = (g: RoleGrant) => `${g.staffId} ${g.role}`;
      const had = new Set(before.map(key));
      const wanted = new Set(grants.map(key));
      return {
        added: [...new Map(grants.filter((g) => !had.has(key(g))).map((g) => [key(g), g])).values()],
        removed: before.filter((g) => !wanted.has(key(g))),
      };
    }
    const change = await replaceRoleGrants(db, 'csv', '', grants, now);
    for (const [action, list] of [
      ['staff_role_granted', change.added],
      ['staff_role_removed', change.removed],
    ] as const)
      for (const g of list)
        await writeAudit(
          db,
          { actorId: options.actorId ?? null, action, subjectKind: 'staff', subjectId: g.staffId, detail: { role: g.role, source: 'csv' } },
          now,
        );
    if (running) await endImportRecord(db, running);
    return change;
  };
  const change = options.dryRun ? await apply(deps.db) : await deps.db.transaction().execute(apply);
  for (const g of change.removed)
    if (!byId.has(g.staffId)) {
      const s = await findStaff(deps.db, g.staffId);
      if (s) byId.set(s.id, { id: s.id, departmentId: s.departmentId, displayName: s.displayName, email: s.email });
    }
  summary.rolesAdded = change.added.map(describe);
  summary.rolesRemoved = change.removed.map(describe);
  summary.rolesKept = new Set(grants.map((g) => `${g.staffId} ${g.role}`)).size - change.added.length;
  summary.status = options.dryRun ? 'dry_run' : 'succeeded';
  return summary;
}

export function presentStaffImport(s: StaffImportSummary): string {
  if (s.status === 'failed') return [`${s.fileName}: not imported.`, ...s.errors.map((e) => `  - ${e}`)].join('\n');
  const verb = s.status === 'dry_run' ? 'Would' : 'Did';
  const line = (c: StaffRoleChange) => `  ${c.displayName} <${c.email}>: ${c.role}${c.departmentId ? ` in ${c.departmentId}` : ''}`;
  return [
    `${s.fileName}: ${s.rowsRead} rows.${s.status === 'dry_run' ? ' Dry run: nothing was changed.' : ''}`,
    `${verb === 'Would' ? 'Would create' : 'Created'} ${s.staffCreated} and ${verb === 'Would' ? 'update' : 'updated'} ${s.staffUpdated} staff; ${s.rolesKept} role(s) unchanged.`,
    ...(s.rolesAdded.length ? [`Roles ${verb === 'Would' ? 'to add' : 'added'}:`, ...s.rolesAdded.map(line)] : []),
    ...(s.rolesRemoved.length
      ? [`Roles ${verb === 'Would' ? 'to remove' : 'removed'} (no longer in the file):`, ...s.rolesRemoved.map(line)]
      : []),
  ].join('\n');
}
