import { SOURCES, studentName } from '../../shared/domain';
import type { StudentMatch, StudentSearchQuery, StudentSearchResponse, TuteeSummary } from '../../shared/api/student-search';
import type { Staff } from '../store/staff.repository';
import type { Student } from '../store/student.repository';
import { dailyOf, type FlagListDeps, type Snapshot } from './flag-page.command';
import type { FlagRow } from '../../shared/api/flags';
import { writeAudit } from '../store/audit.repository';
import type { IsoDay } from '../../shared/domain';
import { seesWholeDepartment } from './viewer';

/** Lower case without accents, so "jose" finds "José" and "oconnor" does not need the apostrophe's twin. */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('en-GB');
}

const collator = new Intl.Collator('en-GB', { sensitivity: 'base' });

interface SearchIndex {
  people: Array<{ student: Student; name: string; folded: string; id: string }>;
  flagged: Map<string, FlagRow>;
}
/** Folded names and IDs, made once per held list (a search then only compares strings), keyed by the snapshot. */
const indexes = new WeakMap<Snapshot, SearchIndex>();
function searchIndexOf(snapshot: Snapshot): SearchIndex {
  let index = indexes.get(snapshot);
  if (!index) {
    index = {
      people: snapshot.students.map((student) => {
        const name = studentName(student);
        return { student, name, folded: foldForSearch(name), id: student.id.toLocaleLowerCase('en-GB') };
      }),
      flagged: new Map(snapshot.entries.map((e) => [e.row.studentId, e.row])),
    };
    indexes.set(snapshot, index);
  }
  return index;
}

/** 0: the exact ID; 1: the ID or a word of the name starts with the text; 2: contained anywhere. */
function rank(id: string, name: string, q: string): number {
  if (id === q) return 0;
  if (id.startsWith(q) || name.split(/\s+/).some((w) => w.startsWith(q)) || name.startsWith(q)) return 1;
  return 2;
}

/**
 * Any student in the viewer's scope (the department, or a tutor's own tutees: exactly the list's
 * scope) whose name or ID contains the text, flagged or not, and says which. Written to the audit
 * log like a view of the list, with the students shown.
 */
export async function searchStudents(
  deps: FlagListDeps,
  viewer: Staff,
  query: StudentSearchQuery,
  today: IsoDay,
  now: string,
): Promise<StudentSearchResponse> {
  const snapshot = await deps.cache.get(viewer.departmentId, today);
  const whole = seesWholeDepartment(viewer);
  const q = foldForSearch(query.q);
  const index = searchIndexOf(snapshot);
  const flagged = index.flagged;
  const matches: Array<{ student: Student; name: string; rank: number }> = [];
  for (const person of index.people) {
    const { student } = person;
    if (!whole && student.tutorId !== viewer.id) continue;
    if (!person.folded.includes(q) && !person.id.includes(q)) continue;
    matches.push({ student, name: person.name, rank: rank(person.id, person.folded, q) });
  }
  matches.sort((a, b) => a.rank - b.rank || collator.compare(a.name, b.name) || a.student.id.localeCompare(b.student.id));
  const students: StudentMatch[] = matches.slice(0, query.limit).map(({ student, name }) => {
    const row = flagged.get(student.id);
    return {
      studentId: student.id,
      studentName: name,
      programme: student.programme,
      year: student.year,
      tutorName: student.tutorId ? (snapshot.staffNames.get(student.tutorId) ?? null) : null,
      flagged: row !== undefined,
      severity: row?.severity ?? null,
      status: row?.status ?? null,
    };
  });
  const scope = whole ? 'department' : 'tutees';
  await (deps.audit ?? ((entry, at) => writeAudit(deps.db, entry, at)))(
    {
      actorId: viewer.id,
      action: 'searched_students',
      subjectKind: 'department',
      subjectId: viewer.departmentId,
      detail: { scope, matching: matches.length, studentIds: students.map((s) => s.studentId) },
    },
    now,
  );
  return { scope, q: query.q, total: matches.length, students };
}

/** Most tutees a summary lists; a tutor with more sees the first ones by name and a count. */
const MAX_TUTEES = 200;

/**
 * A personal tutor's own tutees with their last 21 days: what the list offers when nobody of theirs is
 * flagged. Only the viewer's own tutees, whatever their role; audited like a view of the list.
 */
export async function summariseTutees(deps: FlagListDeps, viewer: Staff, today: IsoDay, now: string): Promise<TuteeSummary> {
  const snapshot = await deps.cache.get(viewer.departmentId, today);
  const flagged = new Set(snapshot.entries.map((e) => e.row.studentId));
  const own = snapshot.students
    .filter((s) => s.tutorId === viewer.id && s.status === 'active')
    .map((s) => ({ s, name: studentName(s) }))
    .sort((a, b) => collator.compare(a.name, b.name))
    .slice(0, MAX_TUTEES);
  const tutees = own.map(({ s, name }) => {
    const daily = dailyOf(snapshot.counts.get(s.id), snapshot.coverage, snapshot.days);
    let last: number | null = null;
    for (let i = snapshot.days.length - 1; i >= 0 && last === null; i--)
      if (SOURCES.some((source) => (daily[source][i] ?? 0) > 0)) last = snapshot.days.length - i;
    return {
      studentId: s.id,
      studentName: name,
      programme: s.programme,
      year: s.year,
      flagged: flagged.has(s.id),
      daysSinceLastActivity: last,
      daily,
    };
  });
  await (deps.audit ?? ((entry, at) => writeAudit(deps.db, entry, at)))(
    {
      actorId: viewer.id,
      action: 'viewed_tutee_summary',
      subjectKind: 'department',
      subjectId: viewer.departmentId,
      detail: { scope: 'tutees', studentIds: tutees.map((t) => t.studentId) },
    },
    now,
  );
  return { days: snapshot.days, tutees };
}
