import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { StudentStatus } from '../../shared/domain';
import type { IngestConfig } from '../config';
import type { Db } from '../store/database';
import { findDepartment, upsertDepartments } from '../store/department.repository';
import { newId } from '../store/ids';
import { endImportRecord, findImportByHash, findImportByKey, insertImport, whileImportRuns } from '../store/import.repository';
import { addRoleGrants, findStaffEmails, findStaffIdsByEmail, upsertStaffMembers, type StaffMember } from '../store/staff.repository';
import { insertIdentities, resolveIdentities } from '../store/identity.repository';
import { insertStaffIdentities } from '../store/staff-identity.repository';
import { findTutorIds, listStudentIdsInDepartment, upsertStudents, type Student } from '../store/student.repository';
import { findColumns, normaliseHeader, separatorHint } from './formats/format';
import type { ImportSummary } from './import.command';
import { sayDay } from './import-identity';
import { readDelimited, UnreadableFileError, type ReadResult } from './read-delimited';
import { Tally } from './tally';
import { assertLineLengths } from './line-limit';

export interface IdentityImportDeps {
  db: Db;
  ingest: IngestConfig;
  now: () => Date;
}

/** An identity import at work: its "running" record in the import history (none for a dry run), replaced by its result. */
type RunningDeps = IdentityImportDeps & { running: string | null };

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
export async function readTable<R, K extends string>(
  path: string,
  maxLineBytes: number,
  columns: Record<K, string>,
  optional: ReadonlyArray<NoInfer<K>>,
  label: string,
  toRow: (get: (k: K) => string, line: number, tally: Tally) => R | null,
  hint = '',
): Promise<TableRead<R>> {
  const tally = new Tally([]);
  const rows: R[] = [];
  let index: Partial<Record<K, number>> | null = null;
  let width = 0;
  let fatal: string | null = null;
  let read: ReadResult | null = null;
  try {
    await assertLineLengths(path, maxLineBytes);
    read = await readDelimited(path, {
      delimiter: 'auto',
      onRecord: (fields, line, problem) => {
        if (fields.length === 1 && fields[0] === '' && !problem) return true;
        if (!index) {
          const required = Object.fromEntries(Object.entries(columns).filter(([k]) => !optional.includes(k as K))) as Record<K, string>;
          if (!findColumns(fields, required)) {
            fatal = `line ${line}: the header is not a ${label}. Expected the columns ${Object.values(required).join(', ')}; found: ${fields.slice(0, 30).map(normaliseHeader).join(', ')}${hint || '.'}${separatorHint(fields)}`;
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
    complete: true,
    importKey: null,
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

/** Writes the run's result and removes its "running" record; given a transaction, both at once. */
async function record(deps: RunningDeps, summary: ImportSummary, scope: string, startedAt: string): Promise<void> {
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
    importKey: summary.importKey,
  });
  if (deps.running) await endImportRecord(deps.db, deps.running);
}

/** Runs an identity import with a "running" record in the history (a dry run has none), so a kill -9 shows as interrupted. */
function recordedWhileRunning(
  deps: IdentityImportDeps,
  options: { path: string; fileName?: string; dryRun?: boolean },
  source: string,
  work: (deps: RunningDeps) => Promise<ImportSummary>,
): Promise<ImportSummary> {
  if (options.dryRun) return work({ ...deps, running: null });
  return whileImportRuns(deps.db, deps.now, { source, fileName: options.fileName ?? basename(options.path) }, (running) =>
    work({ ...deps, running }),
  );
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

/**
 * Moodle's user download (id, username, email, idnumber, ...) teaches the identity map which Moodle
 * user id is which student: matched by idnumber (the Samis student code) or by e-mail, nothing else.
 */
export function importMoodleUsers(
  deps: IdentityImportDeps,
  options: { path: string; fileName?: string; dryRun?: boolean },
): Promise<ImportSummary> {
  return recordedWhileRunning(deps, options, 'moodle-users', (running) => readMoodleUsers(running, options));
}

async function readMoodleUsers(deps: RunningDeps, options: { path: string; fileName?: string; dryRun?: boolean }): Promise<ImportSummary> {
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

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** A roster date as SITS exports print it: 2026-09-28, 28/09/2026 (day first) or 28-SEP-2026 / 28-SEP-26 (Oracle's default). */
export function parseRosterDay(text: string): string | null {
  const pad = (n: number) => String(n).padStart(2, '0');
  const valid = (y: number, m: number, d: number) => {
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? `${y}-${pad(m)}-${pad(d)}` : null;
  };
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$/.exec(text);
  if (m) return valid(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: .*)?$/.exec(text);
  if (m) return valid(Number(m[3]), Number(m[2]), Number(m[1]));
  m = /^(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4})$/.exec(text);
  if (m) {
    const month = MONTHS.indexOf((m[2] ?? '').toUpperCase()) + 1;
    const year = Number(m[3]) + ((m[3] ?? '').length === 2 ? 2000 : 0);
    return month > 0 ? valid(year, month, Number(m[1])) : null;
  }
  return null;
}

interface RosterRow extends Student {
  line: number;
  departmentCode: string;
  departmentName: string;
  tutorCode: string;
  tutorName: string;
  tutorEmail: string;
}

const ROSTER_HINT =
  '. If your export names these columns differently, map them in SAMIS_ROSTER_COLUMNS, e.g. SAMIS_ROSTER_COLUMNS=\'{"programme":"Course code","departmentCode":"Dept"}\' (see docs/onboarding.md); status codes are mapped by SAMIS_STATUS_MAP.';

/**
 * A Samis roster: the departments (code and name), each student's programme (the course code),
 * year, enrolment status (mapped by SAMIS_STATUS_MAP), start date, and personal tutor (code, name,
 * e-mail). Importing it creates or updates the departments and the tutors as staff with the personal
 * tutor role, then the students linked to them. `departmentId` limits the import to one department's
 * rows. Students missing from the roster are reported and left as they are.
 */
export function importSamisRoster(
  deps: IdentityImportDeps,
  options: { path: string; departmentId?: string | undefined; fileName?: string; dryRun?: boolean },
): Promise<ImportSummary> {
  return recordedWhileRunning(deps, options, 'samis-roster', (running) => readSamisRoster(running, options));
}

async function readSamisRoster(
  deps: RunningDeps,
  options: { path: string; departmentId?: string | undefined; fileName?: string; dryRun?: boolean },
): Promise<ImportSummary> {
  const startedAt = deps.now().toISOString();
  const statusMap = deps.ingest.samisStatusMap;
  const columns = deps.ingest.samisRosterColumns;
  const only = options.departmentId;
  const now = deps.now().toISOString();
  let ignoredOtherDepartment = 0;
  const table = await readTable(
    options.path,
    deps.ingest.maxLineBytes,
    columns,
    [
      'email',
      'startDate',
      'departmentName',
      'tutor',
      'tutorGivenName',
      'tutorFamilyName',
      'tutorEmail',
      ...(only ? (['departmentCode'] as const) : []),
    ],
    'Samis roster',
    (get, line, tally): RosterRow | null => {
      const id = get('studentCode');
      if (!id) return (tally.reject(line, 'the student code is empty'), null);
      const departmentCode = get('departmentCode') || only || '';
      if (!departmentCode) return (tally.reject(line, `the department code (${columns.departmentCode}) is empty`), null);
      if (only && departmentCode !== only) {
        ignoredOtherDepartment++;
        tally.rowsIgnored++;
        return null;
      }
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
      const startText = get('startDate');
      const startDay = startText ? parseRosterDay(startText) : null;
      if (startText && !startDay)
        return (tally.reject(line, `start date "${startText}" is not a date (expected 2026-09-28, 28/09/2026 or 28-SEP-2026)`), null);
      const programme = get('programme');
      if (!programme) return (tally.reject(line, `the programme (${columns.programme}) is empty`), null);
      const email = get('email').toLowerCase();
      return {
        line,
        id,
        departmentId: departmentCode,
        departmentCode,
        departmentName: get('departmentName'),
        givenName: get('givenName'),
        familyName: get('familyName'),
        email: email || null,
        entraId: null,
        programme,
        year,
        status,
        tutorId: null,
        startDay,
        tutorCode: get('tutor'),
        tutorName: [get('tutorGivenName'), get('tutorFamilyName')].filter(Boolean).join(' '),
        tutorEmail: get('tutorEmail').toLowerCase(),
      };
    },
    ROSTER_HINT,
  );
  const summary = emptySummary('samis-roster', 'samis-roster', options.fileName ?? basename(options.path), table.tally, table.read);
  summary.scope = only ? `department:${only}` : 'site';
  checkShare(summary, table.fatal, deps.ingest.maxRejectedShare);

  // One code, one department: two names for a code mean two departments would merge into one.
  const departments = new Map<string, { name: string; line: number }>();
  for (const r of table.rows) {
    const seen = departments.get(r.departmentCode);
    if (!seen || (!seen.name && r.departmentName)) departments.set(r.departmentCode, { name: r.departmentName, line: r.line });
    else if (r.departmentName && seen.name !== r.departmentName) {
      summary.errors.push(
        `Two departments share the code "${r.departmentCode}": "${seen.name}" (line ${seen.line}) and "${r.departmentName}" (line ${r.line}). ` +
          `A department code must name one department; correct the roster (or the departmentCode / departmentName columns in SAMIS_ROSTER_COLUMNS). Nothing from this file was stored.`,
      );
      break;
    }
  }
  if (summary.errors.length === 0) {
    for (const [code, d] of departments) {
      if (d.name) continue;
      const existing = await findDepartment(deps.db, code);
      if (existing) d.name = existing.name;
      else
        summary.errors.push(
          `Department "${code}" does not exist yet and the roster gives no name for it (column ${columns.departmentName}). Add the department name to the export, or map it in SAMIS_ROSTER_COLUMNS. Nothing from this file was stored.`,
        );
    }
  }
  // The roster's identity is its bytes and everything that changes how they are read: a corrected
  // status map or column map is a different import, applied again (students wrongly mapped to active stop being monitored).
  summary.importKey = summary.fileHash
    ? createHash('sha256')
        .update(JSON.stringify({ fileHash: summary.fileHash, format: 'samis-roster', statusMap, columns, departmentId: only ?? null }))
        .digest('hex')
    : null;
  if (summary.errors.length === 0 && summary.importKey) {
    const earlier = await findImportByKey(deps.db, summary.importKey);
    const sameBytes = earlier ? undefined : summary.fileHash && (await findImportByHash(deps.db, summary.fileHash, 'samis-roster'));
    const when = (e: { finishedAt: string | null; fileName: string }) => `on ${sayDay(e.finishedAt)} as ${e.fileName}`;
    if (earlier) {
      summary.status = 'already_imported';
      summary.warnings.push(
        `skipped: identical file and settings, imported ${when(earlier)}; nothing was changed (a changed SAMIS_STATUS_MAP or SAMIS_ROSTER_COLUMNS applies it again).`,
      );
      return summary;
    }
    if (sameBytes)
      summary.warnings.push(
        `This roster was imported ${when(sameBytes)} with another SAMIS_STATUS_MAP, SAMIS_ROSTER_COLUMNS or --department; it is applied again with the current ones.`,
      );
  }
  if (summary.errors.length > 0) {
    if (!options.dryRun) await record(deps, summary, summary.scope, startedAt);
    return summary;
  }
  if (ignoredOtherDepartment > 0)
    summary.warnings.push(`${ignoredOtherDepartment} row(s) of other departments were left out (--department ${only}).`);

  // Tutors: found by their code (the staff id), else by e-mail; created only when they can be reached.
  const tutors = new Map<string, { name: string; email: string; departmentId: string; students: number }>();
  for (const r of table.rows) {
    if (!r.tutorCode) continue;
    const t = tutors.get(r.tutorCode);
    if (!t) tutors.set(r.tutorCode, { name: r.tutorName, email: r.tutorEmail, departmentId: r.departmentId, students: 1 });
    else {
      t.students++;
      if (!t.email && r.tutorEmail) t.email = r.tutorEmail;
      if (!t.name && r.tutorName) t.name = r.tutorName;
    }
  }
  const storedEmails = await findStaffEmails(deps.db, [...tutors.keys()]);
  const byEmail = await findStaffIdsByEmail(deps.db, [...tutors.values()].map((t) => t.email).filter(Boolean));
  const tutorIdOf = new Map<string, string>();
  const staffToSave: StaffMember[] = [];
  const noEmail: string[] = [];
  let studentsWithoutTutor = 0;
  for (const [code, t] of tutors) {
    const id = storedEmails.has(code) ? code : t.email ? (byEmail.get(t.email) ?? code) : null;
    if (id === null || (!t.email && !storedEmails.get(code))) {
      noEmail.push(`${code}${t.name ? ` (${t.name})` : ''}`);
      studentsWithoutTutor += t.students;
      if (storedEmails.has(code)) tutorIdOf.set(code, code);
      continue;
    }
    tutorIdOf.set(code, id);
    staffToSave.push({ id, departmentId: t.departmentId, displayName: t.name || code, email: t.email || null });
  }
  if (noEmail.length > 0)
    summary.warnings.push(
      `Personal tutor(s) with no e-mail in the roster (column ${columns.tutorEmail}): ${noEmail.slice(0, 20).join(', ')}. ` +
        `They cannot be reached or matched to Microsoft Entra, so they were not added as staff and their ${studentsWithoutTutor} student(s) keep the tutor they had (if any). Add the e-mail in Samis and import again.`,
    );

  const existingTutors = await findTutorIds(
    deps.db,
    table.rows.map((r) => r.id),
  );
  const students: Student[] = table.rows.map((r) => ({
    id: r.id,
    departmentId: r.departmentId,
    givenName: r.givenName,
    familyName: r.familyName,
    email: r.email,
    entraId: null,
    programme: r.programme,
    year: r.year,
    status: r.status,
    startDay: r.startDay,
    tutorId: tutorIdOf.get(r.tutorCode) ?? existingTutors.get(r.id) ?? null,
  }));
  for (const [code, d] of departments) {
    const before = await listStudentIdsInDepartment(deps.db, code);
    const missing = [...before].filter((id) => !students.some((s) => s.id === id));
    if (missing.length > 0)
      summary.warnings.push(`${missing.length} student(s) of ${d.name} are not in this roster; they were left unchanged.`);
  }
  summary.rowsCounted = students.length;
  summary.studentsAffected = students.length;
  if (options.dryRun) {
    summary.status = 'dry_run';
    return summary;
  }
  await deps.db.transaction().execute(async (trx) => {
    await upsertDepartments(
      trx,
      [...departments].map(([id, d]) => ({ id, name: d.name })),
      now,
    );
    await upsertStaffMembers(trx, staffToSave, now, false);
    await addRoleGrants(
      trx,
      'roster',
      staffToSave.map((s) => ({ staffId: s.id, role: 'personal_tutor' as const })),
      now,
    );
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
