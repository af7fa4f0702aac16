import { basename } from 'node:path';
import type { StudentStatus } from '../../shared/domain';
import type { IngestConfig } from '../config';
import type { Db } from '../store/database';
import { findDepartment } from '../store/department.repository';
import { newId } from '../store/ids';
import { findImportByHash, insertImport } from '../store/import.repository';
import { findExistingStaffIds } from '../store/staff.repository';
import { insertIdentities, resolveIdentities } from '../store/identity.repository';
import { listStudentIdsInDepartment, upsertStudents, type Student } from '../store/student.repository';
import { AppError } from '../errors';
import { findColumns, normaliseHeader } from './formats/format';
import type { ImportSummary } from './import.command';
import { readDelimited, UnreadableFileError, type ReadResult } from './read-delimited';
import { Tally } from './tally';

export interface IdentityImportDeps {
  db: Db;
  ingest: IngestConfig;
  now: () => Date;
}

interface TableRead<R> {
  rows: R[];
  tally: Tally;
  read: ReadResult | null;
  fatal: string | null;
}

/**
 * Reads a small table (user export, roster) into typed rows. These files hold one row per person, so
 * they are kept in memory; activity exports are never read this way.
 */
async function readTable<R, K extends string>(
  path: string,
  columns: Record<K, string>,
  optional: ReadonlyArray<NoInfer<K>>,
  label: string,
  toRow: (get: (k: K) => string, line: number, tally: Tally) => R | null,
): Promise<TableRead<R>> {
  const tally = new Tally([]);
  const rows: R[] = [];
  let index: Partial<Record<K, number>> | null = null;
  let width = 0;
  let fatal: string | null = null;
  let read: ReadResult | null = null;
  try {
    read = await readDelimited(path, {
      delimiter: 'auto',
      onRecord: (fields, line, problem) => {
        if (fields.length === 1 && fields[0] === '' && !problem) return true;
        if (!index) {
          const required = Object.fromEntries(Object.entries(columns).filter(([k]) => !optional.includes(k as K))) as Record<K, string>;
          if (!findColumns(fields, required)) {
            fatal = `line ${line}: the header is not a ${label}. Expected the columns ${Object.values(required).join(', ')}; found: ${fields.slice(0, 12).map(normaliseHeader).join(', ')}`;
            return false;
          }
          const names = fields.map(normaliseHeader);
          index = Object.fromEntries(
            (Object.entries(columns) as Array<[K, string]>)
              .map(([k, name]) => [k, names.indexOf(normaliseHeader(name))])
              .filter(([, i]) => (i as number) >= 0),
          );
          width = fields.length;
          return true;
        }
        tally.rowsRead += 1;
        if (problem) return (tally.reject(line, problem), true);
        if (fields.length !== width) return (tally.reject(line, `has ${fields.length} fields where the header has ${width}`), true);
        const at = index;
        const row = toRow(
          (k) => {
            const i = at[k];
            return i === undefined ? '' : (fields[i] ?? '').trim();
          },
          line,
          tally,
        );
        if (row) rows.push(row);
        return true;
      },
    });
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { rows, tally, read, fatal: 'the file does not exist' };
      throw error;
    }
    fatal = error.message;
  }
  if (!fatal && !index) fatal = 'the file holds no header and no rows';
  if (!fatal && tally.rowsRead === 0) fatal = 'the file has a header but no rows';
  return { rows, tally, read, fatal };
}

function emptySummary(source: string, format: string, fileName: string, tally: Tally, read: ReadResult | null): ImportSummary {
  return {
    status: 'failed',
    source: source as ImportSummary['source'],
    format,
    fileName,
    fileHash: read?.fileHash ?? null,
    scope: 'site',
    period: null,
    daysCovered: 0,
    rowsRead: tally.rowsRead,
    rowsCounted: 0,
    rowsIgnored: tally.rowsIgnored,
    rowsRejected: tally.rowsRejected,
    rowsUnresolved: 0,
    rejections: tally.rejections,
    unresolved: { total: 0, keys: [] },
    studentsAffected: 0,
    countsBySource: {},
    errors: [],
    warnings: [...tally.warnings],
    importIds: [],
    timings: { parseMs: 0, resolveMs: 0, writeMs: 0 },
  };
}

function checkShare(summary: ImportSummary, fatal: string | null, maxShare: number): void {
  if (fatal) summary.errors.push(fatal);
  else if (summary.rowsRejected > summary.rowsRead * maxShare) {
    summary.errors.push(
      `${summary.rowsRejected} of ${summary.rowsRead} rows could not be read, more than the ${Math.round(maxShare * 1000) / 10}% allowed (IMPORT_MAX_REJECTED_SHARE): nothing from this file was stored`,
    );
  }
}

async function record(deps: IdentityImportDeps, summary: ImportSummary, scope: string, startedAt: string): Promise<void> {
  const id = newId();
  summary.importIds.push(id);
  await insertImport(deps.db, {
    id,
    source: summary.source,
    format: summary.format ?? '',
    scope,
    fileName: summary.fileName,
    fileHash: summary.fileHash,
    periodStart: null,
    periodEnd: null,
    rowsRead: summary.rowsRead,
    rowsCounted: summary.rowsCounted,
    rowsIgnored: summary.rowsIgnored,
    rowsRejected: summary.rowsRejected,
    rowsUnresolved: summary.rowsUnresolved,
    studentsAffected: summary.studentsAffected,
    status: summary.errors.length === 0 ? 'succeeded' : 'failed',
    errors: summary.errors,
    details: { rejections: summary.rejections, unresolved: summary.unresolved, warnings: summary.warnings },
    startedAt,
    finishedAt: deps.now().toISOString(),
  });
}

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

const MOODLE_USER_COLUMNS = { id: 'id', username: 'username', email: 'email', idnumber: 'idnumber' };

/**
 * Moodle's user download (id, username, email, idnumber, ...) teaches the identity map which Moodle
 * user id is which student: matched by idnumber (the Samis student code) or by e-mail, nothing else.
 */
export async function importMoodleUsers(
  deps: IdentityImportDeps,
  options: { path: string; fileName?: string; dryRun?: boolean },
): Promise<ImportSummary> {
  const startedAt = deps.now().toISOString();
  const table = await readTable(
    options.path,
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
  const { links, unresolved, students } = await matchMoodleUsers(deps.db, table.rows);
  summary.rowsCounted = table.rows.length - unresolved.length;
  summary.rowsUnresolved = unresolved.length;
  summary.unresolved = { total: unresolved.length, keys: unresolved.slice(0, 100) };
  summary.studentsAffected = students.size;
  if (unresolved.length > 0)
    summary.warnings.push(
      `${unresolved.length} Moodle user(s) match no student by idnumber or e-mail (staff and other departments' students are expected here).`,
    );
  if (options.dryRun) {
    summary.status = 'dry_run';
    return summary;
  }
  await deps.db.transaction().execute(async (trx) => {
    await insertIdentities(trx, links);
    await record({ ...deps, db: trx }, summary, 'site', startedAt);
  });
  summary.status = 'succeeded';
  return summary;
}

/**
 * A Samis roster: who the department's students are, on which programme and year, their enrolment
 * status (mapped from the university's codes by SAMIS_STATUS_MAP) and personal tutor (a staff id).
 * Students missing from the roster are reported and left as they are.
 */
export async function importSamisRoster(
  deps: IdentityImportDeps,
  options: { path: string; departmentId: string | undefined; fileName?: string; dryRun?: boolean },
): Promise<ImportSummary> {
  const startedAt = deps.now().toISOString();
  if (!options.departmentId)
    throw new AppError(400, 'department_required', 'A Samis roster belongs to one department: pass --department <id>.');
  const department = await findDepartment(deps.db, options.departmentId);
  if (!department) throw new AppError(404, 'not_found', `There is no department "${options.departmentId}".`);
  const statusMap = deps.ingest.samisStatusMap;
  const columns = deps.ingest.samisRosterColumns;
  const now = deps.now().toISOString();
  const table = await readTable(
    options.path,
    columns,
    ['email', 'tutor'],
    'Samis roster',
    (get, line, tally): (Student & { tutorCode: string }) | null => {
      const id = get('studentCode');
      if (!id) return (tally.reject(line, 'the student code is empty'), null);
      const code = get('status');
      const status: StudentStatus | undefined = statusMap[code];
      if (!status)
        return (
          tally.reject(line, `enrolment status "${code}" is not in SAMIS_STATUS_MAP (known: ${Object.keys(statusMap).join(', ')})`),
          null
        );
      const year = Number(get('year').replace(/^0+(?=\d)/, ''));
      if (!Number.isInteger(year) || year < 0 || year > 10)
        return (tally.reject(line, `year of study "${get('year')}" is not a whole number`), null);
      const email = get('email').toLowerCase();
      return {
        id,
        departmentId: department.id,
        givenName: get('givenName'),
        familyName: get('familyName'),
        email: email || null,
        entraId: null,
        programme: get('programme'),
        year,
        status,
        tutorId: null,
        tutorCode: get('tutor'),
      };
    },
  );
  const summary = emptySummary('samis-roster', 'samis-roster', options.fileName ?? basename(options.path), table.tally, table.read);
  summary.scope = `department:${department.id}`;
  checkShare(summary, table.fatal, deps.ingest.maxRejectedShare);
  if (summary.errors.length === 0 && summary.fileHash && (await findImportByHash(deps.db, summary.fileHash, 'samis-roster'))) {
    summary.status = 'already_imported';
    summary.warnings.push('This roster was already imported; nothing was changed.');
    return summary;
  }
  if (summary.errors.length > 0) {
    if (!options.dryRun) await record(deps, summary, summary.scope, startedAt);
    return summary;
  }
  const tutorCodes = [...new Set(table.rows.map((r) => r.tutorCode).filter(Boolean))];
  const knownTutors = await findExistingStaffIds(deps.db, tutorCodes);
  const unknownTutors = tutorCodes.filter((c) => !knownTutors.has(c));
  const students: Student[] = table.rows.map(({ tutorCode, ...s }) => ({ ...s, tutorId: knownTutors.has(tutorCode) ? tutorCode : null }));
  const before = await listStudentIdsInDepartment(deps.db, department.id);
  const missing = [...before].filter((id) => !students.some((s) => s.id === id));
  if (unknownTutors.length > 0)
    summary.warnings.push(
      `Personal tutor code(s) not found among staff, so those students have no tutor yet: ${unknownTutors.slice(0, 20).join(', ')}.`,
    );
  if (missing.length > 0)
    summary.warnings.push(`${missing.length} student(s) of ${department.name} are not in this roster; they were left unchanged.`);
  summary.rowsCounted = students.length;
  summary.studentsAffected = students.length;
  if (options.dryRun) {
    summary.status = 'dry_run';
    return summary;
  }
  await deps.db.transaction().execute(async (trx) => {
    await upsertStudents(trx, students, now);
    await insertIdentities(
      trx,
      students.flatMap((s) => [
        { sourceSystem: 'samis', externalKey: s.id, studentId: s.id },
        ...(s.email ? [{ sourceSystem: 'email', externalKey: s.email, studentId: s.id }] : []),
      ]),
    );
    await record({ ...deps, db: trx }, summary, summary.scope, startedAt);
  });
  summary.status = 'succeeded';
  return summary;
}
