import { SOURCES, type IsoDay, type Source, studentName } from '../../shared/domain';
import { addDays, isTermDay, lastTermDays, type Term } from '../../shared/calendar';
import { EXPLAINED_WINDOWS } from '../../shared/rules/context';
import type { Series, StudentView } from '../../shared/api/student';
import { cohortBand } from '../../shared/cohort';
import type { Db } from '../store/database';
import { findStudent } from '../store/student.repository';
import { findStaff, type Staff } from '../store/staff.repository';
import { findCase } from '../store/case.repository';
import { listTerms } from '../store/calendar.repository';
import { loadCoverage } from '../store/import.repository';
import { findCurrentCaseId } from '../store/case.repository';
import { listCohortIds } from '../store/student.repository';
import { listStudentExemptions } from '../store/exemption.repository';
import { loadStudentsCounts } from '../store/activity.repository';
import { writeAudit } from '../store/audit.repository';
import { notFound } from '../errors';
import { maySeeStudent } from './viewer';
import { loadCaseSummary } from './case-summary.command';

/** Without term dates the chart shows the last ten weeks. */
const FALLBACK_DAYS = 70;

/** The term the chart covers: the one today falls in, else the latest that has started. */
function chartTerm(terms: readonly Term[], today: IsoDay): Term | null {
  const started = terms.filter((t) => t.start < today).sort((a, b) => b.start.localeCompare(a.start));
  return started.find((t) => today <= t.end) ?? started[0] ?? null;
}

/**
 * One student's story for a member of staff who may see them: daily counts per source across the
 * term beside their cohort's median and middle half, exemptions, and the case with its timeline.
 * Counts only; every view is written to the audit log.
 */
export async function viewStudent(db: Db, viewer: Staff, studentId: string, today: IsoDay, now: string): Promise<StudentView> {
  const student = await findStudent(db, studentId);
  if (!student || !maySeeStudent(viewer, student)) throw notFound('That student');

  const terms = await listTerms(db);
  const term = chartTerm(terms, today);
  const yesterday = addDays(today, -1);
  const first = term ? term.start : addDays(today, -FALLBACK_DAYS);
  const last = term && term.end < yesterday ? term.end : yesterday;
  const days: IsoDay[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) days.push(d);

  const cohortIds = await listCohortIds(db, student);
  const [counts, coverage, exemptions, caseId, tutor] = await Promise.all([
    loadStudentsCounts(db, [...new Set([student.id, ...cohortIds])], first, last),
    loadCoverage(db, first, last, student.departmentId),
    listStudentExemptions(db, student.id),
    findCurrentCaseId(db, student.id),
    student.tutorId ? findStaff(db, student.tutorId) : Promise.resolve(undefined),
  ]);
  const series = Object.fromEntries(
    SOURCES.map((source): [Source, Series] => {
      const known = (day: IsoDay) => coverage.get(source)?.has(day) ?? false;
      const own = days.map((day) => (known(day) ? (counts.get(student.id)?.get(day)?.get(source) ?? 0) : null));
      const band = days.map((day) => (known(day) ? cohortBand(cohortIds.map((id) => counts.get(id)?.get(day)?.get(source) ?? 0)) : null));
      return [
        source,
        {
          counts: own,
          median: band.map((b) => b?.median ?? null),
          low: band.map((b) => b?.low ?? null),
          high: band.map((b) => b?.high ?? null),
        },
      ];
    }),
  ) as Record<Source, Series>;

  const windows = EXPLAINED_WINDOWS.flatMap((n) => {
    const inWindow = terms.length > 0 ? lastTermDays(today, n, terms) : [addDays(today, -n), yesterday];
    return inWindow.length > 0 ? [{ days: n, start: inWindow[0]!, end: inWindow.at(-1)! }] : [];
  });

  const c = caseId ? await findCase(db, caseId) : undefined;
  await writeAudit(
    db,
    { actorId: viewer.id, action: 'viewed_student', subjectKind: 'student', subjectId: student.id, detail: { caseId: c?.id ?? null } },
    now,
  );
  return {
    student: {
      id: student.id,
      name: studentName(student),
      programme: student.programme,
      year: student.year,
      status: student.status,
      tutorName: tutor?.displayName ?? null,
    },
    term: term && { name: term.name, start: term.start, end: term.end },
    days,
    nonTermDays: term ? days.filter((d) => !isTermDay(d, terms)) : [],
    windows,
    cohortSize: cohortIds.length,
    series,
    exemptions,
    case: c ? await loadCaseSummary(db, c) : null,
  };
}
