import type { Env } from './env';

export interface PrivacyConfig {
  /** The month (1-12) an academic year starts: counts are kept for the current and previous years. */
  academicYearStartMonth: number;
  retention: {
    countsAcademicYears: number;
    importsDays: number;
    closedCasesDays: number;
    messagesDays: number;
    deliveriesDays: number;
    leftStudentsDays: number;
    auditDays: number;
    batchSize: number;
    everyHours: number;
  };
  privacyNoticeUrl: string | null;
  /** Whether a student asking "my data" sees the names of staff who viewed their record (roles and dates otherwise). */
  showViewerNames: boolean;
}

export function checkPrivacy(e: Env, problems: string[]): void {
  if (e.APP_MODE === 'production' && !e.PRIVACY_NOTICE_URL)
    problems.push("PRIVACY_NOTICE_URL: required when APP_MODE=production (students asking 'my data' are pointed to it)");
  // The audit must outlive what it audits, or a subject access request could not say who saw a record.
  const longest = Math.max(e.RETENTION_CLOSED_CASES_DAYS, e.RETENTION_IMPORTS_DAYS, e.RETENTION_COUNTS_ACADEMIC_YEARS * 366);
  if (e.RETENTION_AUDIT_DAYS <= longest)
    problems.push(`RETENTION_AUDIT_DAYS: must be longer than the longest other retention period (${longest} days)`);
}

export function privacyConfig(e: Env): PrivacyConfig {
  return Object.freeze({
    academicYearStartMonth: e.ACADEMIC_YEAR_START_MONTH,
    retention: Object.freeze({
      countsAcademicYears: e.RETENTION_COUNTS_ACADEMIC_YEARS,
      importsDays: e.RETENTION_IMPORTS_DAYS,
      closedCasesDays: e.RETENTION_CLOSED_CASES_DAYS,
      messagesDays: e.RETENTION_MESSAGES_DAYS,
      deliveriesDays: e.RETENTION_DELIVERIES_DAYS,
      leftStudentsDays: e.RETENTION_LEFT_STUDENTS_DAYS,
      auditDays: e.RETENTION_AUDIT_DAYS,
      batchSize: e.RETENTION_BATCH_SIZE,
      everyHours: e.RETENTION_EVERY_HOURS,
    }),
    privacyNoticeUrl: e.PRIVACY_NOTICE_URL ?? null,
    showViewerNames: e.PRIVACY_SHOW_VIEWER_NAMES,
  });
}
