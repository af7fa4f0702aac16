import { SOURCES, studentName } from '../../shared/domain';
import type { FlaggedStudent } from '../../shared/api/flags';
import type { Case } from '../store/case.repository';
import type { Staff } from '../store/staff.repository';
import type { Student } from '../store/student.repository';

/** The only place a case and its student become the shape the tab and the cards show. */
export function presentFlag(c: Case, student: Student, tutor: Staff | undefined, owner: Staff | undefined): FlaggedStudent {
  const seen = SOURCES.map((s) => c.explanation.daysSinceLast[s]).filter((d): d is number => d !== null);
  return {
    caseId: c.id,
    studentId: student.id,
    studentName: studentName(student),
    programme: student.programme,
    year: student.year,
    tutorName: tutor?.displayName ?? null,
    severity: c.severity,
    status: c.status,
    reason: c.reason,
    rules: c.rules,
    daysSinceLastActivity: seen.length > 0 ? Math.min(...seen) : null,
    counts: c.explanation.counts,
    openedAt: c.openedAt,
    ownerName: owner?.displayName ?? null,
  };
}
