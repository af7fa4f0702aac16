import { isWorkingDay, workingDaysBetween } from './working-days';

describe('working days', () => {
  it('when a span covers a weekend, then Saturday and Sunday are not counted', () => {
    // Friday 2026-11-27 to Wednesday 2026-12-02: Mon, Tue, Wed.
    expect(workingDaysBetween('2026-11-27', '2026-12-02')).toBe(3);
  });

  it('when the end is not after the start, then no working days have passed', () => {
    expect(workingDaysBetween('2026-11-27', '2026-11-27')).toBe(0);
    expect(workingDaysBetween('2026-11-27', '2026-11-20')).toBe(0);
  });

  it('when a day is a Saturday, then it is not a working day', () => {
    expect(isWorkingDay('2026-11-28')).toBe(false);
    expect(isWorkingDay('2026-11-30')).toBe(true);
  });
});
