import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { StudentStatus } from '../../shared/domain';
import { findDepartment, upsertDepartments } from '../store/department.repository';
import { findImportByHash, findImportByKey } from '../store/import.repository';
import { addRoleGrants, findStaffEmails, findStaffIdsByEmail, upsertStaffMembers, type StaffMember } from '../store/staff.repository';
import { insertIdentities } from '../store/identity.repository';
import { findTutorIds, listStudentIdsInDepartment, upsertStudents, type Student } from '../store/student.repository';
import type { ImportSummary } from './import.command';
import { sayDay } from './import-identity';
import { checkShare, emptySummary, record, type RunningDeps } from './identity-import-record';
import { readTable } from './read-table';

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

export async function readSamisRoster(
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
