import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * Row types as stored. Days are `YYYY-MM-DD` text and instants ISO-8601 UTC text on both databases,
 * so ordering and comparison behave the same on SQLite and PostgreSQL; JSON columns are text.
 */
export interface Database {
  departments: { id: string; name: string; is_demo: number; created_at: string };
  students: {
    id: string;
    department_id: string;
    given_name: string;
    family_name: string;
    email: string | null;
    entra_id: string | null;
    programme: string;
    year: number;
    status: string;
    tutor_id: string | null;
    updated_at: string;
    /** 0011: the roster's course or status start date; no rule window reaches back before it. */
    start_day: Generated<string | null>;
    /** 0011: the user principal name Entra gave, and why no Entra user matched when none did. */
    upn: Generated<string | null>;
    entra_note: Generated<string | null>;
    /** 0015: an upheld objection to monitoring; evaluation and alerts skip the student while set. */
    monitoring_objection_at: Generated<string | null>;
    monitoring_objection_reason: Generated<string | null>;
  };
  staff: {
    id: string;
    department_id: string;
    display_name: string;
    email: string | null;
    entra_id: string | null;
    updated_at: string;
    upn: Generated<string | null>;
    entra_note: Generated<string | null>;
  };
  /** 0011: one row per role per source (roster, csv, entra_group with the group id, manual, demo). */
  staff_roles: { staff_id: string; role: string; source: Generated<string>; source_ref: Generated<string>; granted_at: Generated<string> };
  entra_group_syncs: {
    group_id: string;
    role: string;
    department_id: string | null;
    members: number;
    last_run_at: string;
    last_status: string;
    last_error: string | null;
  };
  identities: { source_system: string; external_key: string; student_id: string };
  /** 0019: keys that name a member of staff in activity exports (a staff Moodle user id or username): reported, never counted. */
  staff_identities: { source_system: string; external_key: string; staff_id: string };
  activity_counts: { student_id: string; day: string; source: string; count: number };
  /** Kept by triggers from activity_counts (migration 0020): the positive counts of one week, Monday (d0) to Sunday (d6). */
  activity_weeks: {
    student_id: string;
    source: string;
    week: string;
    d0: number;
    d1: number;
    d2: number;
    d3: number;
    d4: number;
    d5: number;
    d6: number;
  };
  imports: {
    id: string;
    source: string;
    file_name: string;
    file_hash: string | null;
    period_start: string | null;
    period_end: string | null;
    rows_read: number;
    rows_counted: number;
    rows_ignored: number;
    rows_rejected: number;
    status: string;
    errors: string;
    started_at: string;
    finished_at: string | null;
    /** 0002: which export format, which part of the source it speaks for, and what it could not use. */
    format: Generated<string>;
    scope: Generated<string>;
    rows_unresolved: Generated<number>;
    students_affected: Generated<number>;
    /** JSON: rejected lines (line and reason, never the row), unresolved keys, warnings. */
    details: Generated<string>;
    /** 0008: the department an upload through the tab speaks for; null for institution-wide imports. */
    department_id: string | null;
    /** 0014: the file and every setting that changes how it is read; 1 when the import speaks for whole days; the import that took its place. */
    import_key: string | null;
    complete: Generated<number>;
    superseded_by: string | null;
  };
  import_counts: { import_id: string; student_id: string; day: string; source: string; count: number };
  terms: { id: string; name: string; start_day: string; end_day: string };
  term_exclusions: { term_id: string; start_day: string; end_day: string; label: string };
  exemptions: {
    id: string;
    student_id: string;
    reason: string;
    from_day: string;
    until_day: string | null;
    set_by: string | null;
    created_at: string;
  };
  evaluations: { id: string; department_id: string; today: string; evaluated_at: string; flags: number; warnings: string };
  cases: {
    id: string;
    student_id: string;
    department_id: string;
    severity: string;
    status: string;
    rules: string;
    reason: string;
    explanation: string;
    owner_id: string | null;
    outcome: string | null;
    opened_at: string;
    updated_at: string;
    closed_at: string | null;
    recovered_on: string | null;
  };
  rule_configs: { department_id: string; config: string; updated_at: string; updated_by: string | null };
  case_events: {
    id: string;
    case_id: string;
    at: string;
    kind: string;
    actor_kind: string;
    actor_id: string | null;
    note: string | null;
    data: string;
  };
  conversations: { user_aad_id: string; staff_id: string | null; student_id: string | null; reference: string; updated_at: string };
  outbox: {
    id: string;
    idempotency_key: string;
    kind: string;
    recipient_staff_id: string | null;
    recipient_student_id: string | null;
    payload: string;
    status: string;
    attempts: Generated<number>;
    next_attempt_at: string;
    claimed_by: string | null;
    claimed_until: string | null;
    last_error: string | null;
    sent_activity_id: string | null;
    sent_conversation_id: string | null;
    created_at: string;
    sent_at: string | null;
    /** 0012: fencing token of the current claim, the attempt in flight, and how many sends went out / were repeats. */
    claim_token: string | null;
    send_started_at: string | null;
    sends: Generated<number>;
    repeats: Generated<number>;
  };
  /** 0012: the next free slot (epoch microseconds) of a pace shared by every instance: 'tenant' and 'c:<conversation id>'. */
  send_pace: { key: string; next_us: number };
  /** 0012: when each singleton job last started, and on which instance. */
  job_runs: { name: string; started_at: string; instance: string };
  sent_cards: {
    id: string;
    kind: string;
    recipient_staff_id: string | null;
    recipient_student_id: string | null;
    conversation_id: string;
    activity_id: string;
    reference: string;
    case_ids: string;
    created_at: string;
    updated_at: string;
  };
  sent_card_cases: { sent_card_id: string; case_id: string };
  case_followups: {
    case_id: string;
    snoozed_until: string | null;
    status_before_snooze: string | null;
    escalation_level: Generated<number>;
    escalated_at: string | null;
    checkins_sent: Generated<number>;
    updated_at: string;
    paused_since: string | null;
    paused_reason: string | null;
  };
  unreachable_recipients: { user_aad_id: string; staff_id: string | null; student_id: string | null; reason: string; since: string };
  audit_log: {
    id: string;
    at: string;
    actor_id: string | null;
    action: string;
    subject_kind: string;
    subject_id: string | null;
    detail: string;
  };
  graph_organiser_checkpoints: {
    organiser: string;
    collected_until: string | null;
    last_run_at: string;
    last_status: string;
    last_error: string | null;
  };
  graph_attendance_reports: {
    report_id: string;
    organiser: string;
    meeting_id: string;
    session_start: string;
    day: string;
    students_counted: number;
    collected_at: string;
    /** 0014: organiser and start minute, shared with downloaded reports of the same meeting. */
    meeting_key: string | null;
  };
  teams_attendance_sessions: { report_id: string; student_id: string; day: string };
  /** 0009: the Moodle database pull (bot/feeds/moodle-db). */
  moodle_feed_checkpoints: {
    feed: string;
    resume_id: number | null;
    resume_day: string | null;
    last_id: number | null;
    last_time: number | null;
    covered_until: string | null;
    lease_owner: string | null;
    lease_until: string | null;
    last_run_at: string | null;
    last_status: string | null;
    last_error: string | null;
  };
  teams_meeting_attendance: { import_id: string; meeting_key: string; student_id: string; day: string };
  /** 0016: a risk-tier message, pinned in the tab until someone records that they have acted. */
  urgent_alerts: {
    id: string;
    student_id: string;
    department_id: string;
    case_id: string | null;
    message: string | null;
    phrase: string | null;
    raised_at: string;
    /** JSON array of the staff ids told at once. */
    notified: string;
    acted_at: string | null;
    acted_by: string | null;
    acted_note: string | null;
  };
}

export type StudentRow = Selectable<Database['students']>;
export type StaffRow = Selectable<Database['staff']>;
export type CaseRow = Selectable<Database['cases']>;
export type UrgentAlertRow = Selectable<Database['urgent_alerts']>;
export type NewCase = Insertable<Database['cases']>;
export type OutboxRow = Selectable<Database['outbox']>;
export type ImportRow = Selectable<Database['imports']>;
export type SentCardRow = Selectable<Database['sent_cards']>;
