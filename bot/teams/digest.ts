import { CASE_OUTCOME_LABELS, CaseOutcomeSchema, compareTriage, type CaseEventKind, type CheckinDelivery } from '../../shared/cases';
import { tabLink, type TabLinkTarget } from '../../shared/links';
import type { Db } from '../store/database';
import { findCasesByIds } from '../store/case.repository';
import { listCaseEvents, type CaseEvent } from '../store/case-event.repository';
import { findStaff, type Staff } from '../store/staff.repository';
import { findStudent } from '../store/student.repository';
import { studentName } from '../../shared/domain';
import { findDepartment } from '../store/department.repository';
import { listFollowups } from '../store/case-followup.repository';
import { findCheckinDeliveries } from '../store/outbox.repository';
import { presentFlag } from '../presenters/flag.presenter';
import { buildDigestCard, formatMoment, type AdaptiveCard, type DigestRow } from './cards';

/** What a member of staff did, as the card says it: "<who> <words>". */
function actionWords(event: CaseEvent, self: boolean): string | null {
  switch (event.kind as CaseEventKind) {
    case 'acknowledged':
      return self ? 'said you will get in touch' : 'said they will get in touch';
    case 'checkin_queued':
      return 'asked for a check-in to be sent';
    case 'snoozed':
      return typeof event.data.until === 'string' ? `snoozed it until ${formatMoment(event.data.until, 'day')}` : 'snoozed it';
    case 'outcome_recorded': {
      const known = CaseOutcomeSchema.safeParse(event.data.outcome);
      return `recorded “${known.success ? CASE_OUTCOME_LABELS[known.data] : 'an outcome'}”`;
    }
    default:
      return null;
  }
}

/** How many past actions a card row lists: enough to see who did what, short enough to scan. */
const HISTORY_LINES = 3;

/** The order tutors should read in: the one triage order the tab's list uses too. */
export function rankRows(rows: DigestRow[]): DigestRow[] {
  return [...rows].sort(compareTriage);
}

function checkinState(d: { status: 'pending' | 'sent' | 'failed'; waitingForChat: boolean } | undefined): CheckinDelivery | null {
  if (!d) return null;
  if (d.status === 'sent') return 'delivered';
  if (d.status === 'failed') return 'failed';
  return d.waitingForChat ? 'waiting_for_teams' : 'queued';
}

/** Builds the rows of a digest from the store as it is now, from the reader's point of view. */
export async function loadDigestRows(
  db: Db,
  caseIds: readonly string[],
  readerStaffId: string | null,
  links: TabLinkTarget = { teamsAppId: '', publicUrl: '' },
): Promise<DigestRow[]> {
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
  const ids = cases.map((c) => c.id);
  const followups = await listFollowups(db, ids);
  const checkins = await findCheckinDeliveries(db, ids);
  const rows: DigestRow[] = [];
  for (const c of cases) {
    const student = await findStudent(db, c.studentId);
    if (!student) continue;
    const flag = presentFlag(c, student, await named(student.tutorId), await named(c.ownerId));
    const history: string[] = [];
    for (const event of (await listCaseEvents(db, c.id)).reverse()) {
      if (event.actorKind !== 'staff' || !event.actorId) continue;
      const self = event.actorId === readerStaffId;
      const words = actionWords(event, self);
      if (!words) continue;
      const who = self ? 'You' : ((await named(event.actorId))?.displayName ?? 'A colleague');
      history.push(`${who} ${words}, ${formatMoment(event.at, 'moment')}.`);
      if (history.length === HISTORY_LINES) break;
    }
    const owner = await named(c.ownerId);
    rows.push({
      caseId: c.id,
      studentId: student.id,
      studentName: studentName(student),
      programme: student.programme,
      year: student.year,
      severity: c.severity,
      status: c.status,
      reason: flag.reason,
      ruleFigures: flag.ruleFigures ?? null,
      counts: c.explanation.counts,
      cohortMedian: c.explanation.cohortMedians ?? null,
      daysSinceLastActivity: flag.daysSinceLastActivity,
      dataUpTo: c.explanation.windowEnd,
      checkedAt: c.updatedAt,
      history,
      ownerName: c.ownerId === null ? null : c.ownerId === readerStaffId ? 'you' : (owner?.displayName ?? 'a colleague'),
      outcome: c.outcome,
      snoozedUntil: followups.get(c.id)?.snoozedUntil ?? null,
      readerIsOwner: readerStaffId !== null && c.ownerId === readerStaffId,
      checkin: checkinState(checkins.get(c.id)),
      link: tabLink(links, student.id),
    });
  }
  return rankRows(rows);
}

/** The digest card for one reader and a set of cases, as things stand now. */
export async function renderDigest(
  db: Db,
  opts: { reader: Staff | undefined; caseIds: readonly string[]; publicUrl: string; teamsAppId?: string; intro?: string },
): Promise<{ card: AdaptiveCard; rows: DigestRow[] }> {
  const links = { teamsAppId: opts.teamsAppId ?? '', publicUrl: opts.publicUrl };
  const rows = await loadDigestRows(db, opts.caseIds, opts.reader?.id ?? null, links);
  const department = opts.reader ? await findDepartment(db, opts.reader.departmentId) : undefined;
  const card = buildDigestCard({
    recipientName: opts.reader?.displayName ?? 'there',
    rows,
    listUrl: tabLink(links),
    isDemo: department?.isDemo ?? false,
    ...(opts.intro ? { intro: opts.intro } : {}),
    ...(opts.reader?.entraId ? { refreshUserIds: [opts.reader.entraId] } : {}),
  });
  return { card, rows };
}
