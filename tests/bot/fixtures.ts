import type { Db } from '../../bot/store/database';
import { insertCase, type Case } from '../../bot/store/case.repository';
import { evaluateRules } from '../../shared/rules/evaluate';
import { buildInput, engagedPeers, student as ruleStudent } from '../../shared/rules/fixtures';
import { NOW } from '../support/factories';

/**
 * The flag the real rules raise for a student silent all term among twelve engaged peers (each views
 * one lecture a term day), so its explanation carries the cohort medians the rules really compute.
 */
export function flagSilentStudent(studentId: string) {
  const peers = engagedPeers();
  const result = evaluateRules(buildInput({ students: [ruleStudent(studentId), ...peers.students], counts: peers.counts }));
  const flag = result.flags.find((f) => f.studentId === studentId);
  if (!flag) throw new Error(`the rules did not flag ${studentId}; the fixture no longer describes a silent student`);
  return flag;
}

/** An open case for a student as evaluation opens it, from the rules' own flag. */
export async function seedCase(db: Db, studentId: string, overrides: Partial<Omit<Case, 'id'>> = {}): Promise<Case> {
  const flag = flagSilentStudent(studentId);
  return insertCase(db, {
    studentId,
    departmentId: 'dept-a',
    severity: flag.severity,
    status: 'open',
    rules: flag.rules,
    reason: flag.reason,
    explanation: flag.explanation,
    ownerId: null,
    outcome: null,
    openedAt: NOW,
    updatedAt: NOW,
    closedAt: null,
    ...overrides,
  });
}
