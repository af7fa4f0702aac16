import { CASE_OUTCOME_LABELS, CaseOutcomeSchema, compareTriage, type CaseEventKind } from '../../shared/cases';
import type { Db } from '../store/database';
import { findCasesByIds } from '../store/case.repository';
import { listCaseEvents } from '../store/case-event.repository';
import { findStaff, type Staff } from '../store/staff.repository';
import { findStudent } from '../store/student.repository';
import { studentName } from '../../shared/domain';
import { findDepartment } from '../store/department.repository';
import { listFollowups } from '../store/case-followup.repository';
import { presentFlag } from '../presenters/flag.presenter';
import { buildDigestCard, type AdaptiveCard, type DigestRow } from './cards';

const ACTION_WORDS: Partial<Record<CaseEventKind, string>> = {
  acknowledged: 'getting in touch',
  checkin_queued: 'sent a check-in',
  snoozed: 'snoozed it',
  outcome_recorded: 'recorded an outcome',
};

function outcomeWords(outcome: unknown): string {
  const known = CaseOutcomeSchema.safeParse(outcome);
  return known.success ? CASE_OUTCOME_LABELS[known.data].toLowerCase() : 'recorded an outcome';
}

/** The order tutors should read in: the one triage order the tab's list uses too. */
export function rankRows(rows: DigestRow[]): DigestRow[] {
  return [...rows].sort(compareTriage);
}

/** Builds the rows of a digest from the store as it is now, from the reader's point of view. */
export async function loadDigestRows(db: Db, caseIds: readonly string[], readerStaffId: string | null): Promise<DigestRow[]> {
  const cases = await findCasesByIds(db, caseIds);
  if (cases.length === 0) return [];
  const staff = new Map<string, Staff>();
  const named = async (id: string | null): Promise<Staff | undefined> => {
    if (!id) return undefined;
    if (!staff.has(id)) {
      const found = await findStaff(db, id);
      if (found) staff.set(id, found);
    }
    return staff.get(id);
  };
  const followups = await listFollowups(
    db,
    cases.map((c) => c.id),
  );
  const rows: DigestRow[] = [];
  for (const c of cases) {
    const student = await findStudent(db, c.studentId);
    if (!student) continue;
    const flag = presentFlag(c, student, await named(student.tutorId), await named(c.ownerId));
    const others = new Map<string, string>();
    for (const event of await listCaseEvents(db, c.id)) {
      if (event.actorKind === 'staff') await named(event.actorId);
      if (event.actorKind !== 'staff' || !event.actorId || event.actorId === readerStaffId) continue;
      const words = event.kind === 'outcome_recorded' ? outcomeWords(event.data.outcome) : ACTION_WORDS[event.kind];
      if (words) others.set(event.actorId, `${staff.get(event.actorId)?.displayName ?? 'A colleague'} (${words})`);
    }
    if (c.ownerId && c.ownerId !== readerStaffId && !others.has(c.ownerId))
      others.set(c.ownerId, `${staff.get(c.ownerId)?.displayName ?? 'A colleague'} (following up)`);
    rows.push({
      caseId: c.id,
      studentName: studentName(student),
      programme: student.programme,
      year: student.year,
      severity: c.severity,
      status: c.status,
      reason: c.reason,
      counts: c.explanation.counts,
      cohortMedian: c.explanation.cohortMedians ?? null,
      daysSinceLastActivity: flag.daysSinceLastActivity,
      dataUpTo: c.explanation.windowEnd,
      checkedAt: c.updatedAt,
      othersOnCase: [...others.values()],
      outcome: c.outcome,
      snoozedUntil: followups.get(c.id)?.snoozedUntil ?? null,
      readerIsOwner: readerStaffId !== null && c.ownerId === readerStaffId,
    });
  }
  return rankRows(rows);
}

/** The digest card for one reader and a set of cases, as things stand now. */
export async function renderDigest(
  db: Db,
  opts: { reader: Staff | undefined; caseIds: readonly string[]; publicUrl: string; intro?: string },
): Promise<{ card: AdaptiveCard; rows: DigestRow[] }> {
  const rows = await loadDigestRows(db, opts.caseIds, opts.reader?.id ?? null);
  const department = opts.reader ? await findDepartment(db, opts.reader.departmentId) : undefined;
  const card = buildDigestCard({
    recipientName: opts.reader?.displayName ?? 'there',
    rows,
    listUrl: `${opts.publicUrl}/`,
    isDemo: department?.isDemo ?? false,
    ...(opts.intro ? { intro: opts.intro } : {}),
    ...(opts.reader?.entraId ? { refreshUserIds: [opts.reader.entraId] } : {}),
  });
  return { card, rows };
}
