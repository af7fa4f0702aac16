import { addDays } from '../../shared/calendar';
import { AUDIT_ACTION_LABELS, type AuditEntryView, type AuditPage, type AuditQuery } from '../../shared/api/audit';
import { forbidden } from '../errors';
import type { Db } from '../store/database';
import { auditNames, searchAudit, writeAudit, type AuditFilter, type AuditRow } from '../store/audit.repository';
import { listStaff, type Staff } from '../store/staff.repository';
import { describeAuditEntry } from '../presenters/audit.presenter';
import { csvField } from './flag-page.command';

/** Institution administrators read every department's audit; department administrators their own; nobody else. */
function scopeOf(viewer: Pick<Staff, 'roles' | 'departmentId'>): { scope: AuditPage['scope']; departmentId: string | null } {
  if (viewer.roles.includes('institution_admin')) return { scope: 'institution', departmentId: null };
  if (viewer.roles.includes('department_admin')) return { scope: 'department', departmentId: viewer.departmentId };
  throw forbidden('The audit log is for department and institution administrators.');
}

function filterOf(viewer: Staff, query: AuditQuery): { scope: AuditPage['scope']; filter: AuditFilter } {
  const { scope, departmentId } = scopeOf(viewer);
  return {
    scope,
    filter: {
      departmentId,
      ...(query.person ? { actorId: query.person } : {}),
      ...(query.student ? { studentId: query.student } : {}),
      ...(query.from ? { fromAt: `${query.from}T00:00:00.000Z` } : {}),
      ...(query.to ? { toAt: `${addDays(query.to, 1)}T00:00:00.000Z` } : {}),
    },
  };
}

const filtersOf = (query: AuditQuery) =>
  Object.fromEntries(Object.entries({ person: query.person, student: query.student, from: query.from, to: query.to }).filter(([, v]) => v));

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function studentIdsOf(row: AuditRow): string[] {
  const listed = isStringArray(row.detail.studentIds) ? row.detail.studentIds : [];
  const single = typeof row.detail.studentId === 'string' ? [row.detail.studentId] : [];
  const subject = row.subjectKind === 'student' && row.subjectId ? [row.subjectId] : [];
  return [...new Set([...subject, ...single, ...listed])];
}

type Names = Awaited<ReturnType<typeof auditNames>>;

/** Names for every student and member of staff the rows mention, within the viewer's department when scoped. */
const namesFor = (db: Db, rows: readonly AuditRow[], departmentId: string | null): Promise<Names> =>
  auditNames(
    db,
    {
      students: rows.flatMap(studentIdsOf),
      staff: rows.flatMap((r) => (r.subjectKind === 'staff' && r.subjectId ? [r.subjectId] : [])),
    },
    departmentId,
  );

function present(row: AuditRow, names: Names): AuditEntryView {
  const studentIds = studentIdsOf(row);
  const students = studentIds.map((id) => ({ id, name: names.students.get(id) ?? id }));
  const actorName =
    row.actorName ?? (row.actorId ? row.actorId : row.action === 'student_viewed_own_data' ? 'The student' : 'Engagement Monitor');
  return {
    at: row.at,
    actorId: row.actorId,
    actorName,
    action: row.action,
    what: AUDIT_ACTION_LABELS[row.action] ?? row.action,
    subjectKind: row.subjectKind,
    subjectId: row.subjectId,
    studentIds,
    students,
    sentence: describeAuditEntry({
      actorName,
      action: row.action,
      subjectKind: row.subjectKind,
      detail: row.detail,
      students: students.map((x) => x.name),
      staffSubject: row.subjectKind === 'staff' && row.subjectId ? (names.staff.get(row.subjectId) ?? row.subjectId) : null,
    }),
  };
}

/** One page of the audit log within the viewer's reach, its times to be read in `timeZone` (TIME_ZONE); reading it is itself audited. */
export async function listAuditPage(db: Db, viewer: Staff, query: AuditQuery, now: string, timeZone = 'UTC'): Promise<AuditPage> {
  const { scope, filter } = filterOf(viewer, query);
  const { total, rows } = await searchAudit(db, filter, { offset: (query.page - 1) * query.pageSize, limit: query.pageSize });
  const [names, staff] = await Promise.all([namesFor(db, rows, filter.departmentId), listStaff(db, filter.departmentId ?? undefined)]);
  await writeAudit(
    db,
    {
      actorId: viewer.id,
      action: 'viewed_audit_log',
      subjectKind: 'audit',
      subjectId: filter.departmentId,
      detail: { scope, filters: filtersOf(query), page: query.page },
    },
    now,
  );
  return {
    scope,
    timeZone,
    total,
    page: query.page,
    pageSize: query.pageSize,
    entries: rows.map((r) => present(r, names)),
    people: staff.map((p) => ({ id: p.id, name: p.displayName })),
  };
}

const CSV_HEADER = [
  'When (UTC)',
  'Who',
  'Staff ID',
  'What happened',
  'Action',
  'What',
  'Subject kind',
  'Subject ID',
  'Student IDs',
  'Students',
];

/** Every entry matching the filters as CSV (UTF-8 with a byte order mark, formula cells defused); the export is audited. */
export async function exportAuditCsv(db: Db, viewer: Staff, query: AuditQuery, now: string): Promise<{ csv: string; rows: number }> {
  const { scope, filter } = filterOf(viewer, query);
  const { rows } = await searchAudit(db, filter, { offset: 0, limit: null });
  const names = await namesFor(db, rows, filter.departmentId);
  const lines = [CSV_HEADER.map(csvField).join(',')];
  for (const e of rows.map((r) => present(r, names)))
    lines.push(
      [
        e.at,
        e.actorName,
        e.actorId,
        e.sentence,
        e.action,
        e.what,
        e.subjectKind,
        e.subjectId,
        e.studentIds.join(' '),
        e.students.map((x) => x.name).join('; '),
      ]
        .map(csvField)
        .join(','),
    );
  await writeAudit(
    db,
    {
      actorId: viewer.id,
      action: 'exported_audit_log',
      subjectKind: 'audit',
      subjectId: filter.departmentId,
      detail: { scope, filters: filtersOf(query), rows: rows.length },
    },
    now,
  );
  return { csv: `\uFEFF${lines.join('\r\n')}\r\n`, rows: rows.length };
}
