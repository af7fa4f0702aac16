import { AUDIT_ACTION_LABELS } from '../../shared/api/audit';
import { ruleSettingLabel } from '../../shared/rules/labels';

/** One audit entry as people read it: who, did what, to whom. Names come in already resolved and scoped. */
export interface AuditSentenceInput {
  actorName: string;
  action: string;
  subjectKind: string;
  detail: Record<string, unknown>;
  /** Names of the students the entry touched, in order (the subject first). */
  students: readonly string[];
  /** The member of staff the entry is about (a digest's recipient), when it is about one. */
  staffSubject?: string | null;
}

const possessive = (name: string) => (name.endsWith('s') ? `${name}'` : `${name}'s`);

function listed(names: readonly string[], noun: string): string {
  if (names.length === 0) return `no ${noun}s`;
  if (names.length <= 3) return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `${names.length} ${noun}s`;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : typeof v === 'number' ? String(v) : null);

/** A setting's value in words: on and off, "none" for an empty one, text without quotes. */
const valueWords = (v: unknown): string =>
  v === true ? 'on' : v === false ? 'off' : v === null || v === undefined ? 'none' : typeof v === 'string' ? v : JSON.stringify(v);

/** One change in the Settings page's words: "No engagement at all, term days of silence before flagging: 14 → 10". */
const changeWords = (setting: string, before: unknown, after: unknown): string =>
  `${ruleSettingLabel(setting)}: ${valueWords(before)} → ${valueWords(after)}`;

/** "No engagement at all, term days of silence before flagging: 14 → 10; ..." from an entry's recorded changes. */
function changesOf(detail: Record<string, unknown>): string {
  const changes = Array.isArray(detail.changes) ? detail.changes : [];
  const parts = changes.flatMap((c: unknown) => {
    if (typeof c !== 'object' || c === null) return [];
    const { setting, before, after } = c as Record<string, unknown>;
    return typeof setting === 'string' ? [changeWords(setting, before, after)] : [];
  });
  if (parts.length > 0) return `: ${parts.join('; ')}`;
  const before = detail.before as Record<string, unknown> | undefined;
  const after = detail.after as Record<string, unknown> | undefined;
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    const keys = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    if (keys.length > 0) return `: ${keys.map((k) => changeWords(k, before[k], after[k])).join('; ')}`;
  }
  return '';
}

/** A plain sentence for the audit page and its CSV; an action it does not know keeps its label (or code). */
export function describeAuditEntry(e: AuditSentenceInput): string {
  const who = e.actorName;
  const student = e.students[0] ?? 'a student';
  const d = e.detail;
  switch (e.action) {
    case 'viewed_student':
      return `${who} viewed ${possessive(student)} record`;
    case 'viewed_flag_list':
      return `${who} viewed the list of students, showing ${listed(e.students, 'student')}`;
    case 'exported_flag_list':
      return `${who} exported the list of students (${listed(e.students, 'student')})`;
    case 'viewed_overview':
      return `${who} viewed the department overview`;
    case 'viewed_exemptions':
      return `${who} viewed the settings and exemptions`;
    case 'added_exemption':
      return `${who} exempted ${student} from monitoring${text(d.from) ? ` from ${text(d.from)}` : ''}${text(d.until) ? ` until ${text(d.until)}` : ''}`;
    case 'changed_rule_thresholds':
    case 'changed_rule_settings':
      return `${who} changed the rule settings${changesOf(d)}`;
    case 'set_term_calendar':
      return `${who} changed the term dates`;
    case 'uploaded_import':
      return `${who} uploaded the file ${text(d.fileName) ? `"${text(d.fileName)}"` : '(unnamed)'}${text(d.source) ? ` (${text(d.source)})` : ''}`;
    case 'acknowledge':
    case 'case.acknowledge':
      return `${who} acknowledged ${possessive(student)} case`;
    case 'record_outcome':
    case 'case.record_outcome':
      return `${who} recorded an outcome for ${student}`;
    case 'send_checkin':
    case 'case.send_checkin':
      return `${who} sent ${student} a check-in`;
    case 'snooze':
    case 'case.snooze':
      return `${who} snoozed ${possessive(student)} case`;
    case 'case.add_note':
      return `${who} added a note to ${possessive(student)} case`;
    case 'case.acknowledge_referral':
      return `${who} acknowledged the referral of ${student}`;
    case 'disclosed_digest':
      return `Engagement Monitor sent a digest naming ${listed(e.students, 'student')} to ${e.staffSubject ?? 'a member of staff'}`;
    case 'sent_support_card':
      return `Engagement Monitor sent ${student} the ${d.tier === 'risk' ? 'urgent ' : ''}support contacts${d.via === 'outbox' ? ' (late: the reply to their message could not be sent)' : ''}`;
    case 'exported_subject_access':
      return `${who} produced a subject access report for ${student}`;
    case 'erased_student':
      return `${who} erased a student's records${text(d.reason) ? ` (reason: ${text(d.reason)})` : ''}`;
    case 'student_viewed_own_data':
      return `${student} asked what the app holds about them`;
    case 'purged_expired_data':
      return 'Engagement Monitor removed data past its retention period';
    case 'viewed_audit_log':
      return `${who} viewed the audit log`;
    case 'exported_audit_log':
      return `${who} exported the audit log${typeof d.rows === 'number' ? ` (${d.rows} entries)` : ''}`;
    case 'people.viewed':
      return `${who} viewed the people page`;
    default:
      return `${who}: ${AUDIT_ACTION_LABELS[e.action] ?? e.action}`;
  }
}
