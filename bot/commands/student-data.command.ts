import { addDays, lastTermDays } from '../../shared/calendar';
import { SOURCES, SOURCE_LABELS, type IsoDay, type Source } from '../../shared/domain';
import type { Config } from '../config';
import type { Db } from '../store/database';
import { writeAudit } from '../store/audit.repository';
import { listTerms } from '../store/calendar.repository';
import { readStudentRecords } from '../store/privacy.repository';

/** How many term days of counts a student is shown, the longest window the rules look at. */
export const STUDENT_DATA_TERM_DAYS = 21;

/** Any one of these is a request on its own. */
const ASKS: readonly RegExp[] = [
  /\bmy (personal )?(data|information|info|details|records?)\b/,
  /\b(data|information|info|details) (about|on|of) me\b/,
  /\b(you|app|bot|it) (know|have|hold|keep|store|collect|record) (about|on) me\b/,
  /\bsubject access\b/,
];
/** "What data do you have", "what information does the app keep": a holding verb and a data word together. */
const HOLDS = /\b(do|does|what) (you|it|the app|this app|the bot|this bot|engagement monitor) (have|hold|keep|store|collect|record|know)\b/;
const DATA_WORDS = /\b(data|information|info|details|records?)\b/;

/**
 * Whether a student's message asks what the app holds about them ("my data", "what do you know about
 * me", "what data do you have?"). Tolerant of case, punctuation and spacing; long messages are left to
 * the ordinary path, so a student writing about their "data science" coursework is not answered with a report.
 */
export function isStudentDataRequest(text: string | undefined): boolean {
  const words = (text ?? '')
    .replace(/<[^>]*>/g, ' ')
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  if (words === '' || words.split(' ').length > 14) return false;
  if (/\bdata science\b/.test(words)) return false;
  return ASKS.some((p) => p.test(words)) || (HOLDS.test(words) && DATA_WORDS.test(words));
}

/** Plain words for staff roles, as a student reads them. Unknown roles are spelled out from their code. */
const ROLE_WORDS: Record<string, string> = {
  personal_tutor: 'a personal tutor',
  director_of_studies: 'a director of studies',
  student_experience_officer: 'a student experience officer',
  department_admin: 'a department administrator',
  institution_admin: 'a university administrator',
};
const roleWords = (role: string): string => ROLE_WORDS[role] ?? `a ${role.replace(/_/g, ' ')}`;

/** What each audited staff action means for the student whose record it touched. */
const ACTION_WORDS: Record<string, string> = {
  viewed_student: 'looked at your record',
  viewed_flag_list: 'saw you in the list of students to check in with',
  exported_flag_list: 'downloaded a list that included you',
  searched_students: 'found you by searching for a name or ID',
  viewed_tutee_summary: 'saw you in the list of their tutees',
  exported_subject_access: 'produced a copy of your data',
  acknowledge: 'noted that they are following up',
  record_outcome: 'recorded how a check-in went',
  send_checkin: 'sent you a check-in',
  snooze: 'paused reminders about you',
  added_exemption: 'recorded a period when you are not monitored',
  viewed_exemptions: 'looked at the periods when you are not monitored',
};
const actionWords = (action: string): string => ACTION_WORDS[action] ?? 'looked at your record';

/** The most recent views listed; older ones are summarised as a number. */
const MAX_VIEWS_LISTED = 10;

const dayOf = (instant: string): IsoDay => instant.slice(0, 10);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export interface StudentDataInput {
  studentId: string;
  today: IsoDay;
  at: string;
  privacy: Pick<Config['privacy'], 'privacyNoticeUrl' | 'showViewerNames'>;
}

/**
 * Answers a student who asks what the app holds about them: their own counts for the last 21 term
 * days per source, whether staff have been asked to check in (and whether their tutor was told), who
 * looked at their record by role and date (names only where the university chose to show them), and
 * where the privacy notice is. Only this student's rows are read. The answer itself is audited.
 */
export async function describeStudentData(db: Db, input: StudentDataInput): Promise<string> {
  const records = await readStudentRecords(db, input.studentId);
  if (!records)
    return 'I could not find your student record, so I hold nothing about you to show. If you think this is wrong, please contact your department office.';
  const terms = await listTerms(db);
  const termDays = lastTermDays(input.today, STUDENT_DATA_TERM_DAYS, terms);
  const days = termDays.length > 0 ? new Set(termDays) : null;
  const from = termDays[0] ?? addDays(input.today, -STUDENT_DATA_TERM_DAYS);
  const totals = new Map<Source, number>(SOURCES.map((s) => [s, 0]));
  for (const c of records.counts) {
    const inWindow = days ? days.has(c.day) : c.day >= from && c.day < input.today;
    if (inWindow && totals.has(c.source as Source)) totals.set(c.source as Source, (totals.get(c.source as Source) ?? 0) + Number(c.count));
  }

  const lines: string[] = [`Hello ${records.student.given_name}. Here is what this app holds about you. Only you see this message.`, ''];

  lines.push(
    days
      ? `**Your activity in the last ${plural(termDays.length, 'term day')}** (counts only; the app never sees what you read or wrote):`
      : `**Your activity in the last ${STUDENT_DATA_TERM_DAYS} days** (counts only; the app never sees what you read or wrote):`,
  );
  for (const s of SOURCES) lines.push(`- ${SOURCE_LABELS[s]}: ${totals.get(s) ?? 0}`);
  lines.push('');

  const stopped = records.student.monitoring_objection_at;
  const open = records.cases.find((c) => c.status !== 'closed');
  lines.push('**Has anyone been asked to check in with you?**');
  if (stopped)
    lines.push(
      `We stopped looking at your activity on ${dayOf(stopped)}, as you asked, so staff are no longer asked to check in with you because of it.`,
    );
  if (open) {
    const events = records.events.filter((e) => e.case_id === open.id);
    const told = events.find((e) => e.kind === 'alerted' || e.kind === 'staff_notified');
    const queued = events.some((e) => e.kind === 'alert_queued');
    lines.push(
      `Yes. On ${dayOf(open.opened_at)} the app noticed your activity had dropped and asked staff to check in with you. This is to offer support, not a mark against you.`,
    );
    lines.push(
      told
        ? `Your personal tutor (or the member of staff following up) was told on ${dayOf(told.at)}.`
        : queued
          ? 'Your personal tutor will be told when they next open Teams.'
          : 'Your personal tutor has not been sent a message about this.',
    );
  } else if (!stopped) lines.push('No. Nobody has been asked to check in with you at the moment.');
  lines.push('');

  const rolesOf = new Map<string, string[]>();
  for (const r of records.roles) rolesOf.set(r.staff_id, [...(rolesOf.get(r.staff_id) ?? []), r.role]);
  const views = records.views.filter((v) => v.actor_id !== null).reverse();
  lines.push('**Who has looked at your record**');
  if (views.length === 0) lines.push('No member of staff has looked at your record in this app.');
  else {
    for (const v of views.slice(0, MAX_VIEWS_LISTED)) {
      const roles = rolesOf.get(v.actor_id ?? '') ?? [];
      const who =
        input.privacy.showViewerNames && v.actor_name
          ? v.actor_name
          : roles.length > 0
            ? roles.map(roleWords).join(' and ')
            : 'a member of staff';
      lines.push(`- ${dayOf(v.at)}: ${who} ${actionWords(v.action)}`);
    }
    if (views.length > MAX_VIEWS_LISTED) lines.push(`- and ${plural(views.length - MAX_VIEWS_LISTED, 'earlier time')}`);
  }
  lines.push('');

  lines.push(
    input.privacy.privacyNoticeUrl
      ? `You can read how your data is used, and ask for a full copy, in the university's privacy notice: ${input.privacy.privacyNoticeUrl}`
      : 'The university has not set a link to its privacy notice in this app yet. Your department office can tell you how your data is used and give you a full copy.',
  );
  lines.push('If anything here worries you, type "help" to see who you can talk to.');

  await writeAudit(
    db,
    { actorId: null, action: 'student_viewed_own_data', subjectKind: 'student', subjectId: input.studentId, detail: { by: 'student' } },
    input.at,
  );
  return lines.join('\n');
}
