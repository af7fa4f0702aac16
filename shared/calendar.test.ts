import { addDays, daysBetween, isTermDay, lastTermDays, type Term } from './calendar';

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
