import type { Db } from '../../bot/store/database';
import { insertCase, type Case } from '../../bot/store/case.repository';
import { SOURCES } from '../../shared/domain';
import type { WindowCounts } from '../../shared/rules/types';
import { NOW } from '../support/factories';

const zeroCounts = (): WindowCounts => Object.fromEntries(SOURCES.map((s) => [s, { d7: 0, d14: 0, d21: 1 }])) as WindowCounts;

/** An open case for a student as the rules would write it, with cohort medians in the explanation. */
export async function seedCase(db: Db, studentId: string, overrides: Partial<Omit<Case, 'id'>> = {}): Promise<Case> {
  return insertCase(db, {
    studentId,
    departmentId: 'dept-a',
    severity: 'high',
    status: 'open',
    rules: ['no_engagement'],
    reason: 'No engagement on any source for 14 term days.',
    explanation: {
      counts: zeroCounts(),
      daysSinceLast: Object.fromEntries(SOURCES.map((s) => [s, 16])) as Record<(typeof SOURCES)[number], number | null>,
      windowStart: '2026-11-05',
      windowEnd: '2026-11-26',
      cohortMedian: Object.fromEntries(SOURCES.map((s) => [s, { d7: 4, d14: 9, d21: 13 }])),
    } as Case['explanation'],
    ownerId: null,
    outcome: null,
    openedAt: NOW,
    updatedAt: NOW,
    closedAt: null,
    ...overrides,
  });
}
