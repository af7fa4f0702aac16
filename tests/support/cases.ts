import { SOURCES, type Severity } from '../../shared/domain';
import type { Explanation } from '../../shared/rules/types';
import type { Db } from '../../bot/store/database';
import { appendCaseEvent } from '../../bot/store/case-event.repository';
import { insertCase, type Case } from '../../bot/store/case.repository';
import { NOW } from './factories';

/** An explanation as the rules write it: no activity anywhere for three weeks unless overridden. */
export function buildExplanation(overrides: Partial<Record<(typeof SOURCES)[number], number | null>> = {}, daysSince = 21): Explanation {
  return {
    counts: Object.fromEntries(
      SOURCES.map((s) => [s, { d7: overrides[s] ?? 0, d14: overrides[s] ?? 0, d21: overrides[s] === undefined ? 0 : overrides[s] }]),
    ) as Explanation['counts'],
    daysSinceLast: Object.fromEntries(SOURCES.map((s) => [s, daysSince])) as Explanation['daysSinceLast'],
    windowStart: '2026-11-06',
    windowEnd: '2026-11-26',
  };
}

/** Opens a case for a student with its "flagged" event, as evaluation would. */
export async function seedCase(
  db: Db,
  studentId: string,
  opts: { departmentId?: string; severity?: Severity; explanation?: Explanation; openedAt?: string } = {},
): Promise<Case> {
  const c = await insertCase(db, {
    studentId,
    departmentId: opts.departmentId ?? 'dept-a',
    severity: opts.severity ?? 'high',
    status: 'open',
    rules: ['no_engagement'],
    reason: 'No activity on any source for 21 term days.',
    explanation: opts.explanation ?? buildExplanation(),
    ownerId: null,
    outcome: null,
    openedAt: opts.openedAt ?? NOW,
    updatedAt: opts.openedAt ?? NOW,
    closedAt: null,
  });
  await appendCaseEvent(db, {
    caseId: c.id,
    at: opts.openedAt ?? NOW,
    kind: 'flagged',
    actorKind: 'system',
    actorId: null,
    note: c.reason,
    data: {},
  });
  return c;
}
