import { z } from 'zod';

/** The five engagement sources; one occurrence of each is defined in docs/architecture.md. */
export const SOURCES = ['moodle_login', 'moodle_submission', 'panopto_view', 'samis_login', 'teams_attendance'] as const;
export const SourceSchema = z.enum(SOURCES);
export type Source = z.infer<typeof SourceSchema>;

/** Plain-English names for sources, for cards, the tab and CSV headers. */
export const SOURCE_LABELS: Record<Source, string> = {
  moodle_login: 'Moodle logins',
  moodle_submission: 'Submissions',
  panopto_view: 'Lecture viewings',
  samis_login: 'Samis logins',
  teams_attendance: 'Teams meetings',
};

export const STAFF_ROLES = ['personal_tutor', 'director_of_studies', 'student_experience_officer', 'department_admin'] as const;
export const StaffRoleSchema = z.enum(STAFF_ROLES);
export type StaffRole = z.infer<typeof StaffRoleSchema>;

export const STUDENT_STATUSES = ['active', 'suspended', 'placement', 'study_abroad', 'withdrawn', 'not_enrolled'] as const;
export const StudentStatusSchema = z.enum(STUDENT_STATUSES);
export type StudentStatus = z.infer<typeof StudentStatusSchema>;

/** Statuses that take a student out of monitoring altogether (the guide: suspended, placement, abroad). */
export const EXEMPT_STATUSES: ReadonlySet<StudentStatus> = new Set(['suspended', 'placement', 'study_abroad', 'withdrawn', 'not_enrolled']);

export const SEVERITIES = ['high', 'medium', 'low'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

/** Higher is more urgent; used to rank and to decide whether a flag escalates a case. */
export const SEVERITY_RANK: Record<Severity, number> = { high: 3, medium: 2, low: 1 };

export const CASE_STATUSES = ['open', 'acknowledged', 'snoozed', 'closed'] as const;
export const CaseStatusSchema = z.enum(CASE_STATUSES);
export type CaseStatus = z.infer<typeof CaseStatusSchema>;

/** A calendar day as ISO `YYYY-MM-DD`, the only day format stored or exchanged. */
export const IsoDaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD');
export type IsoDay = string;

/** A student's name as staff read it: given name, then family name. */
export const studentName = (s: { givenName: string; familyName: string }): string => `${s.givenName} ${s.familyName}`;
