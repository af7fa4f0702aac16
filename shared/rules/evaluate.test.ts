import { evaluateRules } from './evaluate';
import { DEFAULT_RULES_CONFIG, type Coverage, type DailyCounts, type RulesInput } from './types';
import { SOURCES, type Source } from '../domain';
import { addDays, type Term } from '../calendar';

const term: Term = { name: 'Autumn', start: '2026-09-28', end: '2026-12-11', excluded: [{ start: '2026-11-02', end: '2026-11-08', label: 'Reading week' }] };
const today = '2026-11-27';

function fullCoverage(sources: readonly Source[] = SOURCES): Coverage {
  const days = new Set<string>();
  for (let d = term.start; d <= term.end; d = addDays(d, 1)) days.add(d);
  return new Map(sources.map((s) => [s, days]));
}

function buildInput(overrides: Partial<RulesInput> = {}): RulesInput {
  return {
    students: [{ id: 'S1', programme: 'BSc Physics', year: 1, status: 'active' }],
    counts: new Map(),
    coverage: fullCoverage(),
    terms: [term],
    exemptions: [],
    config: DEFAULT_RULES_CONFIG,
    today,
    ...overrides,
  };
}

const activeOn = (day: string, source: Source = 'moodle_login'): DailyCounts => new Map([[day, { [source]: 1 }]]);

describe('evaluateRules: no engagement', () => {
  it('when a student has no records at all in a fully covered window, then they are flagged high and it says so', () => {
    const { flags } = evaluateRules(buildInput());
    expect(flags).toHaveLength(1);
    expect(flags[0]?.severity).toBe('high');
    expect(flags[0]?.reason).toContain('No recorded activity at all');
  });

  it('when a student logged in yesterday, then they are not flagged', () => {
    const { flags } = evaluateRules(buildInput({ counts: new Map([['S1', activeOn('2026-11-26')]]) }));
    expect(flags).toEqual([]);
  });

  it('when the only activity was before the 14 term days, then they are flagged and days since last activity is explained', () => {
    const { flags } = evaluateRules(buildInput({ counts: new Map([['S1', activeOn('2026-10-20')]]) }));
    expect(flags[0]?.explanation.daysSinceLast.moodle_login).toBe(38);
    expect(flags[0]?.explanation.counts.moodle_login.d14).toBe(0);
  });

  it('when a student is suspended or has a current exemption, then they are never flagged', () => {
    const suspended = evaluateRules(buildInput({ students: [{ id: 'S1', programme: 'P', year: 1, status: 'suspended' }] }));
    expect(suspended.flags).toEqual([]);
    expect(suspended.exempt).toEqual([{ studentId: 'S1', why: 'suspended' }]);
    const exempted = evaluateRules(buildInput({ exemptions: [{ studentId: 'S1', reason: 'illness', from: '2026-11-01', until: null }] }));
    expect(exempted.flags).toEqual([]);
  });

  it('when most sources have no data for the window, then unknown is not zero: no flag, a warning instead', () => {
    const result = evaluateRules(buildInput({ coverage: fullCoverage(['moodle_login']) }));
    expect(result.flags).toEqual([]);
    expect(result.warnings.some((w) => w.message.includes('no flags raised'))).toBe(true);
  });

  it('when the reading week falls inside the window, then activity just before it still counts', () => {
    const counts = new Map([['S1', activeOn('2026-10-30', 'panopto_view')]]);
    const { flags } = evaluateRules(buildInput({ counts, today: '2026-11-12' }));
    expect(flags).toEqual([]);
  });
});
