import { evaluateRules } from './evaluate';
import { parseRulesConfig } from './config';
import { AUTUMN, TODAY, buildInput, engagedPeers, fullCoverage, merge, steady, student } from './fixtures';
import type { DailyCounts } from './types';
import { STUDENT_STATUSES, type Source } from '../domain';
import { addDays } from '../calendar';

const activeOn = (day: string, source: Source = 'moodle_login'): DailyCounts => new Map([[day, { [source]: 1 }]]);

/** S1 joins twelve engaged peers with the given counts. */
function withPeers(counts: DailyCounts, overrides: Parameters<typeof buildInput>[0] = {}) {
  const peers = engagedPeers();
  return buildInput({ students: [...peers.students, student('S1')], counts: new Map([...peers.counts, ['S1', counts]]), ...overrides });
}

/** Isolates the other rules from silent-source, which these fixtures would also trip. */
const noSilent = parseRulesConfig({ silentSource: { enabled: false } });

const flagOf = (input: ReturnType<typeof buildInput>, id = 'S1') => evaluateRules(input).flags.find((f) => f.studentId === id);

describe('evaluateRules: no engagement', () => {
  it('when a student has no records at all in a fully covered window, then they are flagged high and it says so', () => {
    const { flags } = evaluateRules(buildInput());
    expect(flags).toHaveLength(1);
    expect(flags[0]?.severity).toBe('high');
    expect(flags[0]?.rules).toEqual(['no_engagement']);
    expect(flags[0]?.reason).toContain('No activity recorded at all');
  });

  it('when a student logged in yesterday, then they are not flagged', () => {
    expect(evaluateRules(buildInput({ counts: new Map([['S1', activeOn('2026-11-26')]]) })).flags).toEqual([]);
  });

  it('when the only activity was before the 14 term days, then they are flagged and days since last activity is explained', () => {
    const flag = flagOf(buildInput({ counts: new Map([['S1', activeOn('2026-10-20')]]) }));
    expect(flag?.reason).toContain('No activity recorded on any of the 5 sources');
    expect(flag?.explanation.daysSinceLast.moodle_login).toBe(38);
    expect(flag?.explanation.counts.moodle_login.d14).toBe(0);
  });

  it('when the reading week falls inside the window, then the vacation pauses it and activity just before it still counts', () => {
    const counts = new Map([['S1', activeOn('2026-10-30', 'panopto_view')]]);
    expect(evaluateRules(buildInput({ counts, today: '2026-11-12' })).flags).toEqual([]);
  });

  it('when activity was logged only during the reading week, then it does not count as term-time engagement', () => {
    const counts = new Map([['S1', activeOn('2026-11-04')]]);
    expect(flagOf(buildInput({ counts, today: '2026-11-20' }))?.rules).toContain('no_engagement');
  });

  it('when the term has fewer term days than the window, then no one is flagged and a warning says when the rule starts', () => {
    const result = evaluateRules(buildInput({ today: '2026-10-05' }));
    expect(result.flags).toEqual([]);
    expect(result.warnings.find((w) => w.code === 'window_not_ready')?.message).toBe(
      'Only 7 term days so far; the no engagement rule starts once there are 14.',
    );
  });
});

describe('evaluateRules: unknown is not zero', () => {
  it('when only two sources have data for the window, then no one is flagged and warnings explain why', () => {
    const result = evaluateRules(buildInput({ coverage: fullCoverage(['moodle_login', 'samis_login']) }));
    expect(result.flags).toEqual([]);
    expect(result.warnings.find((w) => w.code === 'too_few_sources')?.message).toContain(
      'Only 2 of 5 sources have complete data for the last 14 term days',
    );
    expect(result.warnings.filter((w) => w.code === 'source_unknown').map((w) => w.source)).toEqual([
      'moodle_submission',
      'panopto_view',
      'teams_attendance',
    ]);
    expect(result.warnings.find((w) => w.scope === 'student')).toMatchObject({ code: 'not_enough_data', studentId: 'S1' });
  });

  it('when no source has any data, then no one is flagged', () => {
    expect(evaluateRules(buildInput({ coverage: new Map() })).flags).toEqual([]);
  });

  it('when one source is unknown and the rest are silent, then the student is flagged on the known sources and the unknown one is shown as unknown', () => {
    const flag = flagOf(buildInput({ coverage: fullCoverage(['moodle_login', 'moodle_submission', 'samis_login', 'teams_attendance']) }));
    expect(flag?.reason).toContain('all 4 sources with complete data show none');
    expect(flag?.explanation.counts.panopto_view).toEqual({ d7: null, d14: null, d21: null });
    expect(flag?.explanation.knownShare?.panopto_view).toBe(0);
  });

  it('when a source with incomplete data shows activity, then that activity still counts as engagement', () => {
    const coverage = fullCoverage(['moodle_login', 'moodle_submission', 'samis_login', 'teams_attendance']);
    const flags = evaluateRules(buildInput({ coverage, counts: new Map([['S1', activeOn('2026-11-25', 'panopto_view')]]) })).flags;
    expect(flags).toEqual([]);
  });

  it('when a source misses a few days but stays above the known share, then it still counts as known', () => {
    const coverage = new Map(fullCoverage());
    const moodle = new Set(coverage.get('moodle_login'));
    moodle.delete('2026-11-24');
    coverage.set('moodle_login', moodle);
    const result = evaluateRules(buildInput({ coverage }));
    expect(result.flags[0]?.reason).toContain('all 5 sources with complete data');
    expect(result.warnings.filter((w) => w.code === 'source_unknown')).toEqual([]);
  });
});

describe('evaluateRules: low engagement', () => {
  const trickle = steady({ moodle_login: 1 }, '2026-11-16', '2026-11-18');

  it('when a student is far below the cohort and under the floor, then they are flagged medium with cohort medians beside their counts', () => {
    const flag = flagOf(withPeers(trickle));
    expect(flag?.severity).toBe('medium');
    expect(flag?.rules).toContain('low_engagement');
    expect(flag?.reason).toMatch(
      /^3 occurrences across the known sources over the last 21 term days: fewer than 90% of their cohort \(cohort median \d+\)/,
    );
    expect(flag?.explanation.counts.moodle_login).toEqual({ d7: 0, d14: 3, d21: 3 });
    expect(flag?.explanation.cohortMedians?.moodle_login.d21).toBe(63);
    expect(flag?.explanation.cohort).toEqual({ programme: 'BSc Physics', year: 1, size: 13 });
  });

  it('when the lowest student of a well-engaged cohort is still above the floor, then they are not flagged', () => {
    const flag = flagOf(withPeers(steady({ moodle_login: 1 }), { config: noSilent }));
    expect(flag).toBeUndefined();
  });

  it('when the floor is lowered by the department, then the same student is no longer flagged', () => {
    const config = parseRulesConfig({ lowEngagement: { absoluteFloor: 2 } });
    expect(flagOf(withPeers(trickle, { config }))?.rules ?? []).not.toContain('low_engagement');
  });

  it('when the cohort is too small for a comparison, then the rule is not used and the cohort gets a warning', () => {
    const result = evaluateRules(buildInput({ counts: new Map([['S1', trickle]]) }));
    expect(result.flags).toEqual([]);
    expect(result.warnings.find((w) => w.code === 'cohort_too_small')).toMatchObject({ cohort: { programme: 'BSc Physics', year: 1 } });
  });
});

describe('evaluateRules: sharp drop', () => {
  const config = noSilent;
  const lastWeek = { from: '2026-11-19', to: '2026-11-26' };

  it("when the last 7 term days fall to a quarter of the student's own weekly average (exactly 7 against 28), then they are flagged medium", () => {
    const counts = merge(steady({ moodle_login: 4 }, AUTUMN.start, '2026-11-19'), steady({ moodle_login: 1 }, '2026-11-20', '2026-11-26'));
    const flag = flagOf(withPeers(counts, { config }));
    expect(flag?.rules).toEqual(['sharp_drop']);
    expect(flag?.severity).toBe('medium');
    expect(flag?.findings[0]?.facts).toMatchObject({ recent: 7, baselinePerWeek: 28 });
  });

  it('when the drop is to a third rather than a quarter, then they are not flagged', () => {
    const counts = merge(steady({ moodle_login: 3 }, AUTUMN.start, '2026-11-19'), steady({ moodle_login: 1 }, lastWeek.from, lastWeek.to));
    expect(flagOf(withPeers(counts, { config }))).toBeUndefined();
  });

  it('when the usual level was too low to be meaningful, then a drop from it does not flag', () => {
    const counts = merge(steady({ moodle_login: 1 }, '2026-10-23', '2026-10-24'), steady({ panopto_view: 1 }, '2026-11-25', '2026-11-25'));
    const quiet = parseRulesConfig({ lowEngagement: { enabled: false }, silentSource: { enabled: false } });
    expect(flagOf(withPeers(counts, { config: quiet }))).toBeUndefined();
  });
});

describe('evaluateRules: silent source', () => {
  it('when one source is at zero for 14 term days while the cohort median there is high, then they are flagged low naming it', () => {
    const flag = flagOf(withPeers(steady({ moodle_login: 3, panopto_view: 1, samis_login: 1 })));
    expect(flag?.rules).toEqual(['silent_source']);
    expect(flag?.severity).toBe('low');
    expect(flag?.reason).toBe('No Teams meetings (cohort median 14) in the last 14 term days, while most of their cohort has some.');
  });

  it('when the cohort rarely uses that source, then silence there does not flag', () => {
    const config = parseRulesConfig({ silentSource: { minCohortMedian: 20 } });
    expect(flagOf(withPeers(steady({ moodle_login: 3, panopto_view: 1, samis_login: 1 }), { config }))).toBeUndefined();
  });

  it('when the student is silent everywhere, then the flag is no engagement alone, not a list of silent sources', () => {
    expect(flagOf(withPeers(new Map()))?.rules).toEqual(['no_engagement', 'low_engagement']);
  });
});

describe('evaluateRules: exemptions', () => {
  it.each(STUDENT_STATUSES.filter((s) => s !== 'active'))(
    'when a silent student is %s, then they are never flagged and listed as exempt',
    (status) => {
      const result = evaluateRules(buildInput({ students: [student('S1', { status })] }));
      expect(result.flags).toEqual([]);
      expect(result.exempt).toEqual([{ studentId: 'S1', why: status }]);
    },
  );

  it('when a dated exemption covers today, then the student is not flagged', () => {
    const result = evaluateRules(
      buildInput({ exemptions: [{ studentId: 'S1', reason: 'illness', from: '2026-11-01', until: '2026-12-01' }] }),
    );
    expect(result.flags).toEqual([]);
    expect(result.exempt).toEqual([{ studentId: 'S1', why: 'illness' }]);
  });

  it('when an exemption ended yesterday, then monitoring resumes without a backlog: the silent weeks it covered flag nothing', () => {
    const result = evaluateRules(
      buildInput({
        exemptions: [{ studentId: 'S1', reason: 'illness', from: '2026-11-01', until: '2026-11-26' }],
        explain: new Set(['S1']),
      }),
    );
    expect(result.flags).toEqual([]);
    expect(result.exempt).toEqual([]);
    expect(result.decisions[0]?.rules[0]?.sentence).toBe(
      'waits until its 14 term days all fall after the exemption (illness) that ended on 2026-11-26.',
    );
  });

  it('when 14 silent term days have passed since an exemption ended, then the student is flagged again', () => {
    const result = evaluateRules(
      buildInput({ exemptions: [{ studentId: 'S1', reason: 'illness', from: '2026-10-01', until: '2026-11-12' }] }),
    );
    expect(result.flags.map((f) => f.rules)).toEqual([['no_engagement']]);
  });

  it('when an exemption starts next week, then it does not exempt the student today', () => {
    const result = evaluateRules(
      buildInput({ exemptions: [{ studentId: 'S1', reason: 'planned surgery', from: addDays(TODAY, 7), until: null }] }),
    );
    expect(result.flags).toHaveLength(1);
  });
});

describe('evaluateRules: explanations and warnings', () => {
  it('when a decision is asked for, then every rule says whether it fired and why', () => {
    const result = evaluateRules(
      withPeers(steady({ moodle_login: 3, panopto_view: 1, samis_login: 1 }), { explain: new Set(['S1', 'P01']) }),
    );
    const mine = result.decisions.find((d) => d.studentId === 'S1');
    expect(mine?.rules.map((r) => [r.rule, r.outcome])).toEqual([
      ['no_engagement', 'not_fired'],
      ['low_engagement', 'not_fired'],
      ['sharp_drop', 'not_fired'],
      ['silent_source', 'fired'],
    ]);
    expect(result.decisions.find((d) => d.studentId === 'P01')?.flag).toBeNull();
  });

  it('when a whole cohort shows nothing on a source marked complete, then a cohort warning asks for the import to be checked', () => {
    const peers = engagedPeers();
    const counts = new Map([...peers.counts].map(([id, c]) => [id, new Map([...c].map(([d, by]) => [d, { ...by, panopto_view: 0 }]))]));
    const result = evaluateRules(buildInput({ students: peers.students, counts }));
    expect(result.warnings.find((w) => w.code === 'cohort_source_silent')?.message).toBe(
      'All 12 students in BSc Physics year 1 show no Lecture viewings over the last 21 term days although that data is marked complete; please check the import before relying on it.',
    );
  });
});
