import { type IsoDay, studentName } from '../../shared/domain';
import { parseRulesConfig, RulesConfigError, type RulesConfig } from '../../shared/rules/config';
import type { NewExemption, RulesChange, RulesPreview, Settings } from '../../shared/api/settings';
import type { Db } from '../store/database';
import type { Staff } from '../store/staff.repository';
import { findStudent, listStudents } from '../store/student.repository';
import { insertExemptions, listDepartmentExemptions } from '../store/exemption.repository';
import { listTerms } from '../store/calendar.repository';
import { writeAudit } from '../store/audit.repository';
import { assessDepartment, loadRulesConfig } from '../rules/evaluate.command';
import { findRuleConfig, saveRuleConfig } from '../store/rule-config.repository';
import { findDepartment, listDepartments } from '../store/department.repository';
import { badRequest, forbidden, notFound } from '../errors';

/**
 * The department whose settings the viewer may read and change: a department administrator their own
 * (asking for another is refused), an institution administrator any (their own unless they name one).
 */
async function settingsDepartment(db: Db, viewer: Staff, requested?: string): Promise<{ id: string; name: string }> {
  const wanted = requested ?? viewer.departmentId;
  if (viewer.roles.includes('institution_admin')) {
    const department = await findDepartment(db, wanted);
    if (!department) throw notFound('That department');
    return { id: department.id, name: department.name };
  }
  if (!viewer.roles.includes('department_admin')) throw forbidden('Settings are for department administrators.');
  if (wanted !== viewer.departmentId) throw forbidden("Settings can be changed only by that department's administrators.");
  return { id: viewer.departmentId, name: (await findDepartment(db, viewer.departmentId))?.name ?? viewer.departmentId };
}

/** Rules in force, term dates and exemptions; exemptions name students, so each view is audited. */
export async function describeSettings(db: Db, viewer: Staff, now: string, requested?: string): Promise<Settings> {
  const department = await settingsDepartment(db, viewer, requested);
  const [config, terms, exemptions, students, departments] = await Promise.all([
    loadRulesConfig(db, department.id),
    listTerms(db),
    listDepartmentExemptions(db, department.id),
    listStudents(db, department.id),
    viewer.roles.includes('institution_admin') ? listDepartments(db) : Promise.resolve([department]),
  ]);
  await writeAudit(
    db,
    {
      actorId: viewer.id,
      action: 'viewed_exemptions',
      subjectKind: 'department',
      subjectId: department.id,
      detail: { students: exemptions.length },
    },
    now,
  );
  const names = new Map(students.map((s) => [s.id, studentName(s)]));
  return {
    department,
    departments: departments.map((d) => ({ id: d.id, name: d.name })),
    rules: config,
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

type Overrides = Record<string, Record<string, unknown>>;

/** What the department has stored (only what it changed), as an object of rules. */
async function storedOverrides(db: Db, departmentId: string): Promise<Overrides> {
  const stored = (await findRuleConfig(db, departmentId))?.overrides;
  return typeof stored === 'object' && stored !== null ? (stored as Overrides) : {};
}

/** The stored settings with the change laid over them, rule by rule. */
function merged(stored: Overrides, change: RulesChange['rules']): Overrides {
  const next: Overrides = { ...stored };
  for (const [rule, fields] of Object.entries(change)) next[rule] = { ...(stored[rule] ?? {}), ...fields };
  return next;
}

/** Validates with the one schema the CLI uses; every problem is reported, each naming its setting. */
function validated(overrides: Overrides): RulesConfig {
  try {
    return parseRulesConfig(overrides);
  } catch (error) {
    if (error instanceof RulesConfigError) throw badRequest(`Those settings are not valid: ${error.problems.join('; ')}.`, error.problems);
    throw error;
  }
}

/** "noEngagement.days" for each setting whose effective value differs, with before and after. */
export function changesBetween(before: RulesConfig, after: RulesConfig): Array<{ setting: string; before: unknown; after: unknown }> {
  const out: Array<{ setting: string; before: unknown; after: unknown }> = [];
  for (const [rule, fields] of Object.entries(after) as Array<[string, Record<string, unknown>]>) {
    const was = (before as unknown as Record<string, Record<string, unknown>>)[rule] ?? {};
    for (const [field, value] of Object.entries(fields))
      if (JSON.stringify(was[field]) !== JSON.stringify(value)) out.push({ setting: `${rule}.${field}`, before: was[field], after: value });
  }
  return out;
}

/**
 * Who today's data would flag with the changed settings, against who it flags now: the same assessment
 * evaluation runs, with the proposal in place of the stored settings. Names the students either way. Nothing is stored.
 */
export async function previewRules(db: Db, viewer: Staff, change: RulesChange, today: IsoDay, requested?: string): Promise<RulesPreview> {
  const department = await settingsDepartment(db, viewer, requested);
  const proposed = validated(merged(await storedOverrides(db, department.id), change.rules));
  const [now, then, students] = await Promise.all([
    assessDepartment(db, department.id, today),
    assessDepartment(db, department.id, today, [], proposed),
    listStudents(db, department.id),
  ]);
  const names = new Map(students.map((s) => [s.id, studentName(s)]));
  const flaggedNow = new Set(now.result.flags.map((f) => f.studentId));
  const flaggedThen = new Set(then.result.flags.map((f) => f.studentId));
  const named = (ids: string[]) =>
    ids.map((id) => ({ studentId: id, name: names.get(id) ?? id })).sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));
  return {
    current: { flagged: flaggedNow.size },
    proposed: { flagged: flaggedThen.size },
    newlyFlagged: named([...flaggedThen].filter((id) => !flaggedNow.has(id))),
    noLongerFlagged: named([...flaggedNow].filter((id) => !flaggedThen.has(id))),
    warnings: [...new Set(then.result.warnings.filter((w) => w.scope !== 'student').map((w) => w.message))],
  };
}

/**
 * Lays the change over the department's stored settings (keeping everything else it had set, so later
 * changes to the defaults still reach it), validates, stores; the next evaluation uses them. Audited
 * with every setting's value before and after.
 */
export async function saveRules(db: Db, viewer: Staff, change: RulesChange, now: string, requested?: string): Promise<Settings> {
  const department = await settingsDepartment(db, viewer, requested);
  const before = await loadRulesConfig(db, department.id);
  const next = merged(await storedOverrides(db, department.id), change.rules);
  const after = validated(next);
  await db.transaction().execute(async (trx) => {
    await saveRuleConfig(trx, department.id, next, viewer.id, now);
    await writeAudit(
      trx,
      {
        actorId: viewer.id,
        action: 'changed_rule_settings',
        subjectKind: 'department',
        subjectId: department.id,
        detail: { changes: changesBetween(before, after) },
      },
      now,
    );
  });
  return describeSettings(db, viewer, now, department.id);
}

/** Records an exemption for a student of the administrator's department; evaluation honours it from then on. */
export async function addExemption(db: Db, viewer: Staff, exemption: NewExemption, now: string, requested?: string): Promise<Settings> {
  const department = await settingsDepartment(db, viewer, requested);
  const student = await findStudent(db, exemption.studentId);
  if (!student || student.departmentId !== department.id) throw notFound('That student');
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
  return describeSettings(db, viewer, now, department.id);
}
