import type { IsoDay } from '../../shared/domain';
import { addDays } from '../../shared/calendar';
import { evaluateRules } from '../../shared/rules/evaluate';
import { DEFAULT_RULES_CONFIG, type RulesConfig } from '../../shared/rules/types';
import type { NewExemption, RulesPreview, RulesPreviewQuery, Settings } from '../../shared/api/settings';
import type { Db } from '../store/database';
import type { Staff } from '../store/staff.repository';
import { findStudent, listStudents, studentName } from '../store/student.repository';
import { loadDepartmentCounts } from '../store/activity.repository';
import { loadCoverage } from '../store/import.repository';
import { insertExemptions, listDepartmentExemptions, listTerms } from '../store/calendar.repository';
import { writeAudit } from '../store/audit.repository';
import { forbidden, notFound } from '../errors';

/** Same look-back as evaluation, so the preview counts exactly what evaluation would. */
const LOOKBACK_DAYS = 70;

function assertAdministrator(viewer: Staff): void {
  if (!viewer.roles.includes('department_admin')) throw forbidden('Settings are for department administrators.');
}

/** Rules in force, term dates and exemptions; exemptions name students, so each view is audited. */
export async function describeSettings(db: Db, viewer: Staff, now: string): Promise<Settings> {
  assertAdministrator(viewer);
  const [terms, exemptions, students] = await Promise.all([listTerms(db), listDepartmentExemptions(db, viewer.departmentId), listStudents(db, viewer.departmentId)]);
  await writeAudit(db, { actorId: viewer.id, action: 'viewed_exemptions', subjectKind: 'department', subjectId: viewer.departmentId, detail: { students: exemptions.length } }, now);
  const names = new Map(students.map((s) => [s.id, studentName(s)]));
  return {
    rules: { ...DEFAULT_RULES_CONFIG },
    terms: terms.map((t) => ({ name: t.name, start: t.start, end: t.end, excluded: [...t.excluded] })),
    exemptions: exemptions.map((e) => ({ studentId: e.studentId, studentName: names.get(e.studentId) ?? e.studentId, reason: e.reason, from: e.from, until: e.until })),
  };
}

/**
 * How many students the department's current data would flag under proposed thresholds, beside the
 * thresholds in force: the rules engine itself, run on the same inputs evaluation loads. Nothing is stored.
 */
export async function previewRules(db: Db, viewer: Staff, proposal: RulesPreviewQuery, today: IsoDay): Promise<RulesPreview> {
  assertAdministrator(viewer);
  const from = addDays(today, -LOOKBACK_DAYS);
  const to = addDays(today, -1);
  const [students, counts, coverage, terms, exemptions] = await Promise.all([
    listStudents(db, viewer.departmentId),
    loadDepartmentCounts(db, viewer.departmentId, from, to),
    loadCoverage(db, from, to),
    listTerms(db),
    listDepartmentExemptions(db, viewer.departmentId),
  ]);
  const run = (config: RulesConfig) => evaluateRules({ students, counts, coverage, terms, exemptions, config, today });
  const current = run(DEFAULT_RULES_CONFIG);
  const proposed = run(proposal);
  const now = new Set(current.flags.map((f) => f.studentId));
  const then = new Set(proposed.flags.map((f) => f.studentId));
  return {
    current: { ...DEFAULT_RULES_CONFIG, flagged: now.size },
    proposed: { ...proposal, flagged: then.size },
    newlyFlagged: [...then].filter((id) => !now.has(id)).length,
    noLongerFlagged: [...now].filter((id) => !then.has(id)).length,
    warnings: [...new Set(proposed.warnings.filter((w) => w.studentId === null).map((w) => w.message))],
  };
}

/** Records an exemption for a student of the administrator's department; evaluation honours it from then on. */
export async function addExemption(db: Db, viewer: Staff, exemption: NewExemption, now: string): Promise<Settings> {
  assertAdministrator(viewer);
  const student = await findStudent(db, exemption.studentId);
  if (!student || student.departmentId !== viewer.departmentId) throw notFound('That student');
  await db.transaction().execute(async (trx) => {
    await insertExemptions(trx, [{ studentId: student.id, reason: exemption.reason, from: exemption.from, until: exemption.until ?? null, setBy: viewer.id }], now);
    await writeAudit(trx, { actorId: viewer.id, action: 'added_exemption', subjectKind: 'student', subjectId: student.id, detail: { from: exemption.from, until: exemption.until ?? null } }, now);
  });
  return describeSettings(db, viewer, now);
}
