import { evaluateRules } from './evaluate';
import { describeDecision, describeReasons, roundSensibly } from './describe';
import type { DailyCounts, Explanation } from './types';
import { SOURCES } from '../domain';
import { buildInput, engagedPeers, steady, student } from './fixtures';

describe('describeDecision', () => {
  it('when a flagged student is explained, then the words give the severity, every rule, and counts beside cohort medians', () => {
    const peers = engagedPeers();
    const input = buildInput({
      students: [...peers.students, student('S1')],
      counts: new Map([...peers.counts, ['S1', steady({ moodle_login: 3, panopto_view: 1, samis_login: 1 })]]),
      explain: new Set(['S1']),
    });
    const text = describeDecision(evaluateRules(input).decisions[0]!, 'Student S1').join('\n');
    expect(text).toContain('Student S1: flagged, low severity. No Teams meetings (cohort median 14)');
    expect(text).toContain('  Silent source: fired: ');
    expect(text).toContain('  No engagement: did not fire: 70 occurrences in the last 14 term days.');
    expect(text).toMatch(/ {2}Teams meetings +0 \(7\) +0 \(14\) +0 \(21\) +none seen in the data held/);
  });

  it('when an exempt student is explained, then it says they are not monitored and why', () => {
    const result = evaluateRules(buildInput({ students: [student('S1', { status: 'placement' })], explain: new Set(['S1']) }));
    expect(describeDecision(result.decisions[0]!, 'Student S1')).toEqual([
      'Student S1: not monitored today (exempt: placement); no rule is applied and no alert is sent.',
    ]);
  });
});

describe('describeReasons', () => {
  const flagOf = (counts: DailyCounts | undefined, id = 'S1') => {
    const peers = engagedPeers();
    const input = buildInput({
      students: [...peers.students, student(id)],
      counts: new Map([...peers.counts, ...(counts ? ([[id, counts]] as const) : [])]),
    });
    const flag = evaluateRules(input).flags.find((f) => f.studentId === id);
    if (!flag) throw new Error('the fixture student was expected to be flagged');
    return flag;
  };

  it('when a student has been silent on every source, then the reason says for how long and since when, in words', () => {
    const last = new Map([['2026-10-20', { moodle_login: 2 }]]);
    const flag = flagOf(last);
    expect(describeReasons(flag.rules, flag.explanation)).toBe('No activity on any source for 3 weeks of term, since 20 October.');
  });

  it('when a student does far less than the course, then the reason gives both totals rounded as a person would say them', () => {
    const zero = { d7: 0, d14: 0, d21: 0 };
    const explanation: Explanation = {
      counts: { ...Object.fromEntries(SOURCES.map((s) => [s, zero])), moodle_login: { d7: 2, d14: 5, d21: 8 } } as Explanation['counts'],
      cohortMedians: {
        ...Object.fromEntries(SOURCES.map((s) => [s, zero])),
        moodle_login: { d7: 12, d14: 24.5, d21: 37.4 },
        panopto_view: { d7: 5, d14: 10, d21: 14.7 },
      } as Explanation['counts'],
      daysSinceLast: Object.fromEntries(SOURCES.map((s) => [s, s === 'moodle_login' ? 2 : null])) as Explanation['daysSinceLast'],
      windowStart: '2026-10-27',
      windowEnd: '2026-11-26',
      evaluatedOn: '2026-11-27',
    };
    expect(describeReasons(['low_engagement'], explanation)).toBe('Far less than others on the course: 8 against a usual 52 over 3 weeks.');
  });

  it('when figures are awkward, then they are rounded sensibly', () => {
    expect([roundSensibly(51.6), roundSensibly(7.3), roundSensibly(7.26), roundSensibly(137), roundSensibly(0.333)]).toEqual([
      52, 7.5, 7.5, 140, 0.5,
    ]);
  });
});
