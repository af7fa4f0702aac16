import { type IsoDay, studentName } from '../../shared/domain';
import { parseRulesConfig, RulesConfigError, type RulesConfig } from '../../shared/rules/config';
import type { NewExemption, RulesPreview, RulesPreviewQuery, Settings } from '../../shared/api/settings';
import type { Db } from '../store/database';
import type { Staff } from '../store/staff.repository';
import { findStudent, listStudents } from '../store/student.repository';
import { insertExemptions, listDepartmentExemptions } from '../store/exemption.repository';
import { listTerms } from '../store/calendar.repository';
import { writeAudit } from '../store/audit.repository';
import { assessDepartment, loadRulesConfig } from '../rules/evaluate.command';
import { findRuleConfig, saveRuleConfig } from '../store/rule-config.repository';
import { badRequest, forbidden, notFound } from '../errors';

function assertAdministrator(viewer: Staff): void {
  if (!viewer.roles.includes('department_admin')) throw forbidden('Settings are for department administrators.');
}

/** The two thresholds the tab offers, as the rules configuration names them. */
const thresholdsOf = (config: RulesConfig) => ({
  noEngagementDays: config.noEngagement.days,
  minKnownCoverage: config.coverage.minSourceShare,
});

/** Rules in force, term dates and exemptions; exemptions name students, so each view is audited. */
export async function describeSettings(db: Db, viewer: Staff, now: string): Promise<Settings> {
  assertAdministrator(viewer);
  const [config, terms, exemptions, students] = await Promise.all([
    loadRulesConfig(db, viewer.departmentId),
    listTerms(db),
    listDepartmentExemptions(db, viewer.departmentId),
    listStudents(db, viewer.departmentId),
  ]);
  await writeAudit(
    db,
    {
      actorId: viewer.id,
      action: 'viewed_exemptions',
      subjectKind: 'department',
      subjectId: viewer.departmentId,
      detail: { students: exemptions.length },
    },
    now,
  );
  const names = new Map(students.map((s) => [s.id, studentName(s)]));
  return {
    rules: thresholdsOf(config),
    terms: terms.map((t) => ({ name: t.name, start: t.start, end: t.end, excluded: [...t.excluded] })),
    exemptions: exemptions.map((e) => ({
      studentId: e.studentId,
      studentName: names.get(e.studentId) ?? e.studentId,
      reason: e.reason,
      from: e.from,
      until: e.until,
    })),
  };
}

/**
 * How many students the department's current data would flag with other thresholds, beside the
 * department's own settings: the same assessment evaluation runs, with the proposal in place of the
 * stored settings. Nothing is stored.
 */
export async function previewRules(db: Db, viewer: Staff, proposal: RulesPreviewQuery, today: IsoDay): Promise<RulesPreview> {
  assertAdministrator(viewer);
  const current = await loadRulesConfig(db, viewer.departmentId);
  let proposed: RulesConfig;
  try {
    proposed = parseRulesConfig({
      ...current,
      noEngagement: { ...current.noEngagement, days: proposal.noEngagementDays },
      coverage: { ...current.coverage, minSourceShare: proposal.minKnownCoverage },
    });
  } catch (error) {
    if (error instanceof RulesConfigError)
      throw badRequest(`Those thresholds are not valid: ${error.problems.join('; ')}.`, error.problems);
    throw error;
  }
  const [now, then] = await Promise.all([
    assessDepartment(db, viewer.departmentId, today),
    assessDepartment(db, viewer.departmentId, today, [], proposed),
  ]);
  const flaggedNow = new Set(now.result.flags.map((f) => f.studentId));
  const flaggedThen = new Set(then.result.flags.map((f) => f.studentId));
  return {
    current: { ...thresholdsOf(current), flagged: flaggedNow.size },
    proposed: { ...thresholdsOf(proposed), flagged: flaggedThen.size },
    newlyFlagged: [...flaggedThen].filter((id) => !flaggedNow.has(id)).length,
    noLongerFlagged: [...flaggedNow].filter((id) => !flaggedThen.has(id)).length,
    warnings: [...new Set(then.result.warnings.filter((w) => w.scope !== 'student').map((w) => w.message))],
  };
}

/**
 * Stores the two thresholds in the department's rule settings, keeping everything else it had set;
 * the next evaluation uses them. Audited with the values before and after.
 */
export async function saveThresholds(db: Db, viewer: Staff, proposal: RulesPreviewQuery, now: string): Promise<Settings> {
  assertAdministrator(viewer);
  const before = await loadRulesConfig(db, viewer.departmentId);
  const stored = (await findRuleConfig(db, viewer.departmentId))?.overrides;
  const overrides = typeof stored === 'object' && stored !== null ? (stored as Record<string, Record<string, unknown> | undefined>) : {};
  const next = {
    ...overrides,
    noEngagement: { ...(overrides.noEngagement ?? {}), days: proposal.noEngagementDays },
    coverage: { ...(overrides.coverage ?? {}), minSourceShare: proposal.minKnownCoverage },
  };
  try {
    await db.transaction().execute(async (trx) => {
      await saveRuleConfig(trx, viewer.departmentId, next, viewer.id, now);
      await writeAudit(
        trx,
        {
          actorId: viewer.id,
          action: 'changed_rule_thresholds',
          subjectKind: 'department',
          subjectId: viewer.departmentId,
          detail: { before: thresholdsOf(before), after: proposal },
        },
        now,
      );
    });
  } catch (error) {
    if (error instanceof RulesConfigError)
      throw badRequest(`Those thresholds are not valid: ${error.problems.join('; ')}.`, error.problems);
    throw error;
  }
  return describeSettings(db, viewer, now);
}

/** Records an exemption for a student of the administrator's department; evaluation honours it from then on. */
export async function addExemption(db: Db, viewer: Staff, exemption: NewExemption, now: string): Promise<Settings> {
  assertAdministrator(viewer);
  const student = await findStudent(db, exemption.studentId);
  if (!student || student.departmentId !== viewer.departmentId) throw notFound('That student');
  await db.transaction().execute(async (trx) => {
    await insertExemptions(
      trx,
      [{ studentId: student.id, reason: exemption.reason, from: exemption.from, until: exemption.until ?? null, setBy: viewer.id }],
      now,
    );
    await writeAudit(
      trx,
      {
        actorId: viewer.id,
        action: 'added_exemption',
        subjectKind: 'student',
        subjectId: student.id,
        detail: { from: exemption.from, until: exemption.until ?? null },
      },
      now,
    );
  });
  return describeSettings(db, viewer, now);
}
