import { CASE_EVENT_LABELS, type CaseEventKind } from '../../shared/cases';
import type { SubjectAccessReport } from '../../shared/api/subject-access';
import { AppError } from '../errors';
import type { Db } from '../store/database';
import { writeAudit } from '../store/audit.repository';
import { readStudentRecords } from '../store/privacy.repository';

const MESSAGE_KINDS: ReadonlySet<string> = new Set(['student_message', 'student_replied']);

const label = (kind: string): string => CASE_EVENT_LABELS[kind as CaseEventKind] ?? kind;

/**
 * Gathers everything held about one student for a subject access request and audits that it was
 * produced. Other students never appear: every read is keyed by this student or their cases.
 */
export async function buildSubjectAccess(db: Db, studentId: string, who: { by: string | null; at: string }): Promise<SubjectAccessReport> {
  const records = await readStudentRecords(db, studentId);
  if (!records) throw new AppError(404, 'unknown_student', `There is no student "${studentId}".`);
  const { student: s } = records;
  const rolesOf = new Map<string, string[]>();
  for (const r of records.roles) rolesOf.set(r.staff_id, [...(rolesOf.get(r.staff_id) ?? []), r.role]);
  const report: SubjectAccessReport = {
    generatedAt: who.at,
    generatedBy: who.by,
    student: {
      id: s.id,
      givenName: s.given_name,
      familyName: s.family_name,
      email: s.email,
      entraId: s.entra_id,
      department: records.department?.name ?? s.department_id,
      programme: s.programme,
      year: s.year,
      status: s.status,
      personalTutor: records.tutor?.display_name ?? null,
      monitoringStopped: s.monitoring_objection_at ? { since: s.monitoring_objection_at, reason: s.monitoring_objection_reason } : null,
    },
    identities: records.identities.map((i) => ({ system: i.source_system, key: i.external_key })),
    exemptions: records.exemptions.map((e) => ({ reason: e.reason, from: e.from_day, until: e.until_day, recordedAt: e.created_at })),
    dailyCounts: records.counts.map((c) => ({ day: c.day, source: c.source, count: Number(c.count) })),
    cases: records.cases.map((c) => ({
      id: c.id,
      openedAt: c.opened_at,
      closedAt: c.closed_at,
      status: c.status,
      severity: c.severity,
      reason: c.reason,
      outcome: c.outcome,
      timeline: records.events
        .filter((e) => e.case_id === c.id)
        .map((e) => ({
          at: e.at,
          what: label(e.kind),
          by:
            e.actor_kind === 'staff'
              ? (e.actor_name ?? 'a member of staff')
              : e.actor_kind === 'student'
                ? 'the student'
                : 'Engagement Monitor',
          note: e.note,
        })),
    })),
    messages: records.events.filter((e) => MESSAGE_KINDS.has(e.kind)).map((e) => ({ at: e.at, text: e.note })),
    cardsToStudent: records.deliveries.map((d) => ({ kind: d.kind, status: d.status, queuedAt: d.created_at, sentAt: d.sent_at })),
    disclosures: records.disclosures.map((d) => ({ at: d.created_at, what: d.kind, to: d.recipient_name })),
    views: records.views.map((v) => ({
      at: v.at,
      action: v.action,
      by: v.actor_name ?? (v.actor_id ? 'a member of staff' : 'Engagement Monitor'),
      roles: v.actor_id ? (rolesOf.get(v.actor_id) ?? []) : [],
    })),
    chatConnected: records.conversations.length > 0,
  };
  await writeAudit(
    db,
    { actorId: who.by, action: 'exported_subject_access', subjectKind: 'student', subjectId: studentId, detail: {} },
    who.at,
  );
  return report;
}
