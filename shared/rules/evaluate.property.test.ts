import fc from 'fast-check';
import { evaluateRules } from './evaluate';
import { AUTUMN, TODAY, fullCoverage } from './fixtures';
import { DEFAULT_RULES_CONFIG } from './config';
import type { DailyCounts, Exemption, RuleStudent, RulesInput } from './types';
import { SEVERITY_RANK, SOURCES, STUDENT_STATUSES, type IsoDay, type Source } from '../domain';
import { addDays, lastTermDays } from '../calendar';

/** The 35 term days before TODAY: enough for every default window, with the reading week inside. */
const DAYS = lastTermDays(TODAY, 35, [AUTUMN]);
const ALL_DAYS = DAYS;
const RECENT = DAYS.slice(-7);

const sourceArb = fc.constantFrom(...SOURCES);
const dayArb = fc.constantFrom(...DAYS);
const programmeArb = fc.constantFrom('BSc Physics', 'BSc Chemistry');

/** A student's counts as a list of (day, source, n) entries, so they shrink well. */
const entriesArb = fc.array(fc.tuple(dayArb, sourceArb, fc.integer({ min: 1, max: 6 })), { maxLength: 60 });

function toDaily(entries: ReadonlyArray<readonly [IsoDay, Source, number]>): Map<IsoDay, Partial<Record<Source, number>>> {
  const out = new Map<IsoDay, Partial<Record<Source, number>>>();
  for (const [day, source, n] of entries) {
    const into = out.get(day) ?? {};
    into[source] = (into[source] ?? 0) + n;
    out.set(day, into);
  }
  return out;
}

const studentArb = fc.record({
  programme: programmeArb,
  year: fc.integer({ min: 1, max: 2 }),
  status: fc.constantFrom(...STUDENT_STATUSES, 'active', 'active', 'active', 'active'),
  entries: entriesArb,
});

/** A department of 1..30 students, some exemptions, and coverage that may miss sources or days. */
const departmentArb = fc.record({
  students: fc.array(studentArb, { minLength: 1, maxLength: 30 }),
  exemptions: fc.array(
    fc.record({ who: fc.nat(29), from: fc.constantFrom(...DAYS, TODAY), length: fc.integer({ min: 0, max: 40 }), open: fc.boolean() }),
    { maxLength: 5 },
  ),
  knownSources: fc.subarray([...SOURCES]),
  missingDays: fc.subarray(DAYS, { maxLength: 8 }),
});

type Department = typeof departmentArb extends fc.Arbitrary<infer T> ? T : never;
type DailyInput = RulesInput & { counts: ReadonlyMap<string, DailyCounts> };

function toInput(d: Department): DailyInput {
  const students: RuleStudent[] = d.students.map((s, i) => ({
    id: `S${String(i).padStart(2, '0')}`,
    programme: s.programme,
    year: s.year,
    status: s.status,
  }));
  const exemptions: Exemption[] = d.exemptions
    .filter((e) => e.who < students.length)
    .map((e) => ({ studentId: students[e.who]!.id, reason: 'exempted', from: e.from, until: e.open ? null : addDays(e.from, e.length) }));
  const coverage = new Map(
    [...fullCoverage(d.knownSources)].map(
      ([source, days]) => [source, new Set([...days].filter((day) => !d.missingDays.includes(day)))] as const,
    ),
  );
  return {
    students,
    counts: new Map(d.students.map((s, i) => [students[i]!.id, toDaily(s.entries)] as [string, DailyCounts])),
    coverage,
    terms: [AUTUMN],
    exemptions,
    config: DEFAULT_RULES_CONFIG,
    today: TODAY,
  };
}

const severityOf = (input: RulesInput, id: string): number => {
  const flag = evaluateRules(input).flags.find((f) => f.studentId === id);
  return flag ? SEVERITY_RANK[flag.severity] : 0;
};

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('evaluateRules: properties', () => {
  it('when a student has more activity in the last week, then their severity is never higher', () => {
    fc.assert(
      fc.property(
        departmentArb,
        fc.nat(29),
        fc.array(fc.tuple(fc.constantFrom(...RECENT), sourceArb, fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 10 }),
        (d, pick, extra) => {
          const who = pick % d.students.length;
          const input = toInput(d);
          const id = input.students[who]!.id;
          const more = toInput({ ...d, students: d.students.map((s, i) => (i === who ? { ...s, entries: [...s.entries, ...extra] } : s)) });
          expect(severityOf(more, id)).toBeLessThanOrEqual(severityOf(input, id));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('when a student is exempt, or no source has data, then they are never flagged', () => {
    fc.assert(
      fc.property(departmentArb, (d) => {
        const input = toInput(d);
        const result = evaluateRules(input);
        const exempt = new Set(result.exempt.map((e) => e.studentId));
        for (const s of input.students) {
          const dated = input.exemptions.some((e) => e.studentId === s.id && e.from <= TODAY && (e.until === null || e.until >= TODAY));
          if (s.status !== 'active' || dated) expect(exempt.has(s.id)).toBe(true);
        }
        expect(result.flags.filter((f) => exempt.has(f.studentId))).toEqual([]);
        expect(evaluateRules({ ...input, coverage: new Map() }).flags).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('when the latest week is missing on every source, then no one is flagged, whatever the counts say', () => {
    fc.assert(
      fc.property(departmentArb, (d) => {
        const input = toInput({ ...d, knownSources: [...SOURCES], missingDays: [...new Set([...d.missingDays, ...RECENT])] });
        expect(evaluateRules(input).flags).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('when a source has no data, then it is never named as silent and its zeros are shown as unknown', () => {
    fc.assert(
      fc.property(departmentArb, sourceArb, (d, unknown) => {
        const input = toInput({
          ...d,
          knownSources: d.knownSources.filter((s) => s !== unknown),
          students: d.students.map((s) => ({ ...s, entries: s.entries.filter(([, source]) => source !== unknown) })),
        });
        for (const flag of evaluateRules(input).flags) {
          expect(String(flag.findings.find((f) => f.rule === 'silent_source')?.facts.sources ?? '')).not.toContain(unknown);
          expect(flag.explanation.counts[unknown]).toEqual({ d7: null, d14: null, d21: null });
        }
      }),
      { numRuns: 100 },
    );
  });

  it('when the inputs are given in another order, then the result is the same', () => {
    fc.assert(
      fc.property(departmentArb, fc.integer({ min: 1, max: 1_000_000 }), (d, seed) => {
        const input = toInput(d);
        const reordered: DailyInput = {
          ...input,
          students: shuffle(input.students, seed),
          exemptions: shuffle(input.exemptions, seed + 1),
          counts: new Map(
            shuffle(
              [...input.counts].map(([id, c]) => [id, new Map(shuffle([...c], seed + 2))] as const),
              seed + 3,
            ),
          ),
          coverage: new Map(
            shuffle(
              [...input.coverage].map(([s, days]) => [s, new Set(shuffle([...days], seed + 4))] as const),
              seed + 5,
            ),
          ),
        };
        expect(evaluateRules(reordered)).toEqual(evaluateRules(input));
      }),
      { numRuns: 100 },
    );
  });

  it('when the same activity comes as daily maps or as a dense matrix (days in any column order), then the decisions are the same', () => {
    fc.assert(
      fc.property(departmentArb, fc.integer({ min: 0, max: 1_000_000 }), (d, seed) => {
        const input = toInput(d);
        const ids = input.students.map((s) => s.id);
        const DAYS = seed % 2 === 0 ? ALL_DAYS : shuffle(ALL_DAYS, seed);
        const values = new Float64Array(ids.length * SOURCES.length * DAYS.length);
        ids.forEach((id, i) => {
          for (const [day, bySource] of input.counts.get(id) ?? []) {
            SOURCES.forEach((source, s) => {
              const at = (i * SOURCES.length + s) * DAYS.length + DAYS.indexOf(day);
              values[at] = (values[at] ?? 0) + (bySource[source] ?? 0);
            });
          }
        });
        const { counts: _counts, ...rest } = input;
        expect(evaluateRules({ ...rest, matrix: { studentIds: ids, days: DAYS, counts: values } })).toEqual(evaluateRules(input));
      }),
      { numRuns: 100 },
    );
  });

  it('when the same inputs are evaluated twice, then the output is identical', () => {
    fc.assert(
      fc.property(departmentArb, (d) => {
        const input = toInput(d);
        expect(JSON.stringify(evaluateRules(input))).toBe(JSON.stringify(evaluateRules(toInput(d))));
      }),
      { numRuns: 100 },
    );
  });
});
