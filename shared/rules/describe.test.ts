import { evaluateRules } from './evaluate';
import { describeDecision } from './describe';
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
