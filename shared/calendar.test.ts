import { addDays, daysBetween, isTermDay, lastTermDays, parseTerms, type Term } from './calendar';

const autumn: Term = {
  name: 'Autumn 2026',
  start: '2026-09-28',
  end: '2026-12-11',
  excluded: [{ start: '2026-11-02', end: '2026-11-08', label: 'Reading week' }],
};

describe('term calendar', () => {
  it('when adding days across a month end, then the date rolls over', () => {
    expect(addDays('2026-10-30', 3)).toBe('2026-11-02');
    expect(daysBetween('2026-10-30', '2026-11-02')).toBe(3);
  });

  it('when a day is in the reading week or outside the term, then it is not a term day', () => {
    expect(isTermDay('2026-11-04', [autumn])).toBe(false);
    expect(isTermDay('2026-09-27', [autumn])).toBe(false);
    expect(isTermDay('2026-11-09', [autumn])).toBe(true);
  });

  it('when the window reaches back over a reading week, then the vacation pauses it', () => {
    const days = lastTermDays('2026-11-13', 14, [autumn]);
    expect(days).toHaveLength(14);
    expect(days[days.length - 1]).toBe('2026-11-12');
    expect(days).not.toContain('2026-11-05');
    expect(days[0]).toBe('2026-10-23');
  });

  it('when the term has just begun, then the window holds only the term days there are', () => {
    expect(lastTermDays('2026-10-01', 14, [autumn])).toEqual(['2026-09-28', '2026-09-29', '2026-09-30']);
  });
});

describe('parseTerms', () => {
  it('when a calendar is well formed, then its terms come back with their pauses', () => {
    const result = parseTerms([
      {
        name: 'Autumn 2026',
        start: '2026-09-28',
        end: '2026-12-11',
        excluded: [{ start: '2026-11-02', end: '2026-11-08', label: 'Reading week' }],
      },
    ]);
    expect(result).toEqual({ ok: true, terms: [autumn] });
  });

  it('when a calendar has several mistakes, then every one is named with where it is', () => {
    const result = parseTerms([
      {
        name: 'Autumn',
        start: '2026-09-28',
        end: '2026-09-01',
        excluded: [{ start: '2026-12-20', end: '2026-12-24', label: 'Late break' }],
      },
      { name: 'Spring', start: '2026-02-30', end: '2026-05-01' },
      { name: 'Overlap', start: '2026-03-01', end: '2026-03-10' },
    ]);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'term 0.end: ends (2026-09-01) before it starts (2026-09-28)',
        'term 0.excluded.0: "Late break" (2026-12-20 to 2026-12-24) is not inside the term',
        'term 1.start: not a real calendar day',
      ]),
    );
  });

  it('when two terms overlap, then it says which', () => {
    const result = parseTerms([autumn, { ...autumn, name: 'Autumn again', start: '2026-12-01', end: '2026-12-20', excluded: [] }]);
    expect(result).toEqual({ ok: false, problems: ['"Autumn 2026" and "Autumn again" overlap'] });
  });
});
