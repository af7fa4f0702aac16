import fc from 'fast-check';
import { academicYearStart, addDays, lastTermDays, type Term } from '../calendar';
import { SOURCES, type IsoDay } from '../domain';
import { evaluateRules } from './evaluate';
import { AUTUMN, TODAY, buildInput, engagedPeers, fullCoverage, merge, steady, student } from './fixtures';
import type { Coverage } from './types';

const SUMMER_2026: Term = { name: 'Summer 2026', start: '2026-04-20', end: '2026-06-12', excluded: [] };
const SPRING_2027: Term = { name: 'Spring 2027', start: '2027-01-11', end: '2027-03-26', excluded: [] };
const CALENDAR = [SUMMER_2026, AUTUMN, SPRING_2027];

/** Coverage of every source for both terms: the data is complete, so only the calendar decides. */
function coverageOf(terms: readonly Term[], today: IsoDay): Coverage {
  const days = new Set<IsoDay>();
  for (const t of terms) for (let d = t.start; d < today && d <= t.end; d = addDays(d, 1)) days.add(d);
  return new Map(SOURCES.map((s) => [s, days]));
}

describe('freshers and the academic year', () => {
  it('when autumn term follows the summer, then the academic year starts with autumn and no window reaches back into June', () => {
    expect(academicYearStart('2026-10-01', CALENDAR)).toBe('2026-09-28');
    expect(lastTermDays('2026-10-02', 21, CALENDAR)).toEqual(['2026-09-28', '2026-09-29', '2026-09-30', '2026-10-01']);
  });

  it('when spring term follows the Christmas break, then windows still reach back into autumn', () => {
    expect(academicYearStart('2027-01-13', CALENDAR)).toBe('2026-09-28');
    expect(lastTermDays('2027-01-13', 5, CALENDAR)).toEqual(['2026-12-09', '2026-12-10', '2026-12-11', '2027-01-11', '2027-01-12']);
  });

  it('when a new student has done nothing by the fourth day of autumn term, then they are not flagged', () => {
    const { students, counts } = engagedPeers();
    const today = '2026-10-01';
    const result = evaluateRules(
      buildInput({
        students: [...students, student('FRESHER', { startDay: '2026-09-28' })],
        counts,
        terms: CALENDAR,
        coverage: coverageOf(CALENDAR, today),
        today,
      }),
    );
    expect(result.flags.map((f) => f.studentId)).not.toContain('FRESHER');
  });

  it('when a student starts late in term, then they are judged only once their windows fall after their start date', () => {
    const { students, counts } = engagedPeers();
    const late = student('LATE', { startDay: '2026-11-16' });
    const explained = evaluateRules(buildInput({ students: [...students, late], counts, explain: new Set(['LATE']) }));
    const decision = explained.decisions.find((d) => d.studentId === 'LATE');

    expect(explained.flags.map((f) => f.studentId)).not.toContain('LATE');
    expect(decision?.rules.find((r) => r.rule === 'no_engagement')?.sentence).toBe(
      'waits until the student has 14 term days since they started on 2026-11-16; there are 11 so far.',
    );
    // The same silent student with no start date is flagged: the start date is what holds the rule back.
    const without = evaluateRules(buildInput({ students: [...students, student('LATE')], counts }));
    expect(without.flags.map((f) => f.studentId)).toContain('LATE');
  });

  it('for any start date, a student is never flagged on a window that begins before they started, and one who started before every window is judged as before', () => {
    const days = lastTermDays(TODAY, 40, [AUTUMN]);
    fc.assert(
      fc.property(fc.constantFrom(...days, addDays(TODAY, 3)), fc.boolean(), (startDay, silent) => {
        const { students, counts } = engagedPeers();
        const subject = student('X', { startDay });
        const ownCounts = silent ? new Map() : merge(steady({ moodle_login: 1 }, startDay));
        const input = buildInput({ students: [...students, subject], counts: new Map([...counts, ['X', ownCounts]]) });
        const result = evaluateRules(input);
        const flag = result.flags.find((f) => f.studentId === 'X');
        for (const finding of flag?.findings ?? []) {
          const n = Number(finding.facts.days ?? finding.facts.recentDays ?? 0) || 0;
          const windowDays = lastTermDays(TODAY, n, [AUTUMN]);
          expect(windowDays[0] !== undefined && windowDays[0] >= startDay).toBe(true);
        }
        if (startDay <= (days[0] as IsoDay)) {
          const plain = evaluateRules({ ...input, students: [...students, student('X')] });
          expect(plain.flags.find((f) => f.studentId === 'X')).toEqual(flag);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('when the fixtures cover the whole term, then the default full coverage is unchanged by the calendar rule', () => {
    expect(lastTermDays(TODAY, 21, [AUTUMN])).toEqual(lastTermDays(TODAY, 21, CALENDAR));
    expect(fullCoverage().size).toBe(SOURCES.length);
  });
});
