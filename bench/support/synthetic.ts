import { SOURCES, type IsoDay, type Source } from '../../shared/domain';
import { lastTermDays, type Term } from '../../shared/calendar';
import type { DailyCounts, DailyMatrix, RuleStudent } from '../../shared/rules/types';

export const BENCH_TERM: Term = {
  name: 'Bench term',
  start: '2026-09-28',
  end: '2026-12-11',
  excluded: [{ start: '2026-11-02', end: '2026-11-08', label: 'Reading week' }],
};
export const BENCH_TODAY = '2026-11-27';

export interface SyntheticDepartment {
  students: RuleStudent[];
  /** The term days that hold data, oldest first. */
  days: IsoDay[];
  matrix: DailyMatrix & { counts: Uint16Array };
  /** Count rows a store would hold (one per student, day and source with a count above zero). */
  rows: number;
}

/**
 * A large department for benchmarks: `studentCount` students in cohorts of 250, with counts on every
 * source for `termDays` term days before BENCH_TODAY. Most are engaged (a row for nearly every
 * student, source and day); a few percent are low, fading or silent, so the rules have work to do.
 */
export function generateSyntheticDepartment(studentCount: number, termDays = 21, seed = 7): SyntheticDepartment {
  let state = seed;
  const random = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const days = lastTermDays(BENCH_TODAY, termDays, [BENCH_TERM]);
  const students: RuleStudent[] = [];
  const counts = new Uint16Array(studentCount * SOURCES.length * days.length);
  let rows = 0;
  for (let i = 0; i < studentCount; i++) {
    const cohort = Math.floor(i / 250);
    students.push({
      id: `B${String(i).padStart(6, '0')}`,
      programme: `Programme ${Math.floor(cohort / 4)}`,
      year: (cohort % 4) + 1,
      status: 'active',
    });
    const roll = random();
    const profile = roll < 0.02 ? 'silent' : roll < 0.05 ? 'low' : roll < 0.08 ? 'fading' : 'engaged';
    if (profile === 'silent') continue;
    for (let s = 0; s < SOURCES.length; s++) {
      for (let d = 0; d < days.length; d++) {
        const fading = profile === 'fading' && d >= days.length - 9;
        const n = profile === 'low' ? (random() < 0.08 ? 1 : 0) : fading ? 0 : 1 + Math.floor(random() * 3);
        counts[(i * SOURCES.length + s) * days.length + d] = n;
        if (n > 0) rows++;
      }
    }
  }
  return { students, days, matrix: { studentIds: students.map((s) => s.id), days, counts }, rows };
}

/** The same counts as one map of days per student (the shape tests and single students use). */
export function toDailyCounts(dept: SyntheticDepartment): Map<string, DailyCounts> {
  const { matrix } = dept;
  const out = new Map<string, DailyCounts>();
  for (const [i, id] of matrix.studentIds.entries()) {
    const byDay = new Map<IsoDay, Partial<Record<Source, number>>>();
    for (const [d, day] of matrix.days.entries()) {
      const bySource: Partial<Record<Source, number>> = {};
      for (const [s, source] of SOURCES.entries()) {
        const n = matrix.counts[(i * SOURCES.length + s) * matrix.days.length + d] ?? 0;
        if (n > 0) bySource[source] = n;
      }
      if (Object.keys(bySource).length > 0) byDay.set(day, bySource);
    }
    if (byDay.size > 0) out.set(id, byDay);
  }
  return out;
}

/** Full coverage of the synthetic days for every source. */
export function syntheticCoverage(days: readonly IsoDay[]): Map<Source, Set<IsoDay>> {
  return new Map(SOURCES.map((s) => [s, new Set(days)]));
}
