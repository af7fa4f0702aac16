import { z } from 'zod';
import { IsoDaySchema } from '../domain';

/** Filters for the audit page: by person (staff id), by student, by day range (inclusive); paged. */
export const AuditQuerySchema = z
  .object({
    person: z.string().trim().min(1).max(200).optional(),
    student: z.string().trim().min(1).max(200).optional(),
    from: IsoDaySchema.optional(),
    to: IsoDaySchema.optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'the "from" day must not be after the "to" day', path: ['from'] });
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const AuditEntryViewSchema = z.object({
  at: z.string(),
  /** Staff id, or null for the app itself (a digest sent, a scheduled purge). */
  actorId: z.string().nullable(),
  actorName: z.string(),
  action: z.string(),
  /** Plain words for the action, as the page shows it. */
  what: z.string(),
  subjectKind: z.string(),
  subjectId: z.string().nullable(),
  /** Students this entry touched: the subject, or those shown, exported or disclosed. */
  studentIds: z.array(z.string()),
  /** The same students with their names, where the viewer may see them (otherwise the id stands in). */
  students: z.array(z.object({ id: z.string(), name: z.string() })),
  /** The entry as one plain sentence: "Dr A. Smith viewed Jane Doe's record". */
  sentence: z.string(),
});
export type AuditEntryView = z.infer<typeof AuditEntryViewSchema>;

export const AuditPageSchema = z.object({
  scope: z.enum(['institution', 'department']),
  /** The institution's zone (TIME_ZONE): the page shows every time in it and says so, whatever the browser's zone. */
  timeZone: z.string(),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  entries: z.array(AuditEntryViewSchema),
  /** Staff in the viewer's reach, for the "person" filter. */
  people: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type AuditPage = z.infer<typeof AuditPageSchema>;

/** Plain words for every audited action; unknown actions are shown by their code. */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  viewed_student: 'Viewed a student',
  viewed_flag_list: 'Viewed the list of students',
  exported_flag_list: 'Exported the list of students',
  searched_students: 'Searched for students',
  viewed_tutee_summary: 'Viewed their tutees at a glance',
  viewed_overview: 'Viewed the overview',
  viewed_exemptions: 'Viewed exemptions',
  added_exemption: 'Added an exemption',
  changed_rule_thresholds: 'Changed a setting (rule thresholds)',
  changed_rule_settings: 'Changed a setting (rules)',
  set_term_calendar: 'Changed a setting (term calendar)',
  uploaded_import: 'Uploaded a file',
  acknowledge: 'Acknowledged a case',
  record_outcome: 'Recorded an outcome',
  send_checkin: 'Sent a check-in',
  snooze: 'Snoozed a case',
  disclosed_digest: 'Digest sent to a tutor',
  sent_support_card: 'Support contacts sent to a student',
  exported_subject_access: 'Produced a subject access report',
  erased_student: 'Erased a student',
  student_viewed_own_data: 'Student asked what the app holds',
  purged_expired_data: 'Retention purge',
  viewed_audit_log: 'Viewed the audit log',
  exported_audit_log: 'Exported the audit log',
  'people.viewed': 'Viewed the people page',
  'case.acknowledge': 'Acknowledged a case',
  'case.record_outcome': 'Recorded an outcome',
  'case.send_checkin': 'Sent a check-in',
  'case.snooze': 'Snoozed a case',
  'case.add_note': 'Added a note to a case',
  'case.acknowledge_referral': 'Acknowledged a referral',
};
