import { SOURCES, type IsoDay, type Source } from '../domain';
import { addDays, isTermDay, type Term } from '../calendar';
import { DEFAULT_RULES_CONFIG } from './config';
import type { Coverage, DailyCounts, RuleStudent, RulesInput } from './types';

/** Shared by the rules' example and property tests: an autumn term with a reading week, "today" late in it. */
export const AUTUMN: Term = {
  name: 'Autumn',
  start: '2026-09-28',
  end: '2026-12-11',
  excluded: [{ start: '2026-11-02', end: '2026-11-08', label: 'Reading week' }],
};
export const TODAY = '2026-11-27';

/** Every term day from the start of term to the day before `today`, for the given sources. */
export function fullCoverage(sources: readonly Source[] = SOURCES, today: IsoDay = TODAY, term: Term = AUTUMN): Coverage {
  const days = new Set<IsoDay>();
  for (let d = term.start; d < today && d <= term.end; d = addDays(d, 1)) days.add(d);
  return new Map(sources.map((s) => [s, days]));
}

/** The same counts on every term day from `from` to `to` inclusive. */
export function steady(
  perDay: Partial<Record<Source, number>>,
  from: IsoDay = AUTUMN.start,
  to: IsoDay = addDays(TODAY, -1),
): Map<IsoDay, Partial<Record<Source, number>>> {
  const out = new Map<IsoDay, Partial<Record<Source, number>>>();
  for (let d = from; d <= to; d = addDays(d, 1)) if (isTermDay(d, [AUTUMN])) out.set(d, { ...perDay });
  return out;
}

/** Merges daily counts, adding where both have a count. */
export function merge(...parts: DailyCounts[]): Map<IsoDay, Partial<Record<Source, number>>> {
  const out = new Map<IsoDay, Partial<Record<Source, number>>>();
  for (const part of parts) {
    for (const [day, bySource] of part) {
      const into = { ...(out.get(day) ?? {}) };
      for (const [source, n] of Object.entries(bySource) as Array<[Source, number]>) into[source] = (into[source] ?? 0) + n;
      out.set(day, into);
    }
  }
  return out;
}

export const student = (id: string, overrides: Partial<RuleStudent> = {}): RuleStudent => ({
  id,
  programme: 'BSc Physics',
  year: 1,
  status: 'active',
  ...overrides,
});

/** Twelve well-engaged peers in BSc Physics year 1, named P01..P12, with slightly different levels. */
export function engagedPeers(count = 12): { students: RuleStudent[]; counts: Map<string, DailyCounts> } {
  const students: RuleStudent[] = [];
  const counts = new Map<string, DailyCounts>();
  for (let i = 1; i <= count; i++) {
    const id = `P${String(i).padStart(2, '0')}`;
    students.push(student(id));
    counts.set(id, steady({ moodle_login: 2 + (i % 3), panopto_view: 1, teams_attendance: 1, samis_login: i % 2 }));
  }
  return { students, counts };
}

export function buildInput(
  overrides: Partial<Omit<RulesInput, 'counts' | 'activity' | 'matrix'>> & { counts?: ReadonlyMap<string, DailyCounts> } = {},
): RulesInput {
  const { counts, ...rest } = overrides;
  return {
    students: [student('S1')],
    coverage: fullCoverage(),
    terms: [AUTUMN],
    exemptions: [],
    config: DEFAULT_RULES_CONFIG,
    today: TODAY,
    ...rest,
    counts: counts ?? new Map(),
  };
}
